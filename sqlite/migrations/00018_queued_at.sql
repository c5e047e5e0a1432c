-- +goose Up
-- When a conversation last entered its channel's queue, for the live view's wait: set
-- when a transfer or a disabled operator puts it back; NULL for a conversation queued at
-- its start, which waits since it was created.
ALTER TABLE conversations ADD COLUMN queued_at INTEGER;

-- +goose Down
ALTER TABLE conversations DROP COLUMN queued_at;
