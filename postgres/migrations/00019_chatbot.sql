-- +goose Up
-- A channel's chatbot script (chatbot.go): one JSON document that the service checked.
CREATE TABLE chatbot_scripts (
    channel_id BIGINT PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    script     text   NOT NULL
);

-- Which opening messages of a conversation answered the chatbot, and what it asked:
-- a JSON array of {"seq","question"}. The answers themselves are the messages, so an
-- erasure of the visitor's messages leaves nothing of them here.
CREATE TABLE conversation_chatbot (
    conversation_id BIGINT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    answers         text   NOT NULL
);

-- The bot's messages have the author kind 'bot'. The new check allows more than the
-- old one, which every row passed: NOT VALID spares the scan of every message (under
-- the table's lock) and still checks every row written from now on.
ALTER TABLE messages DROP CONSTRAINT messages_author_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_author_kind_check
    CHECK (author_kind IN ('visitor', 'operator', 'system', 'bot')) NOT VALID;

-- +goose Down
UPDATE messages SET author_kind = 'system' WHERE author_kind = 'bot';
ALTER TABLE messages DROP CONSTRAINT messages_author_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_author_kind_check CHECK (author_kind IN ('visitor', 'operator', 'system'));
DROP TABLE conversation_chatbot;
DROP TABLE chatbot_scripts;
