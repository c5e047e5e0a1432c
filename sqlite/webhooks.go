package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley"
)

// Webhooks (webhooks.go at the root). The outbox rows of an event are written by the
// transaction that makes the change (enqueueWebhook); a message's only while some
// enabled webhook wants messages (the store's hooks flag), so that the batch of an
// installation without webhooks runs no statement more.

// sqlEnqueueWebhook writes one delivery of event ?1 with payload ?2 at ?3 for every
// enabled webhook that wants it (?4 is ",event,").
const sqlEnqueueWebhook = `INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
	SELECT id, ?1, ?2, ?3, ?3 FROM webhooks WHERE enabled = 1 AND instr(events, ?4) > 0`

// enqueueWebhook writes the outbox rows of an event in the transaction tx.
func enqueueWebhook(ctx context.Context, tx querier, event string, payload []byte, at time.Time) error {
	_, err := tx.ExecContext(ctx, sqlEnqueueWebhook, event, string(payload), at.UnixMicro(), ","+event+",")
	if err != nil {
		return fmt.Errorf("enqueue webhook %s: %w", event, err)
	}
	return nil
}

// messageHooks reports whether some enabled webhook wants messages, reading it on the
// writer's connection (inside the caller's transaction) when the store does not know.
// It takes no transaction argument: handing the batch's *wtx to an interface here
// would move it to the heap on every batch, known or not.
func (s *Store) messageHooks(ctx context.Context) (bool, error) {
	some, known, gen := s.hooks.Get()
	if known {
		return some, nil
	}
	return s.readMessageHooks(ctx, gen)
}

// readMessageHooks is messageHooks' query, apart so that its result's variable is
// allocated only when it runs.
func (s *Store) readMessageHooks(ctx context.Context, gen uint64) (bool, error) {
	var some bool
	err := s.wdb.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhooks WHERE enabled = 1 AND instr(events, ',message,') > 0)`).Scan(&some)
	if err != nil {
		return false, err
	}
	s.hooks.Set(gen, some)
	return some, nil
}

// ForgetWebhooks implements parley.WebhookStore.
func (s *Store) ForgetWebhooks() { s.hooks.Forget() }

const webhookColumns = `id, url, events, secret, enabled, created_at`

func scanWebhook(row scanner) (*parley.Webhook, error) {
	var w parley.Webhook
	var events string
	var created sql.NullInt64
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
	rows, err := s.read.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks ORDER BY id`)
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
	w, err := scanWebhook(s.read.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errWebhookNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("webhook %d: %w", id, err)
	}
	return w, nil
}

