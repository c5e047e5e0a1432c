-- The whole schema of the first release. Times are Unix microseconds (UTC); a NULL
-- time means "never".

-- +goose Up
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    login          TEXT    NOT NULL UNIQUE,
    password_hash  TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    chat_name      TEXT    NOT NULL DEFAULT '',
    main_language  TEXT    NOT NULL DEFAULT 'en',
    chat_languages TEXT    NOT NULL DEFAULT '[]' -- JSON array of language codes
);

CREATE TABLE sessions (
    token_hash BLOB    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE languages (
    code    TEXT    PRIMARY KEY, -- canonical BCP 47 tag
    name    TEXT    NOT NULL,    -- English name
    enabled INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE channels (
    id                       INTEGER PRIMARY KEY,
    name                     TEXT    NOT NULL,
    button_text              TEXT    NOT NULL DEFAULT '',
    welcome_message          TEXT    NOT NULL DEFAULT '',
    max_ongoing_per_operator INTEGER NOT NULL DEFAULT 0, -- 0: no cap
    created_at               INTEGER NOT NULL
);

CREATE TABLE channel_members (
    channel_id       INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at        INTEGER NOT NULL,
    last_assigned_at INTEGER,
    PRIMARY KEY (channel_id, user_id)
) WITHOUT ROWID;

CREATE INDEX channel_members_user_id ON channel_members (user_id);

CREATE TABLE visitors (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    channel_id      INTEGER NOT NULL REFERENCES channels (id),
    visitor_id      INTEGER NOT NULL REFERENCES visitors (id),
    operator_id     INTEGER REFERENCES users (id),
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'active', 'ended')),
    language        TEXT    NOT NULL DEFAULT '',
    page_url        TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    assigned_at     INTEGER,
    last_message_at INTEGER NOT NULL,
    ended_at        INTEGER,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    rating_score    INTEGER,
    rating_comment  TEXT    NOT NULL DEFAULT ''
);

-- The queue of a channel, oldest first.
CREATE INDEX conversations_channel_status ON conversations (channel_id, status, id);
-- An operator's load and list.
CREATE INDEX conversations_operator ON conversations (operator_id, status, last_message_at);
-- A returning visitor's previous operator.
CREATE INDEX conversations_visitor ON conversations (visitor_id, channel_id, id);

CREATE TABLE messages (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    author_kind     TEXT    NOT NULL CHECK (author_kind IN ('visitor', 'operator', 'system')),
    author_id       INTEGER REFERENCES users (id),
    author_name     TEXT    NOT NULL, -- as shown when the message was written
    body            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;

CREATE TABLE conversation_reads (
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    last_read_seq   INTEGER NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
) WITHOUT ROWID;

CREATE TABLE offline_messages (
    id         INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL REFERENCES channels (id),
    name       TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE INDEX offline_messages_created_at ON offline_messages (created_at);

-- +goose Down
DROP TABLE offline_messages;
DROP TABLE conversation_reads;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE visitors;
DROP TABLE channel_members;
DROP TABLE channels;
DROP TABLE languages;
DROP TABLE sessions;
DROP TABLE users;
