package chat

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/parleychat/parley"
)

// Webhooks: admins choose URLs and the events each receives (parley.Webhook); the
// stores write each event's outbox rows in the transaction of the event, and a
// WebhookSender on every server sends them, signed, retrying with backoff.

// WebhookWithSecret is a webhook as the API answers a change that made or set its
// secret: the only time the secret is shown.
type WebhookWithSecret struct {
	*parley.Webhook
	Secret string `json:"secret,omitempty"`
}

// WebhookChange is what an admin sends to make or change a webhook; nil fields stay.
type WebhookChange struct {
	URL     *string   `json:"url"`
	Events  *[]string `json:"events"`
	Enabled *bool     `json:"enabled"`
	// Secret sets the secret; "" on a new webhook, or RotateSecret, makes a random one.
	Secret       *string `json:"secret"`
	RotateSecret bool    `json:"rotate_secret"`
}

// newWebhookSecret is a random secret of 32 bytes, written in hex with a prefix that
// makes it recognizable in a leaked file.
func newWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + hex.EncodeToString(b)
}

func onlyAdmins(actor *parley.User) error {
	if !actor.IsAdmin() {
		return parley.Errorf(parley.EFORBIDDEN, "Only an admin can manage webhooks.")
	}
	return nil
}

// Webhooks lists the webhooks (admin), without their secrets.
func (s *Service) Webhooks(ctx context.Context, actor *parley.User) ([]*parley.Webhook, error) {
	if err := onlyAdmins(actor); err != nil {
		return nil, err
	}
	return s.store.Webhooks(ctx)
}

// webhookAudit is what the audit log keeps of a webhook: never its secret.
func webhookAudit(w *parley.Webhook, secretChanged bool) map[string]any {
	return map[string]any{"url": w.URL, "events": w.Events, "enabled": w.Enabled, "secret_changed": secretChanged}
}

// CreateWebhook makes a webhook (admin) and returns it with its secret.
func (s *Service) CreateWebhook(ctx context.Context, actor *parley.User, ch WebhookChange) (*WebhookWithSecret, error) {
	if err := onlyAdmins(actor); err != nil {
		return nil, err
	}
	w := &parley.Webhook{Enabled: true, CreatedAt: s.now()}
	if ch.URL != nil {
		w.URL = *ch.URL
	}
	if ch.Events != nil {
		w.Events = *ch.Events
	}
	if ch.Enabled != nil {
		w.Enabled = *ch.Enabled
	}
	if ch.Secret != nil && *ch.Secret != "" {
		w.Secret = *ch.Secret
	} else {
		w.Secret = newWebhookSecret()
	}
	if err := parley.ValidateWebhook(w); err != nil {
		return nil, err
	}
	if err := s.store.CreateWebhook(ctx, w); err != nil {
		return nil, err
	}
	s.invalidate(ctx, parley.CacheNotice{Webhooks: true})
	s.audit(ctx, actor, parley.AuditWebhookCreate, "webhook", w.ID, webhookAudit(w, true))
	return &WebhookWithSecret{Webhook: w, Secret: w.Secret}, nil
}

// UpdateWebhook changes a webhook (admin); the answer carries the secret only when it
// changed.
func (s *Service) UpdateWebhook(ctx context.Context, actor *parley.User, id int64, ch WebhookChange) (*WebhookWithSecret, error) {
	if err := onlyAdmins(actor); err != nil {
		return nil, err
	}
	w, err := s.store.Webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	if ch.URL != nil {
		w.URL = *ch.URL
	}
	if ch.Events != nil {
		w.Events = *ch.Events
	}
	if ch.Enabled != nil {
		w.Enabled = *ch.Enabled
	}
	secretChanged := false
	if ch.RotateSecret {
		w.Secret, secretChanged = newWebhookSecret(), true
	} else if ch.Secret != nil {
		w.Secret, secretChanged = *ch.Secret, true
	}
	if err := parley.ValidateWebhook(w); err != nil {
		return nil, err
	}
	if err := s.store.UpdateWebhook(ctx, w); err != nil {
		return nil, err
	}
	s.invalidate(ctx, parley.CacheNotice{Webhooks: true})
	s.audit(ctx, actor, parley.AuditWebhookUpdate, "webhook", w.ID, webhookAudit(w, secretChanged))
	out := &WebhookWithSecret{Webhook: w}
	if secretChanged {
		out.Secret = w.Secret
	}
	return out, nil
}

// DeleteWebhook deletes a webhook and its delivery log (admin).
func (s *Service) DeleteWebhook(ctx context.Context, actor *parley.User, id int64) error {
	if err := onlyAdmins(actor); err != nil {
		return err
	}
	w, err := s.store.Webhook(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteWebhook(ctx, id); err != nil {
		return err
	}
	s.invalidate(ctx, parley.CacheNotice{Webhooks: true})
	s.audit(ctx, actor, parley.AuditWebhookDelete, "webhook", id, map[string]any{"url": w.URL})
	return nil
}

// WebhookDeliveries lists a webhook's newest deliveries (admin); a limit of 0 is 50.
func (s *Service) WebhookDeliveries(ctx context.Context, actor *parley.User, id int64, limit int) ([]*parley.WebhookDelivery, error) {
	if err := onlyAdmins(actor); err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 200 {
		return nil, parley.Errorf(parley.EINVALID, "limit must be between 1 and 200.")
	}
	if _, err := s.store.Webhook(ctx, id); err != nil {
		return nil, err
	}
	return s.store.WebhookDeliveries(ctx, id, limit)
}

// TestWebhook puts a test event in the webhook's outbox (admin), sent as any other.
func (s *Service) TestWebhook(ctx context.Context, actor *parley.User, id int64) (*parley.WebhookDelivery, error) {
	if err := onlyAdmins(actor); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	payload, _ := json.Marshal(parley.WebhookEvent{Event: parley.WebhookTest, At: now})
	d, err := s.store.EnqueueWebhookTest(ctx, id, payload, now)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, actor, parley.AuditWebhookTest, "webhook", id, nil)
	return d, nil
}

