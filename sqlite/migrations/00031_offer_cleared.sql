-- +goose Up
-- A conversation that leaves the queue (assigned by any path, given by hand, ended) takes
-- its standing offer and the list of who passed it with it: back in the queue (requeued,
-- transferred) it is offered afresh, never "offered" still to whoever had it before.
UPDATE conversations SET offered_to = NULL, offer_expires_at = NULL WHERE status <> 'queued' AND offered_to IS NOT NULL;
DELETE FROM offer_passes WHERE conversation_id IN (SELECT id FROM conversations WHERE status <> 'queued');
-- +goose StatementBegin
CREATE TRIGGER conversations_offer_cleared AFTER UPDATE OF status ON conversations
WHEN NEW.status <> 'queued' BEGIN
    UPDATE conversations SET offered_to = NULL, offer_expires_at = NULL WHERE id = NEW.id AND offered_to IS NOT NULL;
    DELETE FROM offer_passes WHERE conversation_id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER conversations_offer_cleared;
