-- +goose Up
-- Full-text search over the messages of visitors and operators (system notices are not
-- searched: every conversation has "Visitor left the conversation."). FTS5 with the
-- unicode61 tokenizer folds case and removes accents, in every script, so that "cafe"
-- finds "Café": no stemming, since visitors write in many languages and a stemmer is
-- right for one only; a search looks for the start of each word instead.
--
-- The table is contentless (content=''): the body is already in messages, so indexing
-- a message writes its terms only, not a second copy; contentless_delete lets a row be
-- deleted by its rowid alone. messages is a WITHOUT ROWID table keyed by
-- (conversation_id, seq): a message's rowid here is conversation_id * 2^32 + seq.
-- Triggers keep the index in step with every insert, change and delete of a message,
-- however made (a conversation deleted takes its messages with it by cascade, and the
-- triggers run for each).
CREATE VIRTUAL TABLE message_search USING fts5 (
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO message_search (rowid, body)
    SELECT (conversation_id << 32) + seq, body FROM messages WHERE author_kind <> 'system';

-- +goose StatementBegin
CREATE TRIGGER message_search_insert AFTER INSERT ON messages
WHEN new.author_kind <> 'system' BEGIN
    INSERT INTO message_search (rowid, body) VALUES ((new.conversation_id << 32) + new.seq, new.body);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER message_search_delete AFTER DELETE ON messages
WHEN old.author_kind <> 'system' BEGIN
    DELETE FROM message_search WHERE rowid = (old.conversation_id << 32) + old.seq;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER message_search_update AFTER UPDATE OF body, author_kind ON messages BEGIN
    DELETE FROM message_search WHERE rowid = (old.conversation_id << 32) + old.seq;
    INSERT INTO message_search (rowid, body)
        SELECT (new.conversation_id << 32) + new.seq, new.body WHERE new.author_kind <> 'system';
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER message_search_update;
DROP TRIGGER message_search_delete;
DROP TRIGGER message_search_insert;
DROP TABLE message_search;
