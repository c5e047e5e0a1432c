-- +goose Up
-- The operator who last handed the conversation over (a transfer, or leaving it): the
-- assignment rules never give it back to them.
ALTER TABLE conversations ADD COLUMN handed_over_by bigint REFERENCES users (id);

-- +goose Down
ALTER TABLE conversations DROP COLUMN handed_over_by;
