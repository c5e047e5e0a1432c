package main

import (
	"fmt"
	"strings"
	"testing"
)

func routingURL(conv int64) string { return fmt.Sprintf("/api/conversations/%d/routing", conv) }

// Every assignment decision is explained, from the rules' own account: a supervisor
// reads why the first visitor went to Alice and why the second waited, then gives the
// second by hand and reads that too; the conversation's operator reads their own; a
// colleague of the channel who is not its operator is refused.
func TestRoutingAPI(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	aliceID, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	_, bob := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	_, sam := s.mustOperator(t, admin, "sam", map[string]any{"role": "supervisor"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "max_ongoing_per_operator": 1})
	for _, op := range []string{alice, bob} {
		s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), op, nil)
	}
	s.console(t, alice) // bob stays offline

	first, _, _ := s.startTransferChat(t, ch, "Hello?")
	second, _, _ := s.startTransferChat(t, ch, "Anyone there?")

	latest := func(token string, conv int64, decisions int) map[string]any {
		t.Helper()
		out := s.must(t, 200, "GET", routingURL(conv), token, nil).object(t)
		if h, _ := out["history"].([]any); len(h) != decisions {
			t.Fatalf("conversation %d: %d decisions, want %d: %v", conv, len(h), decisions, out)
		}
		return out["latest"].(map[string]any)
	}
	r := latest(sam, first, 1)
	if sum, _ := r["summary"].(string); r["kind"] != "start" || num(r["operator_id"]) != aliceID || r["rule"] != "only" ||
		!strings.HasPrefix(sum, "Assigned to Alice: the only one available;") || !strings.Contains(sum, "0 ongoing against 1; Bob offline") {
		t.Errorf("first conversation's routing: %v", r)
	}
	cands, _ := r["candidates"].([]any)
	if len(cands) != 2 || path(cands[0], "name") != "Alice" || path(cands[1], "set_aside") != "offline" || num(path(cands[1], "ongoing")) != 0 {
		t.Errorf("first conversation's candidates: %v", cands)
	}
	r = latest(sam, second, 1)
	if r["summary"] != "Queued: nobody available: Alice at the cap; Bob offline" || r["operator_id"] != nil || r["rule"] != "queued" {
		t.Errorf("second conversation's routing: %v", r)
	}

	// The operator reads their own; a colleague of the channel may not, nor may Alice
	// read a queued conversation that is not hers.
	latest(alice, first, 1)
	s.wantRefused(t, "GET", routingURL(first), bob, nil, 403, "EFORBIDDEN", "supervisors")
	s.wantRefused(t, "GET", routingURL(second), alice, nil, 403, "EFORBIDDEN", "supervisors")
	s.wantRefused(t, "GET", routingURL(99999), sam, nil, 404, "ENOTFOUND", "99999")

	// Given by hand: the second decision.
	s.must(t, 200, "POST", assignURL(second), sam, map[string]any{"operator_id": aliceID})
	r = latest(sam, second, 2)
	if sum, _ := r["summary"].(string); r["kind"] != "hand" || num(r["operator_id"]) != aliceID || !strings.HasPrefix(sum, "Given by hand to Alice") {
		t.Errorf("hand assignment's routing: %v", r)
	}
	latest(alice, second, 2)
}
