-- +goose Up
-- Reports (reports.go) measure the wait in the queue up to a conversation's first
-- assignment, but assigned_at is its last: a transfer moves it, giving the conversation
-- back to the queue clears it. first_assigned_at keeps the first, set by a trigger the
-- first time an update moves or clears assigned_at, so that every path that assigns
-- (a start, the queue's drain, a transfer, a requeue, an assignment by hand) keeps it
-- without knowing of it. Until then it is NULL and assigned_at is the first: reports
-- read COALESCE(first_assigned_at, assigned_at). Nothing fires on a start, and nothing
-- on a message, which writes no conversation row.
ALTER TABLE conversations ADD COLUMN first_assigned_at INTEGER;

-- +goose StatementBegin
CREATE TRIGGER conversations_first_assigned AFTER UPDATE OF assigned_at ON conversations
WHEN NEW.first_assigned_at IS NULL AND COALESCE(OLD.assigned_at, NEW.assigned_at) IS NOT NULL
BEGIN
    UPDATE conversations SET first_assigned_at = COALESCE(OLD.assigned_at, NEW.assigned_at) WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- Reports read the conversations started in a period.
CREATE INDEX conversations_created_at ON conversations (created_at);

-- +goose Down
DROP INDEX conversations_created_at;
DROP TRIGGER conversations_first_assigned;
ALTER TABLE conversations DROP COLUMN first_assigned_at;
