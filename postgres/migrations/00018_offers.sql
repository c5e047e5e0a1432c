-- +goose Up
-- Offer and accept (offers.go). A channel's offer_seconds (0: assign at once); a queued
-- conversation's standing offer (offered_to until offer_expires_at); who missed or
-- declined a conversation's offer, never offered it again; and an operator's misses in a
-- row, which set them away (offers_away_since) until they are back.
ALTER TABLE channels ADD COLUMN offer_seconds integer NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN offered_to bigint REFERENCES users (id);
ALTER TABLE conversations ADD COLUMN offer_expires_at bigint;
CREATE INDEX conversations_offered ON conversations (offer_expires_at) WHERE offered_to IS NOT NULL;
CREATE TABLE offer_passes (
    conversation_id bigint  NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    operator_id     bigint  NOT NULL,
    PRIMARY KEY (conversation_id, operator_id)
);
ALTER TABLE users ADD COLUMN offers_missed integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN offers_away_since bigint;
CREATE INDEX users_offers_away ON users (id) WHERE offers_away_since IS NOT NULL;

-- +goose Down
DROP INDEX users_offers_away;
ALTER TABLE users DROP COLUMN offers_away_since;
ALTER TABLE users DROP COLUMN offers_missed;
DROP TABLE offer_passes;
DROP INDEX conversations_offered;
ALTER TABLE conversations DROP COLUMN offer_expires_at;
ALTER TABLE conversations DROP COLUMN offered_to;
ALTER TABLE channels DROP COLUMN offer_seconds;
