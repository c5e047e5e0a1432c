-- +goose Up
-- A first message resent without the visitor's token (its answer, which carried the new
-- token, was lost) is found by its client_id alone. Only first messages are indexed: one
-- entry per conversation, none per later message.
CREATE INDEX messages_first_client_id ON messages (client_id) WHERE seq = 1;

-- +goose Down
DROP INDEX messages_first_client_id;
