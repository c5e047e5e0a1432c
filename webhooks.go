package parley

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The events a webhook may subscribe to. Each is written to the outbox
// (webhook_deliveries) by the store in the transaction that makes the change, so that a
// committed event is delivered even when the server stops before sending it.
const (
	WebhookStarted     = "conversation.started"
	WebhookAssigned    = "conversation.assigned"
	WebhookTransferred = "conversation.transferred"
	WebhookMessage     = "message"
	WebhookEnded       = "conversation.ended"
	WebhookRated       = "conversation.rated"
	WebhookMessageLeft = "message_left"
	// WebhookTest is sent by "Send test" only; no webhook subscribes to it.
	WebhookTest = "test"
)

// WebhookEvents are the events a webhook may subscribe to, in the order the console shows them.
var WebhookEvents = []string{WebhookStarted, WebhookAssigned, WebhookTransferred, WebhookMessage, WebhookEnded, WebhookRated, WebhookMessageLeft}

// AuditWebhookCreate and the others record an admin's changes to webhooks (never the secret).
const (
	AuditWebhookCreate = "webhook.create"
	AuditWebhookUpdate = "webhook.update"
	AuditWebhookDelete = "webhook.delete"
	AuditWebhookTest   = "webhook.test"
)

// WebhookMaxAttempts bounds the deliveries of one event to one webhook: with the default
// base of a minute, the attempts spread over about eighteen hours (WebhookBackoff).
const WebhookMaxAttempts = 8

// WebhookLogKeep is how long a finished delivery (delivered, or failed for good) stays in
// the delivery log; a retention rule (datarequest.go) may delete it sooner.
const WebhookLogKeep = 7 * 24 * time.Hour

// WebhookBackoff is the wait after the attempt-th failed attempt (1-based): base, then
// three times longer each time (1 m, 3 m, 9 m, … 12 h with a base of a minute).
func WebhookBackoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < 24*time.Hour; i++ {
		d *= 3
	}
	return d
}

// Webhook is a URL that receives the events it subscribes to, signed with its secret.
type Webhook struct {
	ID      int64    `json:"id"`
	URL     string   `json:"url"`
	Events  []string `json:"events"`
	Enabled bool     `json:"enabled"`
	// Secret signs the deliveries. The API shows it once, when it is made or changed.
	Secret    string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// Subscribes reports whether w wants event.
func (w *Webhook) Subscribes(event string) bool { return slices.Contains(w.Events, event) }

// ValidateWebhook checks a webhook's URL, events and secret and puts its events in order.
func ValidateWebhook(w *Webhook) error {
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(w.URL) > 2000 {
		return Errorf(EINVALID, "The webhook's url must be an http or https address.")
	}
	if u.User != nil {
		return Errorf(EINVALID, "The webhook's url must not hold a user name or password.")
	}
	var events []string
	for _, e := range WebhookEvents {
		if slices.Contains(w.Events, e) {
			events = append(events, e)
		}
	}
	for _, e := range w.Events {
		if !slices.Contains(WebhookEvents, e) {
			return Errorf(EINVALID, "Unknown webhook event %q.", e)
		}
	}
	if len(events) == 0 {
		return Errorf(EINVALID, "A webhook needs at least one event.")
	}
	w.Events = events
	if len(w.Secret) < 16 || len(w.Secret) > 200 {
		return Errorf(EINVALID, "The webhook's secret must be 16 to 200 characters long.")
	}
	return nil
}

// WebhookEventsColumn is how the stores keep a webhook's events: ",a,b,", so that one
// event is found with a plain substring test of ",event,".
func WebhookEventsColumn(events []string) string { return "," + strings.Join(events, ",") + "," }

// WebhookEventsFromColumn reads what WebhookEventsColumn wrote.
func WebhookEventsFromColumn(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}

// WebhookDelivery is one event for one webhook in the outbox, with what its attempts got.
type WebhookDelivery struct {
	ID        int64           `json:"id"`
	WebhookID int64           `json:"webhook_id"`
	Event     string          `json:"event"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"created_at"`
	// State is "pending" (to be tried at NextAttemptAt), "delivered" or "failed" (no
	// attempt left).
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	LastStatus    int        `json:"last_status"` // the last answer's HTTP status, 0 for none
	LastError     string     `json:"last_error"`
	DeliveredAt   *time.Time `json:"delivered_at"`

	// Of the webhook, filled by ClaimWebhookDeliveries for the sender only.
	URL    string `json:"-"`
	Secret string `json:"-"`
}

// The states of a delivery.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// WebhookResult is the outcome of one attempt.
type WebhookResult struct {
	Status int    // the HTTP status, 0 when no answer came
	Error  string // "" when the receiver answered 2xx
	At     time.Time
	// Next is when to try again; zero: no more attempts (delivered, or failed for good).
	Next time.Time
}

// WebhookEvent is the body of a delivery: the event and what it is about.
type WebhookEvent struct {
	Event          string               `json:"event"`
	At             time.Time            `json:"at"`
	Conversation   *WebhookConversation `json:"conversation,omitempty"`
	Message        *WebhookMessageBody  `json:"message,omitempty"`
	Rating         *Rating              `json:"rating,omitempty"`
	OfflineMessage *OfflineMessage      `json:"offline_message,omitempty"`
}

// WebhookConversation is a conversation as webhooks describe it.
type WebhookConversation struct {
	ID         int64  `json:"id"`
	ChannelID  int64  `json:"channel_id"`
	Status     string `json:"status"`
	Language   string `json:"language"`
	VisitorID  int64  `json:"visitor_id"`
	OperatorID int64  `json:"operator_id,omitempty"`
	PageURL    string `json:"page_url,omitempty"`
}

// WebhookMessageBody is a message as webhooks describe it.
type WebhookMessageBody struct {
	ConversationID int64     `json:"conversation_id"`
	Seq            int64     `json:"seq"`
	AuthorKind     string    `json:"author_kind"`
	AuthorID       int64     `json:"author_id,omitempty"`
	AuthorName     string    `json:"author_name"`
	Body           string    `json:"body"`
	CreatedAt      time.Time `json:"created_at"`
}

// ConversationEvent encodes the body of a conversation's event.
func ConversationEvent(event string, c *Conversation, at time.Time) []byte {
	e := WebhookEvent{Event: event, At: at.UTC(), Conversation: &WebhookConversation{
		ID: c.ID, ChannelID: c.ChannelID, Status: string(c.Status), Language: c.Language,
		VisitorID: c.VisitorID, OperatorID: c.OperatorID, PageURL: c.PageURL,
	}}
	if event == WebhookRated {
		e.Rating = c.Rating
	}
	b, _ := json.Marshal(e) // nothing in it can fail
	return b
}

// MessageEvent encodes the body of a message's event.
func MessageEvent(m *Message) []byte {
	b, _ := json.Marshal(WebhookEvent{Event: WebhookMessage, At: m.CreatedAt.UTC(), Message: &WebhookMessageBody{
		ConversationID: m.ConversationID, Seq: m.Seq, AuthorKind: string(m.Author.Kind), AuthorID: m.Author.ID,
		AuthorName: m.Author.Name, Body: m.Body, CreatedAt: m.CreatedAt.UTC(),
	}})
	return b
}

// MessageLeftEvent encodes the body of a left message's event.
func MessageLeftEvent(m *OfflineMessage) []byte {
	b, _ := json.Marshal(WebhookEvent{Event: WebhookMessageLeft, At: m.CreatedAt.UTC(), OfflineMessage: m})
	return b
}

// SignWebhook is the Parley-Signature header of a delivery of body at t:
// "t=UNIX_SECONDS,v1=HEX", v1 the HMAC-SHA256, keyed with the webhook's secret, of the
// seconds, a dot and the body. A receiver computes the same over the raw body, compares
// in constant time and refuses a t too far from its clock (replays).
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook checks a Parley-Signature header against body and secret, refusing a
// timestamp more than tolerance away from now. It is what a receiver written in Go does.
func VerifyWebhook(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return fmt.Errorf("malformed signature header")
	}
	at := time.Unix(sec, 0)
	if d := now.Sub(at); d > tolerance || d < -tolerance {
		return fmt.Errorf("signature timestamp too far from now")
	}
	want := SignWebhook(secret, at, body)
	if !hmac.Equal([]byte(want), []byte("t="+ts+",v1="+sig)) {
		return fmt.Errorf("signature mismatch")
	}
	return nil
}

