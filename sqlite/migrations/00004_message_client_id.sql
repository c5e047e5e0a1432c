-- +goose Up
-- The sender's idempotency key: a client that resends after a lost answer gets the
-- message already stored, never a second copy.
ALTER TABLE messages ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, author_kind, client_id) WHERE client_id IS NOT NULL;

-- +goose Down
DROP INDEX messages_client_id;
ALTER TABLE messages DROP COLUMN client_id;
