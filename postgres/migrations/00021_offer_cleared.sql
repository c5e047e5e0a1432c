-- +goose Up
-- A conversation that leaves the queue (assigned by any path, given by hand, ended) takes
-- its standing offer and the list of who passed it with it: back in the queue (requeued,
-- transferred) it is offered afresh, never "offered" still to whoever had it before.
UPDATE conversations SET offered_to = NULL, offer_expires_at = NULL WHERE status <> 'queued' AND offered_to IS NOT NULL;
DELETE FROM offer_passes p USING conversations c WHERE c.id = p.conversation_id AND c.status <> 'queued';

-- +goose StatementBegin
CREATE FUNCTION conversations_offer_cleared() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.offered_to := NULL;
    NEW.offer_expires_at := NULL;
    DELETE FROM offer_passes WHERE conversation_id = NEW.id;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER conversations_offer_cleared BEFORE UPDATE OF status ON conversations
FOR EACH ROW WHEN (NEW.status <> 'queued')
EXECUTE FUNCTION conversations_offer_cleared();

-- +goose Down
DROP TRIGGER conversations_offer_cleared ON conversations;
DROP FUNCTION conversations_offer_cleared();
