-- +goose Up
-- Trusted visitor identity (identity.go). A channel's identity secret, with which its
-- website signs who its logged-in visitors are (HS256; kept as is, since verifying
-- needs it).
CREATE TABLE channel_identity_secrets (
    channel_id bigint PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,
    secret     text    NOT NULL,
    set_at     bigint  NOT NULL
);

-- Who a website vouched a visitor is: one visitor per user of a channel, and one user
-- per visitor in a channel.
CREATE TABLE visitor_identities (
    channel_id  bigint  NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_id     text    NOT NULL,
    visitor_id  bigint  NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    name        text    NOT NULL DEFAULT '',
    email       text    NOT NULL DEFAULT '',
    verified_at bigint  NOT NULL,
    PRIMARY KEY (channel_id, user_id),
    UNIQUE (visitor_id, channel_id)
);

-- The further tokens of a visitor: one per device the user identified on, beside the
-- visitor's own token (visitors.token_hash).
CREATE TABLE visitor_device_tokens (
    token_hash bytea   PRIMARY KEY,
    visitor_id bigint  NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    created_at bigint  NOT NULL
);
CREATE INDEX visitor_device_tokens_visitor ON visitor_device_tokens (visitor_id);

-- The ids (jti) of the identity tokens used, each kept until its token expires, so a
-- token is used once, on any server.
CREATE TABLE identity_token_ids (
    channel_id bigint  NOT NULL,
    jti        text    NOT NULL,
    expires_at bigint  NOT NULL,
    PRIMARY KEY (channel_id, jti)
);
CREATE INDEX identity_token_ids_expires ON identity_token_ids (expires_at);

-- +goose Down
DROP TABLE identity_token_ids;
DROP TABLE visitor_device_tokens;
DROP TABLE visitor_identities;
DROP TABLE channel_identity_secrets;
