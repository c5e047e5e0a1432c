package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

// Webhooks (webhooks.go at the root). The outbox rows of an event are written by the
// transaction that makes the change (enqueueWebhook); a message's only while some
// enabled webhook wants messages (the store's hooks flag, dropped on every server
// through the caches topic when an admin changes a webhook), so that the batch of an
// installation without webhooks sends no statement more. Several servers send: each
// claims due rows with FOR UPDATE SKIP LOCKED and moves their next attempt past the
// time a send may take, so a row is sent by one server at a time.

// sqlEnqueueWebhook writes one delivery of event $1 with payload $2 at $3 for every
// enabled webhook that wants it ($4 is ",event,").
const sqlEnqueueWebhook = `INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
	SELECT id, $1::text, $2::text, $3::bigint, $3::bigint FROM webhooks WHERE enabled AND strpos(events, $4::text) > 0`

// sqlEnqueueMessages writes the deliveries of the message events $1 (payloads), at $2
// (times), for every enabled webhook that wants messages.
const sqlEnqueueMessages = `INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
	SELECT w.id, 'message', p.payload, p.at, p.at FROM webhooks w
	CROSS JOIN unnest($1::text[], $2::bigint[]) AS p (payload, at)
	WHERE w.enabled AND strpos(w.events, ',message,') > 0`

const sqlMessageHooks = `SELECT EXISTS (SELECT 1 FROM webhooks WHERE enabled AND strpos(events, ',message,') > 0)`

// enqueueWebhook writes the outbox rows of an event in the transaction tx.
func enqueueWebhook(ctx context.Context, tx querier, event string, payload []byte, at time.Time) error {
	if _, err := tx.Exec(ctx, sqlEnqueueWebhook, event, string(payload), at.UnixMicro(), ","+event+","); err != nil {
		return fmt.Errorf("enqueue webhook %s: %w", event, err)
	}
	return nil
}

// hooked is fn followed, in the same transaction, by the outbox rows of event for the
// conversation fn left in *c (none when fn left it nil).
func hooked(ctx context.Context, c **parley.Conversation, event string, now time.Time, fn func(tx pgx.Tx) error) func(tx pgx.Tx) error {
	return func(tx pgx.Tx) error {
		if err := fn(tx); err != nil || *c == nil {
			return err
		}
		return enqueueWebhook(ctx, tx, event, parley.ConversationEvent(event, *c, now), now)
	}
}

// startedHooks writes the outbox rows of a conversation that started, and was assigned
// at once if it has an operator.
func startedHooks(ctx context.Context, tx querier, c *parley.Conversation, now time.Time) error {
	if err := enqueueWebhook(ctx, tx, parley.WebhookStarted, parley.ConversationEvent(parley.WebhookStarted, c, now), now); err != nil {
		return err
	}
	if c.OperatorID == 0 {
		return nil
	}
	return enqueueWebhook(ctx, tx, parley.WebhookAssigned, parley.ConversationEvent(parley.WebhookAssigned, c, now), now)
}

// ForgetWebhooks implements parley.WebhookStore.
func (s *Store) ForgetWebhooks() { s.hooks.Forget() }

const webhookColumns = `id, url, events, secret, enabled, created_at`

func scanWebhook(row scanner) (*parley.Webhook, error) {
	var w parley.Webhook
	var events string
	var created *int64
	if err := row.Scan(&w.ID, &w.URL, &events, &w.Secret, &w.Enabled, &created); err != nil {
		return nil, err
	}
	w.Events, w.CreatedAt = parley.WebhookEventsFromColumn(events), goTime(created)
	return &w, nil
}

func errWebhookNotFound(id int64) error {
	return parley.Errorf(parley.ENOTFOUND, "Webhook %d not found.", id)
}

// Webhooks lists the webhooks, oldest first.
func (s *Store) Webhooks(ctx context.Context) ([]*parley.Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	list := []*parley.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		list = append(list, w)
	}
	return list, rows.Err()
}

// Webhook returns one webhook.
func (s *Store) Webhook(ctx context.Context, id int64) (*parley.Webhook, error) {
	w, err := scanWebhook(s.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errWebhookNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("webhook %d: %w", id, err)
	}
	return w, nil
}

// CreateWebhook stores a new webhook.
func (s *Store) CreateWebhook(ctx context.Context, w *parley.Webhook) error {
	w.CreatedAt = orNow(w.CreatedAt).UTC().Truncate(time.Microsecond)
	err := s.pool.QueryRow(ctx, `INSERT INTO webhooks (url, events, secret, enabled, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		w.URL, parley.WebhookEventsColumn(w.Events), w.Secret, w.Enabled, w.CreatedAt.UnixMicro()).Scan(&w.ID)
	s.hooks.Forget()
	if err != nil {
		return fmt.Errorf("create webhook: %w", err)
	}
	return nil
}

// UpdateWebhook stores w's URL, events, secret and enabled.
func (s *Store) UpdateWebhook(ctx context.Context, w *parley.Webhook) error {
	tag, err := s.pool.Exec(ctx, `UPDATE webhooks SET url = $1, events = $2, secret = $3, enabled = $4 WHERE id = $5`,
		w.URL, parley.WebhookEventsColumn(w.Events), w.Secret, w.Enabled, w.ID)
	s.hooks.Forget()
	if err != nil {
		return fmt.Errorf("update webhook %d: %w", w.ID, err)
	} else if tag.RowsAffected() == 0 {
		return errWebhookNotFound(w.ID)
	}
	return nil
}

// DeleteWebhook deletes a webhook and (by the foreign key) its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhooks WHERE id = $1`, id)
	s.hooks.Forget()
	if err != nil {
		return fmt.Errorf("delete webhook %d: %w", id, err)
	} else if tag.RowsAffected() == 0 {
		return errWebhookNotFound(id)
	}
	return nil
}

