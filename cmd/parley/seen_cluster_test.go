package main

import (
	"fmt"
	"testing"

	"github.com/coder/websocket"
	"github.com/parleychat/parley"
)

// On two servers: the operator's read on one reaches the visitor's widget on the other;
// a chat name changed through one names the next message sent on a console WebSocket of
// the other; a conversation whose visitor has no widget open anywhere ends, while one
// whose widget is open on the other server stays, until it closes.
func TestClusterSeenChatNameAndAbandon(t *testing.T) {
	t.Setenv("PARLEY_ABANDON_AFTER", "2s") // the servers' processes inherit it
	c := mustCluster(t)
	a, b := c.servers[0], c.servers[1]
	admin := c.lb.adminToken(t)
	_, alice := c.lb.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	ch := c.lb.mustChannel(t, admin, map[string]any{"name": "Website"})
	c.lb.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	aliceWS := a.console(t, alice)
	waitAvailable(t, c, ch)

	conv, visitor := b.visitorStart(t, ch, "Vi", "Hello from B")
	visitorWS := b.dial(t, "/livechat/ws?token="+visitor, nil)

	// Seen: read on A, told on B.
	a.must(t, 204, "POST", fmt.Sprintf("/api/conversations/%d/read", conv), alice, map[string]int{"seq": 1})
	if ev := visitorWS.expect(t, "read", nil); num(ev["conversation_id"]) != conv || num(ev["seq"]) != 1 {
		t.Fatalf("read event on B = %v", ev)
	}
	got := b.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", conv), visitor, nil).object(t)
	if num(got["operator_read_seq"]) != 1 {
		t.Fatalf("conversation on B = %v, want operator_read_seq 1", got)
	}

	// The chat name changes through B; once A has heard of it, the socket opened on A
	// before the change sends under the new name.
	b.must(t, 200, "PATCH", "/api/me/preferences", alice, map[string]string{"chat_name": "Alicia"})
	eventually(t, "A to know the new chat name", func() string {
		me := a.must(t, 200, "GET", "/api/me", alice, nil).object(t)
		if me["chat_name"] != "Alicia" {
			return fmt.Sprintf("chat name on A %v", me["chat_name"])
		}
		return ""
	})
	aliceWS.send(t, map[string]any{"type": "send", "conversation_id": conv, "body": "Hi from A", "client_id": "cluster-chat-name"})
	ev := visitorWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == "Hi from A" })
	if name := path(ev, "message", "author", "name"); name != "Alicia" {
		t.Fatalf("the visitor on B saw the message from %v, want Alicia", name)
	}

	// A visitor without a widget: their conversation ends; the one whose widget is open on
	// B, older, stays until it closes.
	ended := func(id int64) func(ev map[string]any) bool {
		return func(ev map[string]any) bool {
			return num(path(ev, "conversation", "id")) == id && path(ev, "conversation", "status") == "ended"
		}
	}
	gone, _ := a.visitorStart(t, ch, "Gone", "Hello from A")
	aliceWS.expect(t, "message", func(ev map[string]any) bool {
		return num(ev["conversation_id"]) == gone && path(ev, "message", "body") == parley.VisitorLeftMessage
	})
	aliceWS.expect(t, "conversation", ended(gone))
	got = b.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", conv), visitor, nil).object(t)
	if got["status"] != "active" {
		t.Fatalf("the conversation whose widget is open on B: %v, want active", got)
	}
	visitorWS.conn.Close(websocket.StatusGoingAway, "")
	aliceWS.expect(t, "conversation", ended(conv))
}
