package main

import (
	"fmt"
	"testing"
)

// The visitor learns how far their operator has read: a read event when the operator's
// read mark moves forward (never for another's read, never twice for one mark), and
// operator_read_seq on the conversation, which counts the operator's own messages too.
func TestSeen(t *testing.T) {
	s := mustStart(t, "")
	admin, alice, ch, _ := s.mustAliceOnline(t)
	conv, visitor := s.visitorStart(t, ch, "Vi", "Hello")
	visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)
	convPath := fmt.Sprintf("/livechat/conversations/%d", conv)
	readSeq := func() int64 {
		t.Helper()
		return num(s.must(t, 200, "GET", convPath, visitor, nil).object(t)["operator_read_seq"])
	}
	visitorSends := func(body string) {
		t.Helper()
		s.must(t, 201, "POST", convPath+"/messages", visitor, map[string]string{"body": body})
	}
	read := func(token string, seq int) {
		t.Helper()
		s.must(t, 204, "POST", fmt.Sprintf("/api/conversations/%d/read", conv), token, map[string]int{"seq": seq})
	}
	nextRead := func(want int64) {
		t.Helper()
		ev := visitorWS.expect(t, "read", nil)
		if num(ev["conversation_id"]) != conv || num(ev["seq"]) != want {
			t.Fatalf("read event %v, want conversation %d read up to %d", ev, conv, want)
		}
	}

	if got := readSeq(); got != 0 {
		t.Fatalf("operator_read_seq before any read = %d, want 0", got)
	}
	visitorSends("Are you there?") // 2
	read(alice, 1)
	nextRead(1)
	if got := readSeq(); got != 1 {
		t.Fatalf("operator_read_seq = %d, want 1", got)
	}
	read(alice, 1) // no move: no event
	read(alice, 2)
	nextRead(2)

	// An admin reading tells the visitor nothing; the operator's answer counts as read up
	// to it, without an event (the message itself tells the widget), so reading up to it
	// moves nothing either.
	visitorSends("Hello?") // 3
	read(admin, 3)
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]string{"body": "Yes, sorry!"}) // 4
	if got := readSeq(); got != 4 {
		t.Fatalf("operator_read_seq after the operator's answer = %d, want 4", got)
	}
	read(alice, 4)
	visitorSends("Great") // 5
	read(alice, 5)
	nextRead(5)
	if got := readSeq(); got != 5 {
		t.Fatalf("operator_read_seq = %d, want 5", got)
	}

	// A queued conversation has no operator who could have read it.
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/leave", ch), alice, nil)
	started := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Anyone?"}).object(t)
	queued := s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", num(path(started, "conversation", "id"))), started["visitor_token"].(string), nil).object(t)
	if queued["status"] != "queued" || queued["operator_read_seq"] != float64(0) {
		t.Fatalf("queued conversation %v, want operator_read_seq 0", queued)
	}
}

// An ended conversation counts no unread message, whoever ended it and whatever was left
// unread: GET /api/conversations and the conversation event say 0.
func TestEndedConversationsHaveNoUnread(t *testing.T) {
	s := mustStart(t, "")
	_, alice, ch, aliceWS := s.mustAliceOnline(t)
	left, leftToken := s.visitorStart(t, ch, "Camille", "Hello?")
	staying, _ := s.visitorStart(t, ch, "Jonas", "Hi")
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", left), leftToken, map[string]string{"body": "Anyone?"})

	s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", left), leftToken, nil)
	ev := aliceWS.expect(t, "conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == left && path(ev, "conversation", "status") == "ended"
	})
	if got := num(path(ev, "conversation", "unread")); got != 0 {
		t.Errorf("the end's conversation event counts %d unread, want 0", got)
	}
	var list []map[string]any
	s.must(t, 200, "GET", "/api/conversations", alice, nil).decode(t, &list)
	unread := map[int64]int64{}
	for _, c := range list {
		unread[num(c["id"])] = num(c["unread"])
	}
	if unread[left] != 0 || unread[staying] != 1 {
		t.Fatalf("unread counts %v, want 0 for the ended conversation %d and 1 for %d", unread, left, staying)
	}
}
