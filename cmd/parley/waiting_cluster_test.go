package main

import (
	"fmt"
	"testing"
)

// On two servers (PostgreSQL, NATS, nginx): visitors queued through A, whose widgets'
// WebSockets are on B, are told on B their new place and estimate when an operator on A
// takes the first of the line; a change of the channel's limits through B reaches them
// too.
func TestClusterHonestWaiting(t *testing.T) {
	c := mustCluster(t)
	a, b := c.servers[0], c.servers[1]
	admin := c.lb.adminToken(t)
	_, alice := c.lb.mustOperator(t, admin, "alice", nil)
	ch := c.lb.mustChannel(t, admin, map[string]any{"name": "Website", "max_ongoing_per_operator": 1})
	c.lb.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)

	var ws []*wsClient
	for i := range 3 {
		out := a.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": fmt.Sprintf("hello %d", i)}).object(t)
		if path(out, "conversation", "status") != "queued" {
			t.Fatalf("visitor %d: %v, want queued", i, out["conversation"])
		}
		ws = append(ws, b.dial(t, "/livechat/ws?token="+out["visitor_token"].(string), nil))
	}
	a.console(t, alice) // the first of the line is Alice's, decided on A
	for i, v := range ws[1:] {
		place := int64(i + 1)
		v.expect(t, "conversation", func(ev map[string]any) bool {
			return num(path(ev, "conversation", "queue_position")) == place && num(path(ev, "conversation", "estimated_wait")) == 60*place
		})
	}
	b.must(t, 200, "PUT", fmt.Sprintf("/api/channels/%d/wait-limits", ch), admin, map[string]any{"max_place": 1})
	ws[2].expect(t, "conversation", func(ev map[string]any) bool { return path(ev, "conversation", "offer_message") == true })
}
