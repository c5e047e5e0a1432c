-- +goose Up
-- Files sent in conversations, kept in the database like the messages that carry them,
-- the content last so that reading a file's description reads none of it.
-- uploaded_by is the operator who sent it, NULL for the visitor.
CREATE TABLE files (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    content_type    TEXT    NOT NULL,
    size            INTEGER NOT NULL,
    uploaded_by     INTEGER REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    content         BLOB    NOT NULL
);
CREATE INDEX files_conversation ON files (conversation_id);

-- The file a message carries. The index holds only messages with a file, so a message
-- without one writes nothing more; it answers the foreign key's check when a file is
-- deleted.
ALTER TABLE messages ADD COLUMN file_id INTEGER REFERENCES files (id);
CREATE INDEX messages_file ON messages (file_id) WHERE file_id IS NOT NULL;

-- The admin's limits on files: one row once set (parley.DefaultFileSettings until then).
CREATE TABLE file_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    max_size      INTEGER NOT NULL,
    allowed_types TEXT    NOT NULL -- JSON array of media types
);

-- +goose Down
-- SQLite cannot drop a column that names another table: the table is made again.
DROP TABLE file_settings;
DROP INDEX messages_file;
CREATE TABLE messages_old (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    author_kind     TEXT    NOT NULL CHECK (author_kind = 'visitor' OR author_kind = 'operator' OR author_kind = 'system'),
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
CREATE INDEX messages_first_client_id ON messages (client_id) WHERE seq = 1;
DROP TABLE files;
