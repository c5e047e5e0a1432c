-- +goose Up
-- The check on a message's author kind was an IN list of three, which SQLite evaluates by
-- building a temporary index for every row inserted (a b-tree opened, filled and closed
-- per message). Three comparisons do the same check without it. SQLite cannot change a
-- check in place: the table is made again and its rows copied.
CREATE TABLE messages_new (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    author_kind     TEXT    NOT NULL CHECK (author_kind = 'visitor' OR author_kind = 'operator' OR author_kind = 'system'),
    author_id       INTEGER REFERENCES users (id),
    author_name     TEXT    NOT NULL, -- as shown when the message was written
    body            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    client_id       TEXT,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
INSERT INTO messages_new (conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id)
    SELECT conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, author_kind, client_id) WHERE client_id IS NOT NULL;

-- +goose Down
CREATE TABLE messages_old (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    author_kind     TEXT    NOT NULL CHECK (author_kind IN ('visitor', 'operator', 'system')),
    author_id       INTEGER REFERENCES users (id),
    author_name     TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    client_id       TEXT,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
INSERT INTO messages_old (conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id)
    SELECT conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id FROM messages;
DROP TABLE messages;
ALTER TABLE messages_old RENAME TO messages;
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, author_kind, client_id) WHERE client_id IS NOT NULL;
