-- +goose Up
-- The delivery log is pruned by age (finished deliveries after a week, WebhookLogKeep; a
-- retention rule's cutoff): by this index, not by reading every delivery kept.
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at);

-- +goose Down
DROP INDEX webhook_deliveries_created;
