package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Both sides can send messages as WebSocket frames: the message is stored, both sides
// receive its event (the sender's carries the frame's client_id: that is its answer),
// a resend stores nothing twice and is answered to the sender alone, and a frame that
// fails is answered with an error naming its client_id.
func TestSendOverWebSocket(t *testing.T) {
	s := mustStart(t, "")
	_, alice, ch, aliceWS := s.mustAliceOnline(t)
	started := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hello"}).object(t)
	visitor, _ := started["visitor_token"].(string)
	conv := num(path(started, "conversation", "id"))
	visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)
	aliceWS.expect(t, "message", func(ev map[string]any) bool { return num(path(ev, "message", "seq")) == 1 })

	withClientID := func(id string) func(ev map[string]any) bool {
		return func(ev map[string]any) bool { return path(ev, "message", "client_id") == id }
	}

	// The visitor sends; both sides get the message, stored as the second.
	visitorWS.send(t, map[string]any{"type": "send", "conversation_id": conv, "body": "Do you ship to Belgium?", "client_id": "v-1"})
	own := visitorWS.expect(t, "message", withClientID("v-1"))
	got := aliceWS.expect(t, "message", func(ev map[string]any) bool { return num(path(ev, "message", "seq")) == 2 })
	if num(path(own, "message", "seq")) != 2 || path(got, "message", "body") != "Do you ship to Belgium?" || path(got, "message", "author", "kind") != "visitor" || num(got["conversation_id"]) != conv {
		t.Fatalf("visitor's send: the visitor got %v, the operator %v", own, got)
	}

	// The operator answers the same way, under their chat name.
	aliceWS.send(t, map[string]any{"type": "send", "conversation_id": conv, "body": "We do.", "client_id": "op-1"})
	own = aliceWS.expect(t, "message", withClientID("op-1"))
	got = visitorWS.expect(t, "message", func(ev map[string]any) bool { return num(path(ev, "message", "seq")) == 3 })
	if num(path(own, "message", "seq")) != 3 || path(got, "message", "author", "name") != "Alice" || path(got, "message", "body") != "We do." {
		t.Fatalf("operator's send: the operator got %v, the visitor %v", own, got)
	}

	// A resend (the answer was lost, say) is answered with the message already stored,
	// to the sender only.
	visitorWS.send(t, map[string]any{"type": "send", "conversation_id": conv, "body": "Do you ship to Belgium?", "client_id": "v-1"})
	if again := visitorWS.expect(t, "message", withClientID("v-1")); num(path(again, "message", "seq")) != 2 {
		t.Fatalf("resend answered %v, want the stored message 2", again)
	}
	aliceWS.quiet(t, "message", 200*time.Millisecond)

	// Bad frames are answered with an error naming the frame; nothing is stored.
	for _, c := range []struct {
		frame map[string]any
		code  string
	}{
		{map[string]any{"type": "send", "conversation_id": conv, "body": "", "client_id": "v-2"}, "EINVALID"},
		{map[string]any{"type": "send", "conversation_id": conv, "body": strings.Repeat("é", 4001), "client_id": "v-3"}, "ETOOLARGE"},
		{map[string]any{"type": "send", "conversation_id": conv + 100, "body": "Hi", "client_id": "v-4"}, "ENOTFOUND"},
		{map[string]any{"type": "send", "conversation_id": conv, "body": "Hi"}, "EINVALID"},
	} {
		visitorWS.send(t, c.frame)
		ev := visitorWS.expect(t, "error", nil)
		if path(ev, "error", "code") != c.code || (c.frame["client_id"] != nil && ev["client_id"] != c.frame["client_id"]) {
			t.Fatalf("frame %.80v answered %v, want %s naming its client_id", c.frame, ev, c.code)
		}
	}
	var msgs []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, nil).decode(t, &msgs)
	if len(msgs) != 3 || msgs[1]["body"] != "Do you ship to Belgium?" || msgs[2]["body"] != "We do." {
		t.Fatalf("stored messages = %v", msgs)
	}

	// Once the conversation has ended, a send is refused; the socket stays open.
	s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", conv), alice, nil)
	aliceWS.send(t, map[string]any{"type": "send", "conversation_id": conv, "body": "Still there?", "client_id": "op-2"})
	if ev := aliceWS.expect(t, "error", nil); path(ev, "error", "code") != "ECONFLICT" || ev["client_id"] != "op-2" {
		t.Fatalf("send to an ended conversation answered %v", ev)
	}
	aliceWS.send(t, map[string]any{"type": "typing", "conversation_id": conv + 100})
	aliceWS.expect(t, "error", nil)
}
