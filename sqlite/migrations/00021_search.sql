-- +goose Up
-- Full-text search over the messages of visitors and operators (system notices are not
-- searched: every conversation has "Visitor left the conversation."). FTS5 with the
-- unicode61 tokenizer folds case and takes the accents off Latin letters, so that "cafe"
-- finds "Café"; no stemming, since visitors write in many languages and a stemmer is
-- right for one only; a search looks for the start of each word instead.
--
-- The table is contentless (content=''): the body is already in messages, so indexing
-- a message writes its terms only, not a second copy, and columnsize=0 keeps no length
-- per row (nothing ranks by it). messages is a WITHOUT ROWID table keyed by
-- (conversation_id, seq): a message's rowid here is conversation_id * 2^32 + seq.
-- The store does not index a message in the transaction that stores it: FTS5 writes a
-- segment at each commit, and merges them, which made storing a message a fifth dearer
-- under load. The message's key goes to message_search_pending instead (a plain insert),
-- and the store moves the pending messages into the index in one statement about once a
-- second, and before each search (sqlite/search.go). Triggers keep the index in step with
-- every change and delete of a message, however made (a conversation deleted takes its
-- messages with it by cascade, and the triggers run for each): a pending message is only
-- taken off the pending list. A contentless table forgets a row by the 'delete' command,
-- given the very values it indexed: the triggers have them (old.body). contentless_delete=1
-- would forget by rowid alone, but writes more for every message (measured in batches of
-- 256: 4.1 KB of WAL per message against 2.7 KB; 2.5 KB without any index).
CREATE VIRTUAL TABLE message_search USING fts5 (
    body,
    content = '',
    columnsize = 0,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO message_search (rowid, body)
    SELECT (conversation_id << 32) + seq, body FROM messages WHERE author_kind <> 'system';

CREATE TABLE message_search_pending (
    rowid INTEGER PRIMARY KEY -- conversation_id << 32 | seq, as in message_search
);

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
DROP TRIGGER message_search_update;
DROP TRIGGER message_search_delete;
DROP TABLE message_search_pending;
DROP TABLE message_search;
