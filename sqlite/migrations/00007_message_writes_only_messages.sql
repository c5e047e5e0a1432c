-- +goose Up
-- A message is written to the messages table alone. Its conversation's last seq and
-- last message time used to be copied onto the conversation's row by every message
-- (one more page written per message, a third of a message's writes); both are now
-- read from the conversation's last message (the primary key's last entry of that
-- conversation: one seek). The time a conversation was assigned still counts as
-- activity, from assigned_at.
ALTER TABLE conversations DROP COLUMN last_seq;
ALTER TABLE conversations DROP COLUMN last_message_at;

-- +goose Down
ALTER TABLE conversations ADD COLUMN last_message_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET
    last_seq = COALESCE((SELECT MAX(seq) FROM messages m WHERE m.conversation_id = conversations.id), 0),
    last_message_at = MAX(created_at, COALESCE(assigned_at, 0), COALESCE((SELECT m.created_at FROM messages m
        WHERE m.conversation_id = conversations.id ORDER BY m.seq DESC LIMIT 1), 0));
