package main

import (
	"fmt"
	"testing"
	"time"
)

// Offer and accept on two servers: the offer made on B reaches Alice's console on A; not
// accepted in time, it expires once though both servers look for expired offers every
// second, and goes to Bob, whose console on B gets it; he accepts it through A. The
// conversation's routing history holds the two decisions only.
func TestClusterOffers(t *testing.T) {
	c := mustCluster(t)
	a, b := c.servers[0], c.servers[1]
	admin := c.lb.adminToken(t)
	_, alice := c.lb.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	bobID, bob := c.lb.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	ch := c.lb.mustChannel(t, admin, map[string]any{"name": "Website", "offer_seconds": 10})
	for _, token := range []string{alice, bob} {
		c.lb.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), token, nil)
	}
	aliceWS, bobWS := a.console(t, alice), b.console(t, bob)
	waitAvailable(t, c, ch)

	started := b.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hello from B"}).object(t)
	conv := num(path(started, "conversation", "id"))
	aliceWS.expect(t, "offer", func(ev map[string]any) bool { return num(path(ev, "offer", "conversation_id")) == conv })

	// Alice lets it run out (10 s, then the next tick of either server).
	missed := waitEvent(t, aliceWS, 20*time.Second, func(ev map[string]any) bool {
		return ev["type"] == "offer_ended" && num(ev["conversation_id"]) == conv && ev["reason"] == "missed"
	})
	if missed == nil {
		t.Fatal("alice's offer did not expire")
	}
	bobWS.expect(t, "offer", func(ev map[string]any) bool { return num(path(ev, "offer", "conversation_id")) == conv })
	got := a.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/accept", conv), bob, nil).object(t)
	if got["status"] != "active" || num(path(got, "operator", "id")) != bobID {
		t.Errorf("accepted %v, want active with bob", got)
	}
	bobWS.expect(t, "conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == conv && path(ev, "conversation", "status") == "active"
	})
	// Decided twice in all: the offer Alice missed, then Bob's, accepted.
	var routing struct {
		History []struct {
			OperatorID int64  `json:"operator_id"`
			Offer      string `json:"offer"`
		} `json:"history"`
	}
	c.lb.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/routing", conv), admin, nil).decode(t, &routing)
	if h := routing.History; len(h) != 2 || h[0].Offer != "missed" || h[1].Offer != "accepted" || h[1].OperatorID != bobID {
		t.Errorf("routing history %+v; want alice's offer missed, then bob's accepted", h)
	}
}

// waitEvent waits up to d for an event that match accepts; nil when none came.
func waitEvent(t *testing.T, c *wsClient, d time.Duration, match func(ev map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-c.events:
			if match(ev) {
				return ev
			}
		case err := <-c.closed:
			t.Fatalf("websocket closed: %v", err)
		case <-deadline:
			return nil
		}
	}
}