// CreateWebhook stores a new webhook.
func (s *Store) CreateWebhook(ctx context.Context, w *parley.Webhook) error {
	w.CreatedAt = orNow(w.CreatedAt).UTC().Truncate(time.Microsecond)
	err := s.writeTracked(ctx, func(tx *wtx) error {
		s.hooks.Forget() // under the writer's lock: no batch is between its read and its use
		return tx.QueryRowContext(ctx, `INSERT INTO webhooks (url, events, secret, enabled, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			w.URL, parley.WebhookEventsColumn(w.Events), w.Secret, w.Enabled, w.CreatedAt.UnixMicro()).Scan(&w.ID)
	})
	if err != nil {
		return fmt.Errorf("create webhook: %w", err)
	}
	return nil
}

// UpdateWebhook stores w's URL, events, secret and enabled.
func (s *Store) UpdateWebhook(ctx context.Context, w *parley.Webhook) error {
	err := s.writeTracked(ctx, func(tx *wtx) error {
		s.hooks.Forget()
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET url = ?, events = ?, secret = ?, enabled = ? WHERE id = ?`,
			w.URL, parley.WebhookEventsColumn(w.Events), w.Secret, w.Enabled, w.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errWebhookNotFound(w.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update webhook %d: %w", w.ID, err)
	}
	return nil
}

// DeleteWebhook deletes a webhook and its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) error {
	err := s.writeTracked(ctx, func(tx *wtx) error {
		s.hooks.Forget()
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errWebhookNotFound(id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete webhook %d: %w", id, err)
	}
	return nil
}

const deliveryColumns = `d.id, d.webhook_id, d.event, d.payload, d.created_at, d.state, d.attempts, d.next_attempt_at,
	d.last_status, d.last_error, d.delivered_at`

func scanDelivery(row scanner, extra ...any) (*parley.WebhookDelivery, error) {
	var d parley.WebhookDelivery
	var payload string
	var created, next, delivered sql.NullInt64
	dest := append([]any{&d.ID, &d.WebhookID, &d.Event, &payload, &created, &d.State, &d.Attempts, &next,
		&d.LastStatus, &d.LastError, &delivered}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	d.Payload, d.CreatedAt = []byte(payload), goTime(created)
	if next.Valid {
		t := goTime(next)
		d.NextAttemptAt = &t
	}
	if delivered.Valid {
		t := goTime(delivered)
		d.DeliveredAt = &t
	}
	return &d, nil
}

// EnqueueWebhookTest writes a test delivery for webhook id, enabled or not.
func (s *Store) EnqueueWebhookTest(ctx context.Context, id int64, payload []byte, now time.Time) (*parley.WebhookDelivery, error) {
	now = orNow(now).UTC().Truncate(time.Microsecond)
	var d *parley.WebhookDelivery
	err := s.writeTracked(ctx, func(tx *wtx) error {
		if ok, err := exists(ctx, tx, `SELECT 1 FROM webhooks WHERE id = ?`, id); err != nil {
			return err
		} else if !ok {
			return errWebhookNotFound(id)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, event, payload, created_at, next_attempt_at)
			VALUES (?1, ?2, ?3, ?4, ?4)`, id, parley.WebhookTest, string(payload), now.UnixMicro())
		if err != nil {
			return err
		}
		did, err := res.LastInsertId()
		if err != nil {
			return err
		}
		d, err = scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d WHERE d.id = ?`, did))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("test webhook %d: %w", id, err)
	}
	return d, nil
}

// WebhookDeliveries lists a webhook's newest deliveries.
func (s *Store) WebhookDeliveries(ctx context.Context, webhookID int64, limit int) ([]*parley.WebhookDelivery, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d
		WHERE d.webhook_id = ? ORDER BY d.id DESC LIMIT ?`, webhookID, limit)
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

// ClaimWebhookDeliveries implements parley.WebhookStore. One server writes to a SQLite
// file, and its writer runs one transaction at a time: the claim is one UPDATE.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*parley.WebhookDelivery, error) {
	var list []*parley.WebhookDelivery
	err := s.writeTracked(ctx, func(tx *wtx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+deliveryColumns+`, w.url, w.secret
			FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
			WHERE d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?`,
			now.UnixMicro(), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d *parley.WebhookDelivery
			var url, secret string
			if d, err = scanDelivery(rows, &url, &secret); err != nil {
				rows.Close()
				return err
			}
			d.URL, d.Secret = url, secret
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		next := now.Add(lease)
		for _, d := range list {
			d.Attempts++
			d.NextAttemptAt = &next
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?`,
				next.UnixMicro(), d.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	return list, nil
}

// FinishWebhookDelivery implements parley.WebhookStore.
func (s *Store) FinishWebhookDelivery(ctx context.Context, id int64, r parley.WebhookResult) error {
	state, delivered := parley.DeliveryPending, any(nil)
	if r.Error == "" {
		state, delivered = parley.DeliveryDelivered, r.At.UnixMicro()
	} else if r.Next.IsZero() {
		state = parley.DeliveryFailed
	}
	err := s.writeTracked(ctx, func(tx *wtx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, next_attempt_at = ?, last_status = ?, last_error = ?, delivered_at = ?
			WHERE id = ?`, state, dbTime(r.Next), r.Status, r.Error, delivered, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish webhook delivery %d: %w", id, err)
	}
	return nil
}

// PruneWebhookDeliveries deletes the finished deliveries made before before.
func (s *Store) PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.writeTracked(ctx, func(tx *wtx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE next_attempt_at IS NULL AND created_at < ?`, before.UnixMicro())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune webhook deliveries: %w", err)
	}
	return n, nil
}

// hooked is fn followed, in the same transaction, by the outbox rows of event for the
// conversation fn left in *c (none when fn left it nil).
func hooked(ctx context.Context, c **parley.Conversation, event string, now time.Time, fn func(tx *wtx) error) func(tx *wtx) error {
	return func(tx *wtx) error {
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
