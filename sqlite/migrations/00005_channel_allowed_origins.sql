-- +goose Up
-- The website origins allowed to embed the channel's widget, as a JSON array; [] allows any.
ALTER TABLE channels ADD COLUMN allowed_origins TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE channels DROP COLUMN allowed_origins;
