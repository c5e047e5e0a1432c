-- +goose Up
-- Honest waiting (waiting.go). A channel's limit on waiting in its queue, past which the
-- widget also offers the leave-a-message form; 0: no limit.
CREATE TABLE channel_wait_limits (
    channel_id       bigint PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    max_wait_minutes integer NOT NULL DEFAULT 0,
    max_place        integer NOT NULL DEFAULT 0
);

-- The estimate a visitor was given when their conversation was queued (estimate in
-- seconds, NULL when none could be given), and when it was assigned out of the queue:
-- the estimates' accuracy on the reports page, and the rate of the queue's next ones.
CREATE TABLE wait_estimates (
    conversation_id bigint PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    channel_id      bigint NOT NULL,
    place           integer NOT NULL,
    estimate        bigint,
    queued_at       bigint NOT NULL,
    assigned_at     bigint
);
CREATE INDEX wait_estimates_departures ON wait_estimates (channel_id, assigned_at) WHERE assigned_at IS NOT NULL;
CREATE INDEX wait_estimates_assigned ON wait_estimates (assigned_at) WHERE assigned_at IS NOT NULL;

-- Every path that assigns a queued conversation (the drain, a hand assignment, a
-- transfer) records its departure in its own transaction, without knowing of it.
-- +goose StatementBegin
CREATE FUNCTION conversations_wait_assigned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE wait_estimates SET assigned_at = NEW.assigned_at, channel_id = NEW.channel_id
    WHERE conversation_id = NEW.id AND assigned_at IS NULL;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER conversations_wait_assigned AFTER UPDATE OF status ON conversations
FOR EACH ROW WHEN (OLD.status = 'queued' AND NEW.status = 'active')
EXECUTE FUNCTION conversations_wait_assigned();

-- A message a visitor left instead of waiting in the queue names the conversation, which
-- then ended.
ALTER TABLE offline_messages ADD COLUMN conversation_id bigint REFERENCES conversations (id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE offline_messages DROP COLUMN conversation_id;
DROP TRIGGER conversations_wait_assigned ON conversations;
DROP FUNCTION conversations_wait_assigned();
DROP TABLE wait_estimates;
DROP TABLE channel_wait_limits;
