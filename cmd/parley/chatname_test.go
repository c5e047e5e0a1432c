package main

import (
	"fmt"
	"testing"
)

// A chat name changed while the operator's console is open names every message sent
// after the change, on that same WebSocket too, and the typing notice: the socket acts as
// the user is now, not as they were when it opened. An admin's change applies the same way.
func TestChatNameChangeReachesOpenConsole(t *testing.T) {
	s := mustStart(t, "")
	admin, alice, ch, aliceWS := s.mustAliceOnline(t)
	conv, visitor := s.visitorStart(t, ch, "Vi", "Hello")
	visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)
	var me struct {
		ID int64 `json:"id"`
	}
	s.must(t, 200, "GET", "/api/me", alice, nil).decode(t, &me)

	sent := 0
	sendAs := func(body, want string) {
		t.Helper()
		sent++
		aliceWS.send(t, map[string]any{"type": "send", "conversation_id": conv, "body": body, "client_id": fmt.Sprintf("chat-name-%d", sent)})
		ev := visitorWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == body })
		if got := path(ev, "message", "author", "name"); got != want {
			t.Fatalf("the visitor saw %q from %q, want %q", body, got, want)
		}
	}
	sendAs("Hi, how can I help?", "Alice")

	s.must(t, 200, "PATCH", "/api/me/preferences", alice, map[string]string{"chat_name": "Alicia"})
	sendAs("Let me check.", "Alicia")
	aliceWS.send(t, map[string]any{"type": "typing", "conversation_id": conv})
	if ev := visitorWS.expect(t, "typing", nil); ev["name"] != "Alicia" {
		t.Fatalf("typing event %v, want the new chat name", ev)
	}

	// Cleared, the visitor sees the user's name; an admin sets another.
	s.must(t, 200, "PATCH", "/api/me/preferences", alice, map[string]string{"chat_name": ""})
	sendAs("Still here.", "Alice Doe")
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/users/%d", me.ID), admin, map[string]string{"chat_name": "Ali"})
	sendAs("Anything else?", "Ali")
}
