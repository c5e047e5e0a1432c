package main

import (
	"fmt"
	"sync"
	"testing"
)

// On two servers (PostgreSQL, NATS, nginx), a supervisor whose console is on B follows
// conversations started on A and sees the operators online on either; two hand
// assignments of one conversation at once, one through each server, give it to one
// operator only, and the other is refused.
func TestClusterLiveView(t *testing.T) {
	c := mustCluster(t)
	a, b := c.servers[0], c.servers[1]
	admin := c.lb.adminToken(t)
	aliceID, alice := c.lb.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	bobID, bob := c.lb.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	_, sam := c.lb.mustOperator(t, admin, "sam", map[string]any{"role": "supervisor"})
	ch := c.lb.mustChannel(t, admin, map[string]any{"name": "Website", "max_ongoing_per_operator": 1})
	for _, op := range []string{alice, bob} {
		c.lb.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), op, nil)
	}
	samWS := b.console(t, sam)
	a.console(t, alice)
	b.console(t, bob)
	waitAvailable(t, c, ch)

	// Alice and Bob get one each; the third waits.
	for range 2 {
		a.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hi"})
	}
	out := a.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Anyone?"}).object(t)
	conv := num(path(out, "conversation", "id"))
	if path(out, "conversation", "status") != "queued" {
		t.Fatalf("third conversation: %v, want queued", out["conversation"])
	}
	samWS.expect(t, "live_conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == conv && path(ev, "conversation", "status") == "queued"
	})
	live := b.must(t, 200, "GET", "/api/live", sam, nil).object(t)
	for _, id := range []int64{aliceID, bobID} {
		if op := findByID(live["operators"], id); op == nil || op["status"] != "online" || num(op["ongoing"]) != 1 {
			t.Errorf("operator %d in the live view on B: %v", id, op)
		}
	}
	if findByID(live["queued"], conv) == nil {
		t.Errorf("the queue on B: %v", live["queued"])
	}

	// Two supervisors' clicks at once, one through each server.
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, to := range []struct {
		s  *clusterServer
		op int64
	}{{a, aliceID}, {b, bobID}} {
		wg.Go(func() {
			statuses[i] = to.s.call(t, "POST", assignURL(conv), sam, map[string]any{"operator_id": to.op}).Status
		})
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 409) && !(statuses[0] == 409 && statuses[1] == 200) {
		t.Fatalf("two hand assignments at once answered %v, want one 200 and one 409", statuses)
	}
	winner := aliceID
	if statuses[1] == 200 {
		winner = bobID
	}
	ev := samWS.expect(t, "live_conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == conv && path(ev, "conversation", "status") == "active"
	})
	if num(path(ev, "conversation", "operator", "id")) != winner {
		t.Errorf("the live view says %v has it, want %d", path(ev, "conversation", "operator"), winner)
	}
	var msgs []map[string]any
	b.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", conv), sam, nil).decode(t, &msgs)
	if len(msgs) != 2 || msgs[1]["body"] == nil {
		t.Errorf("the conversation holds %v, want its first message and one notice", msgs)
	}
}
