package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// On two servers (PostgreSQL, NATS): a webhook made on A reaches B's message path
// through the caches topic, and with both servers' senders claiming from one outbox,
// every event is delivered once.
func TestClusterWebhooksDeliveredOnce(t *testing.T) {
	c := mustCluster(t)
	a, b := c.servers[0], c.servers[1]
	admin := c.lb.adminToken(t)
	ch := c.lb.mustChannel(t, admin, map[string]any{"name": "Website"})
	token, conv := b.startChat(t, ch, "Hello")
	convID := num(conv["id"])
	send := func(s *clusterServer, body string) {
		s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", convID), token, map[string]any{"body": body})
		// A visitor may send 5 messages a second (after a burst of 20): the test keeps
		// to it, however slowly the servers answer.
		time.Sleep(210 * time.Millisecond)
	}
	send(b, "before any webhook") // B now knows that no webhook wants messages

	rcv := newHookReceiver(t)
	a.must(t, 201, "POST", "/api/webhooks", admin, map[string]any{"url": rcv.URL, "events": []string{"message", "conversation.started"}, "secret": hookSecret})
	// B hears of it through NATS: its messages reach the outbox from then on.
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		send(b, fmt.Sprint("probe ", i))
		time.Sleep(100 * time.Millisecond)
		if strings.Contains(fmt.Sprint(rcv.bodies()), "probe ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("messages stored on B never reached the webhook made on A")
		}
	}

	const n = 30
	for i := range n {
		send(c.servers[i%2], fmt.Sprint("numbered ", i))
	}
	started := map[int64]bool{} // the conversations whose start is an event of its own
	for range 6 {
		_, conv := c.lb.startChat(t, ch, "another visitor")
		started[num(conv["id"])] = true
	}
	// The deliveries accepted so far, by delivery id and by what they tell.
	type tally struct {
		ids, bodies map[string]int
		starts      map[int64]int
		badSigs     []error
	}
	count := func() tally {
		tl := tally{ids: map[string]int{}, bodies: map[string]int{}, starts: map[int64]int{}}
		for _, h := range rcv.snapshot() {
			if !h.accepted {
				continue
			}
			if h.sigErr != nil {
				tl.badSigs = append(tl.badSigs, fmt.Errorf("delivery %s: %w", h.id, h.sigErr))
			}
			tl.ids[h.id]++
			var ev struct {
				Event   string `json:"event"`
				Message struct {
					Body string `json:"body"`
				} `json:"message"`
				Conversation struct {
					ID int64 `json:"id"`
				} `json:"conversation"`
			}
			if err := json.Unmarshal(h.body, &ev); err != nil {
				t.Fatal(err)
			}
			switch ev.Event {
			case "message":
				tl.bodies[ev.Message.Body]++
			case "conversation.started":
				if started[ev.Conversation.ID] {
					tl.starts[ev.Conversation.ID]++
				}
			}
		}
		return tl
	}
	deadline = time.Now().Add(20 * time.Second)
	for {
		tl := count()
		got := len(tl.starts)
		for i := range n {
			if tl.bodies[fmt.Sprint("numbered ", i)] > 0 {
				got++
			}
		}
		if got == n+len(started) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // time for a second delivery, were there one
	tl := count()
	for _, err := range tl.badSigs {
		t.Error(err)
	}
	for id, k := range tl.ids {
		if k != 1 {
			t.Errorf("delivery %s accepted %d times", id, k)
		}
	}
	for i := range n {
		if key := fmt.Sprint("numbered ", i); tl.bodies[key] != 1 {
			t.Errorf("message %q delivered %d times", key, tl.bodies[key])
		}
	}
	for id := range started {
		if k := tl.starts[id]; k != 1 {
			t.Errorf("the start of conversation %d delivered %d times", id, k)
		}
	}
}

// bodies lists the bodies of the accepted requests.
func (r *hookReceiver) bodies() []string {
	var out []string
	for _, h := range r.snapshot() {
		if h.accepted {
			out = append(out, string(h.body))
		}
	}
	return out
}
