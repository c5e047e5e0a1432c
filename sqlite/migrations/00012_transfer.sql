-- +goose Up
-- The operator who last handed the conversation over (a transfer, or leaving it): the
-- assignment rules never give it back to them. A user's row is never deleted, so no
-- foreign key is needed (and one would keep the column from being dropped).
ALTER TABLE conversations ADD COLUMN handed_over_by INTEGER;

-- +goose Down
ALTER TABLE conversations DROP COLUMN handed_over_by;
