-- +goose Up
-- A channel's chatbot script (chatbot.go): one JSON document that the service checked.
CREATE TABLE chatbot_scripts (
    channel_id INTEGER PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    script     TEXT NOT NULL
);

-- Which opening messages of a conversation answered the chatbot, and what it asked:
-- a JSON array of {"seq","question"}. The answers themselves are the messages, so an
-- erasure of the visitor's messages leaves nothing of them here.
CREATE TABLE conversation_chatbot (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    answers         TEXT NOT NULL
);

-- The bot's messages have the author kind 'bot'. SQLite cannot change a check in place:
-- the table is made again, its rows copied, and its indexes and search triggers
-- (00010, 00014, 00021) made again. Dropping a table fires none of its triggers, and the
-- copies keep their keys, so the search index stays true.
CREATE TABLE messages_new (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    author_kind     TEXT    NOT NULL CHECK (author_kind = 'visitor' OR author_kind = 'operator' OR author_kind = 'system' OR author_kind = 'bot'),
    author_id       INTEGER REFERENCES users (id),
    author_name     TEXT    NOT NULL, -- as shown when the message was written
    body            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    client_id       TEXT,
    file_id         INTEGER REFERENCES files (id),
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
INSERT INTO messages_new (conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id, file_id)
    SELECT conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id, file_id FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE INDEX messages_first_client_id ON messages (client_id) WHERE seq = 1;
CREATE INDEX messages_file ON messages (file_id) WHERE file_id IS NOT NULL;

-- +goose StatementBegin
CREATE TRIGGER message_search_delete AFTER DELETE ON messages
WHEN old.author_kind <> 'system' BEGIN
    INSERT INTO message_search (message_search, rowid, body)
        SELECT 'delete', (old.conversation_id << 32) + old.seq, old.body
        WHERE NOT EXISTS (SELECT 1 FROM message_search_pending WHERE rowid = (old.conversation_id << 32) + old.seq);
    DELETE FROM message_search_pending WHERE rowid = (old.conversation_id << 32) + old.seq;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER message_search_update AFTER UPDATE OF conversation_id, seq, body, author_kind ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, body)
        SELECT 'delete', (old.conversation_id << 32) + old.seq, old.body WHERE old.author_kind <> 'system'
        AND NOT EXISTS (SELECT 1 FROM message_search_pending WHERE rowid = (old.conversation_id << 32) + old.seq);
    DELETE FROM message_search_pending WHERE rowid = (old.conversation_id << 32) + old.seq;
    INSERT OR IGNORE INTO message_search_pending (rowid)
        SELECT (new.conversation_id << 32) + new.seq WHERE new.author_kind <> 'system';
END;
-- +goose StatementEnd

-- +goose Down
-- The bot's messages become system notices, which the old check allows.
UPDATE messages SET author_kind = 'system' WHERE author_kind = 'bot';
CREATE TABLE messages_old (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    author_kind     TEXT    NOT NULL CHECK (author_kind = 'visitor' OR author_kind = 'operator' OR author_kind = 'system'),
    author_id       INTEGER REFERENCES users (id),
    author_name     TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    client_id       TEXT,
    file_id         INTEGER REFERENCES files (id),
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
INSERT INTO messages_old (conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id, file_id)
    SELECT conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id, file_id FROM messages;
DROP TABLE messages;
ALTER TABLE messages_old RENAME TO messages;
CREATE INDEX messages_first_client_id ON messages (client_id) WHERE seq = 1;
CREATE INDEX messages_file ON messages (file_id) WHERE file_id IS NOT NULL;
-- +goose StatementBegin
CREATE TRIGGER message_search_delete AFTER DELETE ON messages
WHEN old.author_kind <> 'system' BEGIN
    INSERT INTO message_search (message_search, rowid, body)
        SELECT 'delete', (old.conversation_id << 32) + old.seq, old.body
        WHERE NOT EXISTS (SELECT 1 FROM message_search_pending WHERE rowid = (old.conversation_id << 32) + old.seq);
    DELETE FROM message_search_pending WHERE rowid = (old.conversation_id << 32) + old.seq;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER message_search_update AFTER UPDATE OF conversation_id, seq, body, author_kind ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, body)
        SELECT 'delete', (old.conversation_id << 32) + old.seq, old.body WHERE old.author_kind <> 'system'
        AND NOT EXISTS (SELECT 1 FROM message_search_pending WHERE rowid = (old.conversation_id << 32) + old.seq);
    DELETE FROM message_search_pending WHERE rowid = (old.conversation_id << 32) + old.seq;
    INSERT OR IGNORE INTO message_search_pending (rowid)
        SELECT (new.conversation_id << 32) + new.seq WHERE new.author_kind <> 'system';
END;
-- +goose StatementEnd
DROP TABLE conversation_chatbot;
DROP TABLE chatbot_scripts;
