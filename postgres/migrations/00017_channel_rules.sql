-- +goose Up
-- A channel's rules per page and its business hours (channelrules.go), each one JSON
-- document that the service validated: rules an ordered array, hours an object.
CREATE TABLE channel_rules (
    channel_id BIGINT PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    rules      text   NOT NULL DEFAULT '[]',
    hours      text   NOT NULL DEFAULT '{}'
);

-- +goose Down
DROP TABLE channel_rules;
