-- +goose Up
-- A channel's button text and welcome message in one enabled language (a BCP 47 tag as
-- the languages table writes it); an empty text leaves the channel's own in its place.
CREATE TABLE channel_texts (
    channel_id      INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    language        TEXT    NOT NULL,
    button_text     TEXT    NOT NULL DEFAULT '',
    welcome_message TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (channel_id, language)
) WITHOUT ROWID;

-- The operator's notifications while the console's tab is hidden: a sound, on unless
-- they turn it off, and a desktop notification, off until they turn it on.
ALTER TABLE users ADD COLUMN notify_sound INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN notify_desktop INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN notify_desktop;
ALTER TABLE users DROP COLUMN notify_sound;
DROP TABLE channel_texts;
