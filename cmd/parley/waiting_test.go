package main

import (
	"fmt"
	"testing"
)

// Honest waiting: several visitors wait; when the one ahead is assigned, each of the
// others is told on their WebSocket their new place and estimated wait (from the
// channel's assignments out of the queue), past the channel's limit the offer to leave a
// message; a message left instead ends the queued conversation and names it; the
// reports tell how good the estimates were.
func TestHonestWaiting(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Sales", "max_ongoing_per_operator": 1})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	limits := fmt.Sprintf("/api/channels/%d/wait-limits", ch)

	if got := s.must(t, 200, "GET", limits, admin, nil).object(t); num(got["max_place"]) != 0 || num(got["max_wait_minutes"]) != 0 {
		t.Fatalf("a new channel's limits = %v, want none", got)
	}
	for _, bad := range []map[string]any{{"max_place": -1}, {"max_wait_minutes": 100000}, {"max_place": "two"}, {"places": 2}} {
		if r := s.call(t, "PUT", limits, admin, bad); r.Status != 400 || r.errorCode(t) != "EINVALID" {
			t.Errorf("PUT %v: status %d %s, want 400 EINVALID", bad, r.Status, r.Body)
		}
	}
	if r := s.call(t, "PUT", "/api/channels/9999/wait-limits", admin, map[string]any{"max_place": 2}); r.Status != 404 {
		t.Errorf("limits of an unknown channel: status %d, want 404", r.Status)
	}
	if got := s.must(t, 200, "PUT", limits, admin, map[string]any{"max_place": 2}).object(t); num(got["max_place"]) != 2 {
		t.Fatalf("PUT limits answered %v", got)
	}
	if got := s.must(t, 200, "GET", limits, admin, nil).object(t); num(got["max_place"]) != 2 || num(got["max_wait_minutes"]) != 0 {
		t.Fatalf("limits read back = %v", got)
	}

	type visitor struct {
		token string
		conv  int64
		ws    *wsClient
	}
	start := func(i int) visitor {
		t.Helper()
		out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": fmt.Sprintf("hello %d", i)}).object(t)
		c := out["conversation"].(map[string]any)
		// Nobody was assigned out of this queue yet: the place, no estimate.
		if c["status"] != "queued" || num(c["queue_position"]) != int64(i+1) || c["estimated_wait"] != nil {
			t.Fatalf("visitor %d: %v", i, c)
		}
		if offer := c["offer_message"] == true; offer != (i+1 > 2) {
			t.Errorf("visitor %d at place %d: offer_message %v", i, i+1, c["offer_message"])
		}
		token := out["visitor_token"].(string)
		return visitor{token, num(c["id"]), s.dial(t, "/livechat/ws?token="+token, nil)}
	}
	var vs []visitor
	for i := range 4 {
		vs = append(vs, start(i))
	}

	// Alice comes online: the first is hers; those behind move up, each told their place
	// and, from that one assignment out of the queue, an estimate (one a minute at the
	// most: within the minute it is read over a minute).
	aliceWS := s.console(t, alice)
	aliceWS.expect(t, "conversation", func(ev map[string]any) bool { return num(path(ev, "conversation", "id")) == vs[0].conv })
	for i, v := range vs[1:] {
		ev := v.ws.expect(t, "conversation", nil)
		place := int64(i + 1)
		if c := ev["conversation"].(map[string]any); num(c["queue_position"]) != place || num(c["estimated_wait"]) != 60*place || (c["offer_message"] == true) != (place > 2) {
			t.Errorf("visitor %d after the first was assigned: %v; want place %d, about %d min, offer %v", i+1, c, place, place, place > 2)
		}
	}
	// The widget's read of the conversation says the same.
	if got := s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", vs[2].conv), vs[2].token, nil).object(t); num(got["queue_position"]) != 2 || num(got["estimated_wait"]) != 120 {
		t.Errorf("GET the third's conversation = %v", got)
	}

	// The fourth, past the limit, leaves a message instead: their conversation ends,
	// the message names it, and the third... stays where it is.
	left := fmt.Sprintf("/livechat/channels/%d/offline-messages", ch)
	msg := map[string]any{"name": "Vi", "email": "vi@example.com", "body": "Call me", "conversation_id": vs[3].conv}
	if r := s.call(t, "POST", left, vs[2].token, msg); r.Status != 404 {
		t.Errorf("a message left instead of another's conversation: status %d %s, want 404", r.Status, r.Body)
	}
	if r := s.call(t, "POST", left, "", msg); r.Status != 401 {
		t.Errorf("a message left instead of a conversation without a token: status %d %s, want 401", r.Status, r.Body)
	}
	m := s.must(t, 201, "POST", left, vs[3].token, msg).object(t)
	if num(m["conversation_id"]) != vs[3].conv {
		t.Errorf("left message = %v, want it to name conversation %d", m, vs[3].conv)
	}
	vs[3].ws.expect(t, "conversation", func(ev map[string]any) bool { return path(ev, "conversation", "status") == "ended" })
	ended := s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", vs[3].conv), admin, nil)
	var msgs []map[string]any
	ended.decode(t, &msgs)
	if last := msgs[len(msgs)-1]; path(last, "author", "kind") != "system" || last["body"] != "Visitor left a message instead of waiting." {
		t.Errorf("last message of the conversation left for a message = %v", last)
	}
	var inbox []map[string]any
	s.must(t, 200, "GET", "/api/offline-messages", admin, nil).decode(t, &inbox)
	if len(inbox) != 1 || num(inbox[0]["conversation_id"]) != vs[3].conv {
		t.Errorf("inbox = %v", inbox)
	}

	// A fifth visitor queued now is given an estimate; Alice takes them by hand, and
	// the report counts that estimate against the wait that followed.
	out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "and me"}).object(t)
	fifth := out["conversation"].(map[string]any)
	if num(fifth["queue_position"]) != 3 || num(fifth["estimated_wait"]) != 180 {
		t.Fatalf("fifth visitor: %v, want place 3, about 3 min", fifth)
	}
	s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/take", num(fifth["id"])), alice, nil)
	// Those ahead of the taken one keep their places and hear of the line's new pace.
	vs[2].ws.expect(t, "conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "queue_position")) == 2 && path(ev, "conversation", "estimated_wait") != nil
	})

	report := s.must(t, 200, "GET", "/api/reports/wait-estimates", admin, nil).object(t)
	if num(report["count"]) != 1 || report["within_half"] != 0.0 || report["median_estimate"] != 180.0 {
		t.Errorf("wait estimates report = %v; want 1 estimate of 180 s, not within ±50%% of a wait of a moment", report)
	}
	if r := s.call(t, "GET", "/api/reports/wait-estimates?tz=Nowhere/Else", admin, nil); r.Status != 400 {
		t.Errorf("bad time zone: status %d", r.Status)
	}
	if r := s.call(t, "GET", "/api/reports/wait-estimates?channel_id=x", admin, nil); r.Status != 400 {
		t.Errorf("bad channel: status %d", r.Status)
	}
}
