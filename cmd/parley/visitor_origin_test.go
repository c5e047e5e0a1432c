package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// A visitor WebSocket opened by a page of another website is kept to the conversations
// whose channel allows that website: the upgrade passes because one channel (A, open to
// all) allows it, yet it neither receives the events of a conversation in a channel
// restricted to the shop (B) nor sends or types into it, as the REST API refuses it,
// while A keeps working. B's conversation is started after the socket opened, with the
// same visitor token.
func TestVisitorWebSocketKeepsToAllowedChannels(t *testing.T) {
	s := mustStart(t, "", func(c *Config) { c.RateLimit = true })
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	const shop, evil = "https://shop.example", "https://evil.example"
	open := s.mustChannel(t, admin, map[string]any{"name": "Open"})
	restricted := s.mustChannel(t, admin, map[string]any{"name": "Shop", "allowed_origins": []string{shop}})
	for _, ch := range []int64{open, restricted} {
		s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	}
	aliceWS := s.console(t, alice)

	started := s.fromOrigin(t, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", open), shop, "", map[string]any{"body": "Hello from A"})
	if started.Status != 201 {
		t.Fatalf("start in A: %d %s", started.Status, started.Body)
	}
	out := started.object(t)
	token, convA := out["visitor_token"].(string), num(path(out, "conversation", "id"))

	evilWS := s.dial(t, "/livechat/ws?token="+token, http.Header{"Origin": {evil}})

	startedB := s.fromOrigin(t, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", restricted), shop, "", map[string]any{"body": "Hello from B", "visitor_token": token})
	if startedB.Status != 201 {
		t.Fatalf("start in B: %d %s", startedB.Status, startedB.Body)
	}
	convB := num(path(startedB.object(t), "conversation", "id"))
	if r := s.fromOrigin(t, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", convB), evil, token, nil); r.Status != 403 {
		t.Fatalf("REST lets the other site read B: %d", r.Status)
	}
	aliceWS.expect(t, "message", func(ev map[string]any) bool { return num(ev["conversation_id"]) == convB })

	// The operator writes and types in B, then in A: only A's reach the other site.
	of := func(id int64) func(ev map[string]any) bool {
		return func(ev map[string]any) bool {
			return num(ev["conversation_id"]) == id || num(path(ev, "conversation", "id")) == id
		}
	}
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", convB), alice, map[string]any{"body": "Your order number is 1234", "client_id": "op-b"})
	aliceWS.send(t, map[string]any{"type": "typing", "conversation_id": convB})
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", convA), alice, map[string]any{"body": "Hi A", "client_id": "op-a"})
	if ev := evilWS.expect(t, "message", nil); num(ev["conversation_id"]) != convA {
		t.Fatalf("the other site received %v before A's message", ev)
	}
	// Ending B publishes its conversation event and notice: none of it reaches the socket.
	s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", convB), alice, nil)
	aliceWS.send(t, map[string]any{"type": "typing", "conversation_id": convA})
	if ev := evilWS.expect(t, "typing", nil); num(ev["conversation_id"]) != convA {
		t.Fatalf("the other site received typing %v", ev)
	}
	deadline := time.After(300 * time.Millisecond)
	for done := false; !done; {
		select {
		case ev := <-evilWS.events:
			if of(convB)(ev) {
				t.Fatalf("the other site received an event of B: %v", ev)
			}
		case <-deadline:
			done = true
		}
	}

	// Its frames about B are refused as REST refuses them; nothing reaches the operator.
	for _, frame := range []map[string]any{
		{"type": "typing", "conversation_id": convB},
		{"type": "send", "conversation_id": convB, "body": "spam", "client_id": "evil-1"},
	} {
		evilWS.send(t, frame)
		ev := evilWS.expect(t, "error", nil)
		if path(ev, "error", "code") != "EFORBIDDEN" || num(ev["conversation_id"]) != convB {
			t.Fatalf("frame %v answered %v, want EFORBIDDEN", frame, ev)
		}
	}
	// A still works both ways.
	evilWS.send(t, map[string]any{"type": "send", "conversation_id": convA, "body": "Still A", "client_id": "a-2"})
	evilWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "client_id") == "a-2" })
	aliceWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == "Still A" })
	var msgs []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", convB), alice, nil).decode(t, &msgs)
	for _, m := range msgs {
		if m["body"] == "spam" {
			t.Fatalf("the other site's send was stored in B: %v", msgs)
		}
	}

	// The shop's own page, on the same token, gets B.
	shopWS := s.dial(t, "/livechat/ws?token="+token, http.Header{"Origin": {shop}})
	shopWS.send(t, map[string]any{"type": "typing", "conversation_id": convB})
	shopWS.send(t, map[string]any{"type": "send", "conversation_id": convB, "body": "x", "client_id": "shop-1"})
	if ev := shopWS.expect(t, "error", nil); path(ev, "error", "code") != "ECONFLICT" {
		t.Fatalf("the shop's send into ended B answered %v, want ECONFLICT (allowed, but ended)", ev)
	}
}