// WebhookStore keeps webhooks and their outbox. The other stores' transactions write the
// outbox rows of their events (conversation started, assigned, …) themselves.
type WebhookStore interface {
	Webhooks(ctx context.Context) ([]*Webhook, error)
	Webhook(ctx context.Context, id int64) (*Webhook, error)
	// CreateWebhook sets w.ID and w.CreatedAt.
	CreateWebhook(ctx context.Context, w *Webhook) error
	UpdateWebhook(ctx context.Context, w *Webhook) error
	DeleteWebhook(ctx context.Context, id int64) error
	// EnqueueWebhookTest writes a test delivery for webhook id, due at once.
	EnqueueWebhookTest(ctx context.Context, id int64, payload []byte, now time.Time) (*WebhookDelivery, error)
	// WebhookDeliveries lists a webhook's newest deliveries, newest first.
	WebhookDeliveries(ctx context.Context, webhookID int64, limit int) ([]*WebhookDelivery, error)
	// ClaimWebhookDeliveries takes up to limit pending deliveries due at now, counts an
	// attempt for each and moves their next attempt to now+lease, so that no other
	// server (nor this one) takes them while they are sent; a server that dies while
	// sending leaves them to be tried again after the lease.
	ClaimWebhookDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*WebhookDelivery, error)
	// FinishWebhookDelivery records the outcome of the attempt that claimed id.
	FinishWebhookDelivery(ctx context.Context, id int64, r WebhookResult) error
	// PruneWebhookDeliveries deletes the finished deliveries (delivered, or failed for
	// good) made before before, and returns how many it deleted. Pending ones stay.
	PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error)
	// ForgetWebhooks drops what the store keeps in memory of whether any enabled
	// webhook wants messages: another server changed the webhooks.
	ForgetWebhooks()
}

// WebhookFlag is what a store keeps in memory of whether any enabled webhook wants
// messages, so that storing a message costs nothing more while none does. Forget makes
// the next Get unknown; a Set computed before a Forget is ignored (its generation is
// past), so a stale answer read by a batch cannot outlive the change that made it stale.
type WebhookFlag struct {
	mu    sync.Mutex
	gen   uint64
	known bool
	some  bool
}

// Get returns whether some webhook wants messages, whether that is known, and the
// generation to pass to Set when it is not.
func (f *WebhookFlag) Get() (some, known bool, gen uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.some, f.known, f.gen
}

// Set records what was read at generation gen, unless it was forgotten since.
func (f *WebhookFlag) Set(gen uint64, some bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gen == gen {
		f.known, f.some = true, some
	}
}

// Forget makes the flag unknown.
func (f *WebhookFlag) Forget() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen++
	f.known = false
}