// WebhookOptions tune a WebhookSender; zero fields take the defaults.
type WebhookOptions struct {
	Backoff time.Duration    // the wait after the first failed attempt (a minute); each next is three times longer
	Timeout time.Duration    // the time limit of one request (10 s)
	Poll    time.Duration    // how often the outbox is read (a second)
	Now     func() time.Time // the clock
	Client  *http.Client     // nil: one with Timeout that follows no redirect
}

// WebhookSender sends the outbox's due deliveries: each server runs one. A delivery is
// claimed in the store before it is sent (the claim moves its next attempt past the time
// a send may take), so several servers send each once; a server killed while sending
// leaves it to be sent again when the claim runs out. The receiver may thus, rarely, get
// a delivery twice: the Parley-Delivery header names it, for deduplication.
type WebhookSender struct {
	store  parley.WebhookStore
	logger *slog.Logger
	opts   WebhookOptions
	client *http.Client
}

// NewWebhookSender returns a sender over store.
func NewWebhookSender(store parley.WebhookStore, logger *slog.Logger, opts WebhookOptions) *WebhookSender {
	if opts.Backoff <= 0 {
		opts.Backoff = time.Minute
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{
			Timeout: opts.Timeout,
			// A redirect is an answer that is not a 2xx: the signed body goes only to the
			// URL the admin chose.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &WebhookSender{store: store, logger: logger, opts: opts, client: client}
}

// webhookBatch is how many deliveries one claim takes; they are sent at once.
const webhookBatch = 16

// Run sends due deliveries until ctx ends, and prunes the finished ones older than
// parley.WebhookLogKeep once an hour.
func (w *WebhookSender) Run(ctx context.Context) {
	t := time.NewTicker(w.opts.Poll)
	defer t.Stop()
	var pruned time.Time
	for {
		if now := w.opts.Now(); now.Sub(pruned) >= time.Hour {
			pruned = now
			if _, err := w.Prune(ctx); err != nil && ctx.Err() == nil {
				w.logger.Error("prune webhook deliveries", "err", err)
			}
		}
		n, err := w.SendDue(ctx)
		if err != nil && ctx.Err() == nil {
			w.logger.Error("send webhooks", "err", err)
		}
		if n == webhookBatch {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Prune deletes the finished deliveries made more than parley.WebhookLogKeep ago, so
// that the outbox, which gets a row per message while a webhook wants messages, does not
// grow for ever; it returns how many it deleted. Every server may prune: a row is
// deleted once whoever does it.
func (w *WebhookSender) Prune(ctx context.Context) (int64, error) {
	return w.store.PruneWebhookDeliveries(ctx, w.opts.Now().Add(-parley.WebhookLogKeep))
}

// SendDue claims the deliveries due now, sends them and records each outcome; it
// returns how many it claimed.
func (w *WebhookSender) SendDue(ctx context.Context) (int, error) {
	now := w.opts.Now()
	lease := w.opts.Timeout + time.Minute
	list, err := w.store.ClaimWebhookDeliveries(ctx, now, lease, webhookBatch)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, d := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := w.send(ctx, d)
			// Recorded even when ctx ends: the attempt was made.
			if err := w.store.FinishWebhookDelivery(context.WithoutCancel(ctx), d.ID, r); err != nil {
				w.logger.Error("record webhook delivery", "delivery", d.ID, "err", err)
			}
		}()
	}
	wg.Wait()
	return len(list), nil
}

// send makes one attempt of d (whose Attempts counts it) and says what follows.
func (w *WebhookSender) send(ctx context.Context, d *parley.WebhookDelivery) parley.WebhookResult {
	status, err := w.post(ctx, d)
	r := parley.WebhookResult{Status: status, At: w.opts.Now()}
	if err == nil {
		return r
	}
	r.Error = err.Error()
	if len(r.Error) > 500 {
		r.Error = r.Error[:500]
	}
	if d.Attempts < parley.WebhookMaxAttempts {
		r.Next = r.At.Add(parley.WebhookBackoff(w.opts.Backoff, d.Attempts))
	}
	// The webhook's id only: its URL may hold a token of the receiver's.
	w.logger.Warn("webhook delivery failed", "webhook", d.WebhookID, "delivery", d.ID, "attempt", d.Attempts, "status", status, "err", r.Error, "retry", !r.Next.IsZero())
	return r
}

// errStatus is a receiver's answer that is not a 2xx.
var errStatus = errors.New("the receiver answered")

func (w *WebhookSender) post(ctx context.Context, d *parley.WebhookDelivery) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, w.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, fmt.Errorf("bad url: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Webhooks/1")
	req.Header.Set("Parley-Event", d.Event)
	req.Header.Set("Parley-Delivery", fmt.Sprint(d.ID))
	req.Header.Set("Parley-Signature", parley.SignWebhook(d.Secret, w.opts.Now(), d.Payload))
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("%w %d", errStatus, resp.StatusCode)
	}
	return resp.StatusCode, nil
}
