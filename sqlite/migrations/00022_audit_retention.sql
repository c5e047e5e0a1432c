-- +goose Up
-- What admins and supervisors did (audit.go): who (their id and login as they were, kept
-- when the user is deleted: no foreign key), what, on what, and a short JSON detail of
-- what changed, never a password nor erased content. Newest first by id.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_id    INTEGER NOT NULL DEFAULT 0, -- 0: Parley itself (the retention sweep)
    actor_login TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    target_kind TEXT    NOT NULL DEFAULT '',
    target_id   TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);

-- The admin's retention rule: conversations whose last activity is older than days are
-- erased (0: kept forever); last_sweep_at is when a sweep last claimed the work, so that
-- of several sweeps due at once one erases.
CREATE TABLE retention_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    days          INTEGER NOT NULL DEFAULT 0,
    last_sweep_at INTEGER
);
INSERT INTO retention_settings (id, days) VALUES (1, 0);

-- +goose Down
DROP TABLE retention_settings;
DROP INDEX audit_log_actor;
DROP INDEX audit_log_action;
DROP TABLE audit_log;
