-- +goose Up
-- When a widget of the visitor was last open (Unix microseconds; NULL: never): with their
-- last message, it tells the sweep whether the visitor has gone.
ALTER TABLE visitors ADD COLUMN last_seen_at INTEGER;
-- The visitors of the conversations going on at the upgrade count as seen then, so that
-- theirs get the whole limit before they can end for want of them.
UPDATE visitors SET last_seen_at = CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
WHERE id IN (SELECT visitor_id FROM conversations WHERE status <> 'ended');
-- The conversations that have not ended, which the sweep looks through for abandoned ones.
CREATE INDEX conversations_not_ended ON conversations (id) WHERE status <> 'ended';

-- +goose Down
DROP INDEX conversations_not_ended;
ALTER TABLE visitors DROP COLUMN last_seen_at;
