package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// hookSecret is the secret the tests set on their webhooks.
const hookSecret = "a-test-secret-of-some-length"

// receivedHook is one request a receiver got.
type receivedHook struct {
	at       time.Time
	id       string // Parley-Delivery
	event    string // Parley-Event
	body     []byte
	accepted bool  // answered 2xx
	sigErr   error // the signature checked with the receiver's secret
}

// hookReceiver is a webhook receiver, as an integrator writes one: it checks each
// request's signature itself (not with Parley's code) and answers 500 while failing.
type hookReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	secret  string
	failing int           // answer 500 to this many more requests; -1: to all
	wait    time.Duration // how long waitFor waits for a delivery; 0: 20 s
	got     []receivedHook
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{secret: hookSecret}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		h := receivedHook{at: time.Now(), id: req.Header.Get("Parley-Delivery"), event: req.Header.Get("Parley-Event"), body: body}
		r.mu.Lock()
		defer r.mu.Unlock()
		h.sigErr = checkSignature(r.secret, req.Header.Get("Parley-Signature"), body, time.Now())
		if r.failing != 0 {
			if r.failing > 0 {
				r.failing--
			}
			r.got = append(r.got, h)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		h.accepted = true
		r.got = append(r.got, h)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

// checkSignature verifies "t=SECONDS,v1=HEX" as docs/WEBHOOKS.md tells a receiver to.
func checkSignature(secret, header string, body []byte, now time.Time) error {
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
	if err != nil {
		return fmt.Errorf("no timestamp in %q", header)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %d is %v away", sec, d)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return fmt.Errorf("signature %q, want %q", sig, want)
	}
	return nil
}

func (r *hookReceiver) snapshot() []receivedHook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// waitFor waits until a request for event is accepted whose body holds contains, and
// returns it.
func (r *hookReceiver) waitFor(tb testing.TB, event, contains string) receivedHook {
	tb.Helper()
	r.mu.Lock()
	wait := r.wait
	r.mu.Unlock()
	if wait == 0 {
		wait = 20 * time.Second
	}
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		for _, h := range r.snapshot() {
			if h.accepted && h.event == event && strings.Contains(string(h.body), contains) {
				if h.sigErr != nil {
					tb.Fatalf("%s delivered with a bad signature: %v", event, h.sigErr)
				}
				return h
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("no %s delivery holding %q within %s; got %d requests", event, contains, wait, len(r.snapshot()))
	return receivedHook{}
}

type hookDelivery struct {
	ID         int64   `json:"id"`
	Event      string  `json:"event"`
	State      string  `json:"state"`
	Attempts   int     `json:"attempts"`
	LastStatus int     `json:"last_status"`
	LastError  string  `json:"last_error"`
	Next       *string `json:"next_attempt_at"`
}

func (s *testServer) hookDeliveries(tb testing.TB, admin string, hook int64) []hookDelivery {
	tb.Helper()
	var list []hookDelivery
	s.must(tb, 200, "GET", fmt.Sprintf("/api/webhooks/%d/deliveries", hook), admin, nil).decode(tb, &list)
	return list
}

// An admin makes, lists, changes and deletes webhooks; bad ones are refused with a
// reason; supervisors and operators are refused; the secret shows once, never in the
// list or the audit log. Every event of a conversation and a left message reaches the
// receiver, signed; "Send test" too; a refused delivery is retried with backoff until
// it is accepted, and the log tells each attempt.
func TestWebhooksAPI(t *testing.T) {
	const backoff = 150 * time.Millisecond
	s := mustStart(t, "", func(c *Config) { c.WebhookBackoff = backoff })
	admin, alice, ch, _ := s.mustAliceOnline(t)
	_, sue := s.mustOperator(t, admin, "sue", map[string]any{"role": "supervisor"})
	rcv := newHookReceiver(t)

	for _, tc := range []struct {
		name string
		body map[string]any
		says string
	}{
		{"not http", map[string]any{"url": "ftp://files.example/", "events": []string{"message"}}, "http or https"},
		{"no host", map[string]any{"url": "https:///x", "events": []string{"message"}}, "http or https"},
		{"no events", map[string]any{"url": rcv.URL, "events": []string{}}, "at least one event"},
		{"unknown event", map[string]any{"url": rcv.URL, "events": []string{"message", "visitor.typing"}}, "visitor.typing"},
		{"short secret", map[string]any{"url": rcv.URL, "events": []string{"message"}, "secret": "short"}, "16 to 200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.wantRefused(t, "POST", "/api/webhooks", admin, tc.body, 400, "EINVALID", tc.says)
		})
	}
	for _, who := range []string{sue, alice} {
		s.wantRefused(t, "GET", "/api/webhooks", who, nil, 403, "EFORBIDDEN", "admin")
		s.wantRefused(t, "POST", "/api/webhooks", who, map[string]any{"url": rcv.URL, "events": []string{"message"}}, 403, "EFORBIDDEN", "admin")
	}

	made := s.must(t, 201, "POST", "/api/webhooks", admin, map[string]any{"url": rcv.URL, "events": []string{"message", "conversation.started"}}).object(t)
	if sec, _ := made["secret"].(string); !strings.HasPrefix(sec, "whsec_") || len(sec) < 40 {
		t.Fatalf("a new webhook's secret is %q, want a random whsec_…", sec)
	}
	if got := fmt.Sprint(made["events"]); got != "[conversation.started message]" {
		t.Errorf("events %s, want them in the documented order", got)
	}
	hook := num(made["id"])
	// The admin sets the secret the receiver knows; it is shown in that answer only.
	all := []string{"conversation.started", "conversation.assigned", "conversation.transferred", "message", "conversation.ended", "conversation.rated", "message_left"}
	changed := s.must(t, 200, "PATCH", fmt.Sprintf("/api/webhooks/%d", hook), admin, map[string]any{"secret": hookSecret, "events": all}).object(t)
	if changed["secret"] != hookSecret {
		t.Fatalf("the answer to setting the secret shows %v", changed["secret"])
	}
	if again := s.must(t, 200, "PATCH", fmt.Sprintf("/api/webhooks/%d", hook), admin, map[string]any{"enabled": true}).object(t); again["secret"] != nil {
		t.Errorf("a change that kept the secret shows it: %v", again["secret"])
	}
	list := s.must(t, 200, "GET", "/api/webhooks", admin, nil)
	if strings.Contains(string(list.Body), "secret") {
		t.Errorf("the list of webhooks shows secrets: %s", list.Body)
	}
	if log := s.must(t, 200, "GET", "/api/audit-log?action=webhook.update", admin, nil).Body; !strings.Contains(string(log), `"secret_changed":true`) || strings.Contains(string(log), hookSecret) {
		t.Errorf("the audit log of the changes: %s", log)
	}

	// Each event of a conversation, signed.
	conv, visitor := s.visitorStart(t, ch, "Vi", "Hello")
	cid := fmt.Sprintf(`"id":%d`, conv)
	rcv.waitFor(t, "conversation.started", cid)
	rcv.waitFor(t, "conversation.assigned", cid)
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]any{"body": "How can I help?"})
	h := rcv.waitFor(t, "message", "How can I help?")
	var ev struct {
		Event   string `json:"event"`
		Message struct {
			ConversationID int64  `json:"conversation_id"`
			Seq            int64  `json:"seq"`
			AuthorKind     string `json:"author_kind"`
		} `json:"message"`
	}
	if err := json.Unmarshal(h.body, &ev); err != nil || ev.Message.ConversationID != conv || ev.Message.Seq != 2 || ev.Message.AuthorKind != "operator" {
		t.Errorf("message event %s (%v)", h.body, err)
	}
	s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", conv), visitor, nil)
	rcv.waitFor(t, "conversation.ended", cid)
	s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/rating", conv), visitor, map[string]any{"score": 5, "comment": "Great"})
	rcv.waitFor(t, "conversation.rated", `"comment":"Great"`)
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "", map[string]any{"name": "Ann", "email": "ann@example.com", "body": "Call me back"})
	rcv.waitFor(t, "message_left", "Call me back")
	s.must(t, 202, "POST", fmt.Sprintf("/api/webhooks/%d/test", hook), admin, nil)
	rcv.waitFor(t, "test", `"event":"test"`)

	// Refused twice, then accepted: three attempts, the waits growing.
	rcv.mu.Lock()
	rcv.failing = 2
	before := len(rcv.got)
	rcv.mu.Unlock()
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "", map[string]any{"name": "Bo", "email": "bo@example.com", "body": "Try again"})
	rcv.waitFor(t, "message_left", "Try again")
	var tries []receivedHook
	for _, h := range rcv.snapshot()[before:] {
		if strings.Contains(string(h.body), "Try again") {
			tries = append(tries, h)
		}
	}
	if len(tries) != 3 || tries[0].accepted || tries[1].accepted || !tries[2].accepted {
		t.Fatalf("%d tries of the refused delivery, want 2 refused then 1 accepted", len(tries))
	}
	if tries[0].id != tries[2].id || tries[0].sigErr != nil {
		t.Errorf("the retries name deliveries %s and %s, want the same", tries[0].id, tries[2].id)
	}
	first, second := tries[1].at.Sub(tries[0].at), tries[2].at.Sub(tries[1].at)
	if first < backoff || second < 3*backoff {
		t.Errorf("waits between tries %v then %v, want at least %v then %v", first, second, backoff, 3*backoff)
	}
	var retried *hookDelivery
	log := s.hookDeliveries(t, admin, hook)
	retriedID, _ := strconv.ParseInt(tries[0].id, 10, 64)
	for i := range log {
		if log[i].ID == retriedID {
			retried = &log[i]
		}
	}
	if retried == nil || retried.State != "delivered" || retried.Attempts != 3 || retried.LastStatus != 204 || retried.Next != nil {
		t.Errorf("the log of the retried delivery: %+v", retried)
	}
	for _, d := range log {
		if d.State != "delivered" {
			t.Errorf("delivery %d (%s) is %s", d.ID, d.Event, d.State)
		}
	}

	// A new secret signs the next deliveries; the old one no longer verifies them.
	rotated := s.must(t, 200, "PATCH", fmt.Sprintf("/api/webhooks/%d", hook), admin, map[string]any{"rotate_secret": true}).object(t)
	rcv.mu.Lock()
	rcv.secret = rotated["secret"].(string)
	rcv.mu.Unlock()
	s.must(t, 202, "POST", fmt.Sprintf("/api/webhooks/%d/test", hook), admin, nil)
	deadline := time.Now().Add(10 * time.Second)
	for n := 0; n < 2 && time.Now().Before(deadline); {
		n = 0
		for _, h := range rcv.snapshot() {
			if h.event == "test" {
				n++
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := rcv.snapshot(); got[len(got)-1].event != "test" || got[len(got)-1].sigErr != nil {
		t.Errorf("after rotating the secret the test delivery: %+v", got[len(got)-1])
	}

	s.must(t, 204, "DELETE", fmt.Sprintf("/api/webhooks/%d", hook), admin, nil)
	s.wantRefused(t, "GET", fmt.Sprintf("/api/webhooks/%d/deliveries", hook), admin, nil, 404, "ENOTFOUND", "not found")
	if got := string(s.must(t, 200, "GET", "/api/webhooks", admin, nil).Body); strings.TrimSpace(got) != "[]" {
		t.Errorf("after the delete the list is %s", got)
	}
}

// The test: Parley is killed (SIGKILL) after an event was stored and before its
// delivery was accepted (the receiver answered 500), then started again on the same
// database: the delivery is made after the restart, once, with a valid signature.
func TestWebhookDeliveredAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	db := filepath.Join(t.TempDir(), "parley.db")
	args := []string{"--addr", "127.0.0.1:0", "--db", db, "--admin-password", adminPassword, "--rate-limit", "off", "--webhook-backoff", "300ms"}
	proc, s := startParley(t, args...)
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	rcv := newHookReceiver(t)
	rcv.failing = -1
	hook := num(s.must(t, 201, "POST", "/api/webhooks", admin, map[string]any{"url": rcv.URL, "events": []string{"conversation.started", "message"}, "secret": hookSecret}).object(t)["id"])
	token, conv := s.startChat(t, ch, "Hello")
	convID := num(conv["id"])
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", convID), token, map[string]any{"body": "Are you there?"})

	// Both events were tried and refused: the server dies with them pending.
	deadline := time.Now().Add(15 * time.Second)
	for {
		seen := map[string]bool{}
		for _, h := range rcv.snapshot() {
			seen[h.event] = true
		}
		if seen["conversation.started"] && seen["message"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the events were not tried within 15 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	proc.Wait()
	refused := len(rcv.snapshot())
	rcv.mu.Lock()
	rcv.failing = 0
	rcv.mu.Unlock()

	_, s = startParley(t, args...)
	// A delivery the killed server had claimed (a retry under way) waits for its claim to
	// run out: the request's time limit and a minute.
	rcv.mu.Lock()
	rcv.wait = 2 * time.Minute
	rcv.mu.Unlock()
	started := rcv.waitFor(t, "conversation.started", fmt.Sprintf(`"id":%d`, convID))
	message := rcv.waitFor(t, "message", "Are you there?")
	// Longer than the next retries would wait: nothing comes twice.
	time.Sleep(2 * time.Second)
	accepted := map[string]int{}
	for _, h := range rcv.snapshot() {
		if h.accepted {
			accepted[h.id]++
		}
		if h.sigErr != nil {
			t.Errorf("delivery %s (%s) with a bad signature: %v", h.id, h.event, h.sigErr)
		}
	}
	if len(accepted) != 2 || accepted[started.id] != 1 || accepted[message.id] != 1 {
		t.Errorf("accepted deliveries %v, want the two events once each", accepted)
	}
	for _, d := range s.hookDeliveries(t, s.adminToken(t), hook) {
		if d.State != "delivered" || d.Attempts < 2 || d.LastStatus != 204 {
			t.Errorf("delivery %d (%s) after the restart: %+v", d.ID, d.Event, d)
		}
	}
	t.Logf("%d refused tries before SIGKILL; delivered once each after the restart", refused)
}
