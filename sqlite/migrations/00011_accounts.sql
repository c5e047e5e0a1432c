-- +goose Up
-- Accounts an admin manages. A login is compared by its PRECIS key (parley.LoginKey),
-- which the store computes in Go: it fills login_key for the users that have none each
-- time it opens. A user whose key another user already has (two logins such as "Admin"
-- and "admin" made before keys existed), or whose login PRECIS refuses, keeps a NULL
-- key and still logs in with their exact login. A deleted user keeps their row, for
-- the conversations that name them, with no key and a login no new user can take.
ALTER TABLE users ADD COLUMN login_key TEXT;
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
CREATE UNIQUE INDEX users_login_key ON users (login_key);

-- A session has an opaque id an admin can name it by (never its token's hash), and
-- what the admin needs to recognise it. Sessions made before are numbered in token
-- order and dated from their expiry (every session lasted 30 days).
ALTER TABLE sessions ADD COLUMN id INTEGER;
ALTER TABLE sessions ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address TEXT NOT NULL DEFAULT '';
UPDATE sessions SET
    id = (SELECT COUNT(*) FROM sessions o WHERE o.token_hash <= sessions.token_hash),
    created_at = expires_at - 2592000000000,
    last_seen_at = expires_at - 2592000000000;
CREATE UNIQUE INDEX sessions_id ON sessions (id);

-- +goose Down
DROP INDEX sessions_id;
ALTER TABLE sessions DROP COLUMN address;
ALTER TABLE sessions DROP COLUMN user_agent;
ALTER TABLE sessions DROP COLUMN last_seen_at;
ALTER TABLE sessions DROP COLUMN created_at;
ALTER TABLE sessions DROP COLUMN id;
DROP INDEX users_login_key;
ALTER TABLE users DROP COLUMN deleted_at;
ALTER TABLE users DROP COLUMN disabled;
ALTER TABLE users DROP COLUMN login_key;
