-- +goose Up
-- A message's client_id (the key a resend is recognized by) is no longer indexed: the
-- writer tells a resend from a new message in memory (sqlite/live.go), reading a
-- conversation's keys once. The index cost every message one more page written to the
-- WAL, at a random place.
DROP INDEX messages_client_id;

-- +goose Down
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, author_kind, client_id) WHERE client_id IS NOT NULL;
