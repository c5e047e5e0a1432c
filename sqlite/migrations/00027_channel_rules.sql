-- +goose Up
-- A channel's rules per page and its business hours (channelrules.go), each one JSON
-- document that the service validated: rules an ordered array, hours an object.
CREATE TABLE channel_rules (
    channel_id INTEGER PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    rules      TEXT NOT NULL DEFAULT '[]',
    hours      TEXT NOT NULL DEFAULT '{}'
);

-- +goose Down
DROP TABLE channel_rules;
