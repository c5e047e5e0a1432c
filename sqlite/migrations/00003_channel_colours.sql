-- +goose Up
ALTER TABLE channels ADD COLUMN button_color TEXT NOT NULL DEFAULT '#875A7B';
ALTER TABLE channels ADD COLUMN button_text_color TEXT NOT NULL DEFAULT '#FFFFFF';

-- +goose Down
ALTER TABLE channels DROP COLUMN button_text_color;
ALTER TABLE channels DROP COLUMN button_color;
