package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func assignURL(conv int64) string { return fmt.Sprintf("/api/conversations/%d/assign", conv) }
func takeURL(conv int64) string   { return fmt.Sprintf("/api/conversations/%d/take", conv) }

// findByID finds the object with the id in a decoded JSON list.
func findByID(list any, id int64) map[string]any {
	items, _ := list.([]any)
	for _, it := range items {
		if m, ok := it.(map[string]any); ok && num(m["id"]) == id {
			return m
		}
	}
	return nil
}

// wantRefused checks a refusal's status, code, and that its message says why.
func (s *testServer) wantRefused(tb testing.TB, method, url, token string, body any, status int, code, says string) {
	tb.Helper()
	r := s.call(tb, method, url, token, body)
	if r.Status != status || r.errorCode(tb) != code || !strings.Contains(r.errorMessage(tb), says) {
		tb.Errorf("%s %s: %d %s, want %d %s saying %q", method, url, r.Status, r.Body, status, code, says)
	}
}

// A supervisor watches the team live: the snapshot lists operators with their presence
// and load against the cap, the queue with its waits, the active conversations with how
// long the visitor has waited for an answer; the events follow each change; and they
// assign a queued conversation by hand (past the cap, which limits automatic assignment
// only), transfer another's, and read any conversation without writing in it.
func TestLiveViewAndHandAssignment(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	aliceID, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	bobID, bob := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	carolID, carol := s.mustOperator(t, admin, "carol", nil) // in no channel
	samID, sam := s.mustOperator(t, admin, "sam", map[string]any{"role": "supervisor"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "max_ongoing_per_operator": 1})
	for _, op := range []string{alice, bob} {
		s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), op, nil)
	}
	samWS := s.console(t, sam)
	aliceWS := s.console(t, alice) // bob stays offline

	// Alice gets the first visitor; the second waits, Alice being at the cap.
	first, firstVisitor, _ := s.startTransferChat(t, ch, "Hello?")
	second, secondVisitor, out := s.startTransferChat(t, ch, "Anyone there?")
	if path(out, "conversation", "status") != "queued" {
		t.Fatalf("second conversation: %v, want queued", out["conversation"])
	}
	samWS.expect(t, "live_conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == first && num(path(ev, "conversation", "operator", "id")) == aliceID &&
			path(ev, "conversation", "waiting_since") != nil
	})
	samWS.expect(t, "live_conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == second && path(ev, "conversation", "status") == "queued" &&
			path(ev, "conversation", "queued_since") != nil && path(ev, "conversation", "visitor", "name") != nil
	})
	aliceWS.expect(t, "queue", func(ev map[string]any) bool { return num(ev["channel_id"]) == ch })

	live := s.must(t, 200, "GET", "/api/live", sam, nil).object(t)
	a := findByID(live["operators"], aliceID)
	if a == nil || a["status"] != "online" || num(a["ongoing"]) != 1 || num(path(a, "load").([]any)[0].(map[string]any)["max_ongoing_per_operator"]) != 1 {
		t.Errorf("Alice in the live view: %v", a)
	}
	if b := findByID(live["operators"], bobID); b == nil || b["status"] != "offline" || num(b["ongoing"]) != 0 {
		t.Errorf("Bob in the live view: %v", b)
	}
	if c := findByID(live["operators"], carolID); c == nil || len(c["channel_ids"].([]any)) != 0 {
		t.Errorf("Carol, an operator in no channel: %v", c)
	}
	q := findByID(live["queued"], second)
	if q == nil || num(q["channel_id"]) != ch || q["language"] == "" || q["queued_since"] == nil || num(q["queue_position"]) != 1 {
		t.Errorf("the queue: %v", live["queued"])
	}
	act := findByID(live["active"], first)
	if act == nil || num(path(act, "operator", "id")) != aliceID || act["waiting_since"] == nil || act["last_unanswered_at"] != act["waiting_since"] {
		t.Errorf("the active conversations: %v", live["active"])
	}
	if ch0 := findByID(live["channels"], ch); ch0 == nil || num(ch0["queued"]) != 1 {
		t.Errorf("the channels: %v", live["channels"])
	}

	// Alice answers: the visitor waits no more.
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", first), alice, map[string]string{"body": "Hi!"})
	samWS.expect(t, "live_message", func(ev map[string]any) bool {
		return num(ev["conversation_id"]) == first && ev["author"] == "operator" && num(ev["seq"]) == 2
	})
	live = s.must(t, 200, "GET", "/api/live", sam, nil).object(t)
	if act := findByID(live["active"], first); act == nil || act["waiting_since"] != nil || act["last_unanswered_at"] != nil {
		t.Errorf("answered conversation in the live view: %v", act)
	}

	// Refusals, each changing nothing.
	s.wantRefused(t, "GET", "/api/live", alice, nil, 403, "EFORBIDDEN", "supervisors")
	s.wantRefused(t, "POST", assignURL(second), alice, map[string]any{"operator_id": aliceID}, 403, "EFORBIDDEN", "supervisors")
	s.wantRefused(t, "POST", assignURL(second), sam, map[string]any{"operator_id": carolID}, 409, "ECONFLICT", "not a member of Website")
	s.wantRefused(t, "POST", assignURL(second), sam, map[string]any{"operator_id": bobID}, 409, "ECONFLICT", "Bob is offline")
	s.wantRefused(t, "POST", assignURL(second), sam, map[string]any{"operator_id": 9999}, 400, "EINVALID", "no operator with id 9999")
	s.wantRefused(t, "POST", assignURL(second), sam, map[string]any{}, 400, "EINVALID", "operator_id")
	s.wantRefused(t, "POST", assignURL(9999), sam, map[string]any{"operator_id": aliceID}, 404, "ENOTFOUND", "")
	s.wantRefused(t, "POST", takeURL(second), carol, nil, 403, "EFORBIDDEN", "not yours")

	// The supervisor gives the waiting visitor to Alice, past the cap.
	visitorWS := s.dial(t, "/livechat/ws?token="+secondVisitor, nil)
	got := s.must(t, 200, "POST", assignURL(second), sam, map[string]any{"operator_id": aliceID}).object(t)
	if got["status"] != "active" || num(path(got, "operator", "id")) != aliceID {
		t.Fatalf("assign answered %v", got)
	}
	visitorWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == "Alice joined the conversation." })
	aliceWS.expect(t, "conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == second && path(ev, "conversation", "status") == "active"
	})
	samWS.expect(t, "live_conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == second && num(path(ev, "conversation", "operator", "id")) == aliceID
	})
	// The audit log records the supervisor's hand, and nothing of the refusals.
	if log := s.auditLog(t, admin, "action=conversation.assign"); len(log) != 1 || log[0].ActorID != samID ||
		log[0].TargetID != fmt.Sprint(second) || num(log[0].Detail["operator_id"]) != aliceID {
		t.Errorf("audit log of hand assignments: %+v", log)
	}
	s.wantRefused(t, "POST", assignURL(second), sam, map[string]any{"operator_id": aliceID}, 409, "ECONFLICT", "already holds")
	s.wantRefused(t, "POST", assignURL(second), sam, map[string]any{"operator_id": bobID}, 409, "ECONFLICT", "no longer waiting")
	s.wantRefused(t, "POST", takeURL(second), alice, nil, 409, "ECONFLICT", "already holds")

	// An ended conversation cannot be given.
	third, thirdVisitor, _ := s.startTransferChat(t, ch, "Bye")
	s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", third), thirdVisitor, nil)
	samWS.expect(t, "live_conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == third && path(ev, "conversation", "status") == "ended"
	})
	s.wantRefused(t, "POST", assignURL(third), sam, map[string]any{"operator_id": aliceID}, 409, "ECONFLICT", "has ended")
	s.wantRefused(t, "POST", takeURL(third), alice, nil, 409, "ECONFLICT", "has ended")

	// An operator takes a chat from their channel's queue; a second take is refused.
	fourth, _, _ := s.startTransferChat(t, ch, "Help")
	var queue []map[string]any
	s.must(t, 200, "GET", "/api/queue", alice, nil).decode(t, &queue)
	if len(queue) != 1 || num(queue[0]["id"]) != fourth {
		t.Fatalf("Alice's queue: %v", queue)
	}
	s.must(t, 200, "GET", "/api/queue", carol, nil).decode(t, &queue)
	if len(queue) != 0 {
		t.Errorf("Carol, in no channel, sees the queue %v", queue)
	}
	taken := s.must(t, 200, "POST", takeURL(fourth), alice, nil).object(t)
	if num(path(taken, "operator", "id")) != aliceID {
		t.Fatalf("take answered %v", taken)
	}
	s.wantRefused(t, "POST", takeURL(fourth), bob, nil, 409, "ECONFLICT", "no longer waiting")

	// The supervisor reads any conversation, and cannot write in it.
	var msgs []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", first), sam, nil).decode(t, &msgs)
	if len(msgs) != 2 {
		t.Errorf("the supervisor reads %v", msgs)
	}
	s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d", first), sam, nil)
	s.wantRefused(t, "POST", fmt.Sprintf("/api/conversations/%d/messages", first), sam, map[string]string{"body": "Me too"}, 403, "EFORBIDDEN", "another operator")

	// The supervisor transfers Alice's conversation to Bob once he is online; an
	// operator outside the channel may not.
	s.wantRefused(t, "POST", transferURL(first), carol, map[string]any{"operator_id": bobID}, 403, "EFORBIDDEN", "")
	bobWS := s.console(t, bob)
	samWS.expect(t, "live_operator", func(ev map[string]any) bool {
		return num(path(ev, "operator", "id")) == bobID && path(ev, "operator", "status") == "online"
	})
	moved := s.must(t, 200, "POST", transferURL(first), sam, map[string]any{"operator_id": bobID}).object(t)
	if num(path(moved, "operator", "id")) != bobID {
		t.Fatalf("transfer answered %v", moved)
	}
	bobWS.expect(t, "conversation", func(ev map[string]any) bool { return num(path(ev, "conversation", "id")) == first })
	if log := s.auditLog(t, admin, "action=conversation.transfer"); len(log) != 1 || log[0].ActorID != samID ||
		log[0].TargetID != fmt.Sprint(first) || num(log[0].Detail["operator_id"]) != bobID {
		t.Errorf("audit log of transfers by hand: %+v", log)
	}
	samWS.expect(t, "live_conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == first && num(path(ev, "conversation", "operator", "id")) == bobID
	})
	firstWS := s.dial(t, "/livechat/ws?token="+firstVisitor, nil)
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", first), firstVisitor, map[string]string{"body": "Thanks"})
	firstWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == "Thanks" })
	samWS.expect(t, "live_message", func(ev map[string]any) bool {
		return num(ev["conversation_id"]) == first && ev["author"] == "visitor"
	})

	// A disabled operator leaves the live view.
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", carolID), admin, map[string]any{"disabled": true})
	samWS.expect(t, "live_operator", func(ev map[string]any) bool {
		return num(path(ev, "operator", "id")) == carolID && path(ev, "operator", "disabled") == true
	})
	live = s.must(t, 200, "GET", "/api/live", sam, nil).object(t)
	if findByID(live["operators"], carolID) != nil {
		t.Errorf("disabled Carol is still in the live view")
	}

	// An operator's console gets none of the live view's events.
	aliceWS.quiet(t, "live_message", 200*time.Millisecond)
}

// A role given or taken while the console is open takes effect at once: the server tells
// the console to reconnect, and the new socket receives the live view's events, or no
// longer does. Changing something else about the user leaves the console connected.
func TestRoleChangeReachesTheOpenConsole(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	carolID, carol := s.mustOperator(t, admin, "carol", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	s.console(t, alice)

	ws := s.console(t, carol)
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", carolID), admin, map[string]any{"chat_name": "Carol"})
	ws.stillOpen(t, 300*time.Millisecond)
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", carolID), admin, map[string]any{"role": "supervisor"})
	ws.expectClosed(t, websocket.StatusServiceRestart)

	ws = s.console(t, carol)
	first, _, _ := s.startTransferChat(t, ch, "Hello?")
	ws.expect(t, "live_conversation", func(ev map[string]any) bool { return num(path(ev, "conversation", "id")) == first })

	s.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", carolID), admin, map[string]any{"role": "operator"})
	ws.expectClosed(t, websocket.StatusServiceRestart)
	ws = s.console(t, carol)
	s.startTransferChat(t, ch, "Anyone?")
	ws.quiet(t, "live_conversation", 500*time.Millisecond)
}
