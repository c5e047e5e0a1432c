-- +goose Up
-- The inbox of left messages: where and in which language a message was left, by which
-- visitor when the widget knew them, and whether an operator read and handled it
-- (Unix microseconds; NULL: not yet).
ALTER TABLE offline_messages ADD COLUMN page_url TEXT NOT NULL DEFAULT '';
ALTER TABLE offline_messages ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE offline_messages ADD COLUMN visitor_id INTEGER REFERENCES visitors (id) ON DELETE SET NULL;
ALTER TABLE offline_messages ADD COLUMN read_at INTEGER;
ALTER TABLE offline_messages ADD COLUMN handled_at INTEGER;
ALTER TABLE offline_messages ADD COLUMN handled_by INTEGER REFERENCES users (id);

-- The operators' replies, sent to the visitor by email; they go with their message.
CREATE TABLE inbox_replies (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES offline_messages (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX inbox_replies_message_id ON inbox_replies (message_id, id);

-- Where each user wants the notices of messages left, and in which channels.
CREATE TABLE notify_emails (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email   TEXT    NOT NULL
);
CREATE TABLE notify_channels (
    channel_id INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (channel_id, user_id)
) WITHOUT ROWID;
CREATE INDEX notify_channels_user_id ON notify_channels (user_id);

-- +goose Down
DROP TABLE notify_channels;
DROP TABLE notify_emails;
DROP TABLE inbox_replies;
ALTER TABLE offline_messages DROP COLUMN handled_by;
ALTER TABLE offline_messages DROP COLUMN handled_at;
ALTER TABLE offline_messages DROP COLUMN read_at;
ALTER TABLE offline_messages DROP COLUMN visitor_id;
ALTER TABLE offline_messages DROP COLUMN language;
ALTER TABLE offline_messages DROP COLUMN page_url;
