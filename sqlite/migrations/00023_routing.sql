-- +goose Up
-- Explainable routing (routing.go): every assignment decision of a conversation with its
-- explanation, a parley.Routing as JSON, written in the transaction that records the
-- assignment. Candidates are named by user id only: names are read when shown.
CREATE TABLE conversation_routing (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    decided_at      INTEGER NOT NULL,
    routing         TEXT    NOT NULL
);
CREATE INDEX conversation_routing_conversation ON conversation_routing (conversation_id, id);

-- +goose Down
DROP TABLE conversation_routing;
