-- +goose Up
-- Canned responses: texts operators send often, typed by a shortcut. A shared one
-- (owner_id NULL) is every operator's; a personal one its owner's. shortcut_key is the
-- shortcut case-folded (parley.ShortcutKey, computed in Go): unique among the shared
-- responses, and among each owner's personal ones.
CREATE TABLE canned_responses (
    id           INTEGER PRIMARY KEY,
    owner_id     INTEGER REFERENCES users (id) ON DELETE CASCADE,
    shortcut     TEXT    NOT NULL,
    shortcut_key TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    uses         INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);

CREATE UNIQUE INDEX canned_responses_shared_key ON canned_responses (shortcut_key) WHERE owner_id IS NULL;
CREATE UNIQUE INDEX canned_responses_owner_key ON canned_responses (owner_id, shortcut_key) WHERE owner_id IS NOT NULL;

-- +goose Down
DROP TABLE canned_responses;
