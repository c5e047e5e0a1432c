-- +goose Up
-- A channel's button text and welcome message in one enabled language (a BCP 47 tag as
-- the languages table writes it); an empty text leaves the channel's own in its place.
CREATE TABLE channel_texts (
    channel_id      bigint NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    language        text   NOT NULL,
    button_text     text   NOT NULL DEFAULT '',
    welcome_message text   NOT NULL DEFAULT '',
    PRIMARY KEY (channel_id, language)
);

-- The operator's notifications while the console's tab is hidden: a sound, on unless
-- they turn it off, and a desktop notification, off until they turn it on.
ALTER TABLE users ADD COLUMN notify_sound boolean NOT NULL DEFAULT true;
ALTER TABLE users ADD COLUMN notify_desktop boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE users DROP COLUMN notify_desktop;
ALTER TABLE users DROP COLUMN notify_sound;
DROP TABLE channel_texts;