const deliveryColumns = `d.id, d.webhook_id, d.event, d.payload, d.created_at, d.state, d.attempts, d.next_attempt_at,
	d.last_status, d.last_error, d.delivered_at`

func scanDelivery(row scanner, extra ...any) (*parley.WebhookDelivery, error) {
	var d parley.WebhookDelivery
	var payload string
	var created, next, delivered *int64
	var attempts, status int64
	dest := append([]any{&d.ID, &d.WebhookID, &d.Event, &payload, &created, &d.State, &attempts, &next,
		&status, &d.LastError, &delivered}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	d.Attempts, d.LastStatus = int(attempts), int(status)
	d.Payload, d.CreatedAt = []byte(payload), goTime(created)
	if next != nil {
		t := goTime(next)
		d.NextAttemptAt = &t
	}
	if delivered != nil {
		t := goTime(delivered)
		d.DeliveredAt = &t
	}
	return &d, nil
}

// EnqueueWebhookTest writes a test delivery for webhook id, enabled or not.
func (s *Store) EnqueueWebhookTest(ctx context.Context, id int64, payload []byte, now time.Time) (*parley.WebhookDelivery, error) {
	now = orNow(now).UTC().Truncate(time.Microsecond)
	d, err := scanDelivery(s.pool.QueryRow(ctx, `INSERT INTO webhook_deliveries AS d (webhook_id, event, payload, created_at, next_attempt_at)
		SELECT id, $2::text, $3::text, $4::bigint, $4::bigint FROM webhooks WHERE id = $1 RETURNING `+deliveryColumns, id, parley.WebhookTest, string(payload), now.UnixMicro()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errWebhookNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("test webhook %d: %w", id, err)
	}
	return d, nil
}

// WebhookDeliveries lists a webhook's newest deliveries.
func (s *Store) WebhookDeliveries(ctx context.Context, webhookID int64, limit int) ([]*parley.WebhookDelivery, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
		WHERE d.webhook_id = $1 ORDER BY d.id DESC LIMIT $2`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("webhook %d deliveries: %w", webhookID, err)
	}
	defer rows.Close()
	list := []*parley.WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("webhook %d deliveries: %w", webhookID, err)
		}
		list = append(list, d)
	}
	return list, rows.Err()
}

// ClaimWebhookDeliveries implements parley.WebhookStore: rows another server is claiming
// at the same moment are skipped, not waited for.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*parley.WebhookDelivery, error) {
	rows, err := s.pool.Query(ctx, `WITH due AS (
			SELECT id FROM webhook_deliveries
			WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= $2
			ORDER BY next_attempt_at, id LIMIT $3
			FOR UPDATE SKIP LOCKED)
		UPDATE webhook_deliveries AS d SET attempts = d.attempts + 1, next_attempt_at = $1
		FROM due, webhooks w
		WHERE d.id = due.id AND w.id = d.webhook_id
		RETURNING `+deliveryColumns+`, w.url, w.secret`,
		now.Add(lease).UnixMicro(), now.UnixMicro(), limit)
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	defer rows.Close()
	var list []*parley.WebhookDelivery
	for rows.Next() {
		var url, secret string
		d, err := scanDelivery(rows, &url, &secret)
		if err != nil {
			return nil, fmt.Errorf("claim webhook deliveries: %w", err)
		}
		d.URL, d.Secret = url, secret
		list = append(list, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	return list, nil
}

// FinishWebhookDelivery implements parley.WebhookStore.
func (s *Store) FinishWebhookDelivery(ctx context.Context, id int64, r parley.WebhookResult) error {
	state, delivered := parley.DeliveryPending, (*int64)(nil)
	if r.Error == "" {
		state, delivered = parley.DeliveryDelivered, dbTime(r.At)
	} else if r.Next.IsZero() {
		state = parley.DeliveryFailed
	}
	_, err := s.pool.Exec(ctx, `UPDATE webhook_deliveries SET state = $1, next_attempt_at = $2, last_status = $3, last_error = $4, delivered_at = $5
		WHERE id = $6`, state, dbTime(r.Next), r.Status, r.Error, delivered, id)
	if err != nil {
		return fmt.Errorf("finish webhook delivery %d: %w", id, err)
	}
	return nil
}

// PruneWebhookDeliveries deletes the finished deliveries made before before.
func (s *Store) PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhook_deliveries WHERE next_attempt_at IS NULL AND created_at < $1`, before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("prune webhook deliveries: %w", err)
	}
	return tag.RowsAffected(), nil
}
