package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// A visitor and an operator hold a whole conversation through the API and WebSockets.
func TestConversationEndToEnd(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	s.must(t, 200, "PUT", "/api/languages/fr", admin, map[string]bool{"enabled": true})
	aliceID, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	_, bob := s.mustOperator(t, admin, "bob", nil)
	s.must(t, 200, "PATCH", "/api/me/preferences", alice, map[string]any{"chat_languages": []string{"fr"}})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "welcome_message": "Hello!", "button_color": "#1A73E8"})
	for _, tok := range []string{alice, bob} {
		joined := s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), tok, nil).object(t)
		if joined["joined"] != true {
			t.Fatalf("join answered joined=%v", joined["joined"])
		}
	}
	aliceWS := s.console(t, alice)
	bobWS := s.console(t, bob)

	status := s.must(t, 200, "GET", fmt.Sprintf("/livechat/channels/%d", ch), "", nil).object(t)
	if status["available"] != true || status["online"] != true || status["welcome_message"] != "Hello!" || status["button_color"] != "#1A73E8" || status["button_text_color"] != "#FFFFFF" {
		t.Fatalf("channel status = %v", status)
	}

	// The visitor's browser speaks Belgian French: Alice, who chats in French, gets it.
	started := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{
		"body": "Bonjour, j'ai une question", "languages": []string{"fr-BE", "en"}, "page_url": "https://example.com/pricing",
	}).object(t)
	visitor, _ := started["visitor_token"].(string)
	conv := num(path(started, "conversation", "id"))
	if visitor == "" || conv == 0 {
		t.Fatalf("start answered %v", started)
	}
	if got := path(started, "conversation", "status"); got != "active" {
		t.Fatalf("status %v, want active", got)
	}
	if got := path(started, "conversation", "language"); got != "fr" {
		t.Fatalf("language %v, want fr", got)
	}
	if got := path(started, "conversation", "operator", "name"); got != "Alice" {
		t.Fatalf("operator name %v, want the chat name Alice", got)
	}
	if got := path(started, "message", "seq"); num(got) != 1 {
		t.Fatalf("first message seq %v, want 1", got)
	}
	ev := aliceWS.expect(t, "conversation", func(ev map[string]any) bool { return num(path(ev, "conversation", "id")) == conv })
	if num(path(ev, "conversation", "operator", "id")) != aliceID || num(path(ev, "conversation", "unread")) != 1 {
		t.Fatalf("conversation event = %v", ev)
	}
	aliceWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == "Bonjour, j'ai une question" })
	bobWS.quiet(t, "conversation", 100*time.Millisecond)

	visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)

	// Typing goes both ways, with the chat name towards the visitor.
	aliceWS.send(t, map[string]any{"type": "typing", "conversation_id": conv})
	if ev := visitorWS.expect(t, "typing", nil); ev["name"] != "Alice" || num(ev["conversation_id"]) != conv {
		t.Fatalf("typing event = %v", ev)
	}
	visitorWS.send(t, map[string]any{"type": "typing", "conversation_id": conv})
	aliceWS.expect(t, "typing", func(ev map[string]any) bool { return num(ev["conversation_id"]) == conv })

	// The operator answers; the visitor sees it live, with the chat name only.
	reply := s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]string{"body": "Bonjour ! Comment puis-je aider ?"}).object(t)
	if num(reply["seq"]) != 2 || path(reply, "author", "kind") != "operator" || path(reply, "author", "name") != "Alice" {
		t.Fatalf("reply = %v", reply)
	}
	ev = visitorWS.expect(t, "message", nil)
	if path(ev, "message", "body") != "Bonjour ! Comment puis-je aider ?" || path(ev, "message", "author", "name") != "Alice" {
		t.Fatalf("visitor got %v", ev)
	}

	// The visitor writes again; the operator sees it and it counts as unread.
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, map[string]string{"body": "Quels sont vos prix ?"})
	aliceWS.expect(t, "message", func(ev map[string]any) bool { return num(path(ev, "message", "seq")) == 3 })
	var list []map[string]any
	s.must(t, 200, "GET", "/api/conversations", alice, nil).decode(t, &list)
	if len(list) != 1 || num(list[0]["unread"]) != 1 || path(list[0], "last_message", "body") != "Quels sont vos prix ?" || path(list[0], "visitor", "name") == "" {
		t.Fatalf("alice's conversations = %v", list)
	}
	s.must(t, 204, "POST", fmt.Sprintf("/api/conversations/%d/read", conv), alice, map[string]int{"seq": 3})
	s.must(t, 200, "GET", "/api/conversations", alice, nil).decode(t, &list)
	if num(list[0]["unread"]) != 0 {
		t.Fatalf("unread after read = %v", list[0]["unread"])
	}

	// A reconnecting client asks for what it missed.
	var msgs []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages?after=1", conv), visitor, nil).decode(t, &msgs)
	if len(msgs) != 2 || num(msgs[0]["seq"]) != 2 || num(msgs[1]["seq"]) != 3 {
		t.Fatalf("messages after 1 = %v", msgs)
	}

	// The visitor leaves; the operator sees the notice, then the visitor rates.
	ended := s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", conv), visitor, nil).object(t)
	if ended["status"] != "ended" || ended["ended_at"] == nil {
		t.Fatalf("end = %v", ended)
	}
	ev = aliceWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "author", "kind") == "system" })
	if path(ev, "message", "body") != "Visitor left the conversation." {
		t.Fatalf("system message = %v", ev)
	}
	aliceWS.expect(t, "conversation", func(ev map[string]any) bool { return path(ev, "conversation", "status") == "ended" })
	s.must(t, 409, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]string{"body": "still there?"})
	rated := s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/rating", conv), visitor, map[string]any{"score": 5, "comment": "Merci"}).object(t)
	if num(path(rated, "rating", "score")) != 5 {
		t.Fatalf("rating = %v", rated)
	}
	s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, nil).decode(t, &msgs)
	if len(msgs) != 4 || msgs[3]["body"] != "Visitor left the conversation." {
		t.Fatalf("operator's history = %v", msgs)
	}

	// The same visitor comes back: the previous operator keeps them, even though Bob is idle.
	again := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{
		"body": "Me revoilà", "visitor_token": visitor, "languages": []string{"en"},
	}).object(t)
	if again["visitor_token"] != visitor || path(again, "conversation", "operator", "name") != "Alice" {
		t.Fatalf("returning visitor = %v", again)
	}
}

// With nobody online the conversation waits, and goes to the first operator who comes
// online, oldest first; the visitors still waiting learn their new place.
func TestQueueDrainsOldestFirst(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Sales", "max_ongoing_per_operator": 1})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)

	status := s.must(t, 200, "GET", fmt.Sprintf("/livechat/channels/%d", ch), "", nil).object(t)
	if status["available"] != false || status["online"] != false {
		t.Fatalf("channel status with nobody online = %v", status)
	}
	type visitor struct {
		token string
		conv  int64
	}
	var vs []visitor
	for i := range 3 {
		out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": fmt.Sprintf("hello %d", i)}).object(t)
		if path(out, "conversation", "status") != "queued" || num(path(out, "conversation", "queue_position")) != int64(i+1) || path(out, "conversation", "operator") != nil {
			t.Fatalf("visitor %d: %v", i, out)
		}
		vs = append(vs, visitor{out["visitor_token"].(string), num(path(out, "conversation", "id"))})
	}
	second := s.dial(t, "/livechat/ws?token="+vs[1].token, nil)
	first := s.dial(t, "/livechat/ws?token="+vs[0].token, nil)

	aliceWS := s.console(t, alice) // Alice comes online: the oldest is hers, the cap keeps the rest waiting.
	ev := aliceWS.expect(t, "conversation", nil)
	if num(path(ev, "conversation", "id")) != vs[0].conv || path(ev, "conversation", "status") != "active" {
		t.Fatalf("alice got %v, want conversation %d", ev, vs[0].conv)
	}
	if ev := first.expect(t, "conversation", nil); path(ev, "conversation", "status") != "active" || path(ev, "conversation", "operator", "name") != "Alice Doe" {
		t.Fatalf("first visitor got %v", ev)
	}
	if ev := second.expect(t, "conversation", nil); num(path(ev, "conversation", "queue_position")) != 1 {
		t.Fatalf("second visitor got %v, want queue position 1", ev)
	}

	// A visitor who gives up waiting lets those behind move up, and they are told.
	fourth := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "me too"}).object(t)
	fourthWS := s.dial(t, "/livechat/ws?token="+fourth["visitor_token"].(string), nil)
	if got := num(path(fourth, "conversation", "queue_position")); got != 3 {
		t.Fatalf("fourth visitor's place %d, want 3", got)
	}
	s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", vs[2].conv), vs[2].token, nil)
	if ev := fourthWS.expect(t, "conversation", nil); num(path(ev, "conversation", "queue_position")) != 2 {
		t.Fatalf("after the one ahead left, the fourth visitor got %v, want place 2", ev)
	}

	// Ending the chat frees Alice below the cap: the next in line is hers. Her own notice
	// of the end is not unread for her.
	s.must(t, 204, "POST", fmt.Sprintf("/api/conversations/%d/read", vs[0].conv), alice, map[string]int{"seq": 1})
	if ended := s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", vs[0].conv), alice, nil).object(t); num(ended["unread"]) != 0 {
		t.Fatalf("after ending it herself, %v unread", ended["unread"])
	}
	aliceWS.expect(t, "conversation", func(ev map[string]any) bool { return num(path(ev, "conversation", "id")) == vs[1].conv })
	if ev := fourthWS.expect(t, "conversation", nil); num(path(ev, "conversation", "queue_position")) != 1 {
		t.Fatalf("fourth visitor got %v, want place 1", ev)
	}
}

// Leaving a channel stops new conversations; an operator with no console is never chosen.
func TestLeaveAndOfflineOperatorsAreNotChosen(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	_, bob := s.mustOperator(t, admin, "bob", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), bob, nil) // Bob has no console open
	s.console(t, alice)

	out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hi"}).object(t)
	if path(out, "conversation", "operator", "name") != "Alice Doe" {
		t.Fatalf("got %v, want Alice (Bob is offline)", out)
	}
	left := s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/leave", ch), alice, nil).object(t)
	if left["joined"] != false {
		t.Fatalf("leave answered %v", left)
	}
	out = s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hi again"}).object(t)
	if path(out, "conversation", "status") != "queued" {
		t.Fatalf("after Alice left, got %v, want queued", out)
	}
	// Her ongoing conversation stays hers.
	var list []map[string]any
	s.must(t, 200, "GET", "/api/conversations", alice, nil).decode(t, &list)
	if len(list) != 1 || list[0]["status"] != "active" {
		t.Fatalf("alice's conversations after leaving = %v", list)
	}
}

// The thirty-minute rule over a real WebSocket, with a short timeout: an operator who
// shows no activity is removed from their channels and told so.
func TestInactivityRemovesOperatorFromChannels(t *testing.T) {
	s := mustStart(t, "", func(c *Config) { c.InactivityTimeout = 400 * time.Millisecond })
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	_, bob := s.mustOperator(t, admin, "bob", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), bob, nil)
	aliceWS := s.console(t, alice)
	bobWS := s.console(t, bob)

	// Bob keeps showing activity; Alice does not.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				bobWS.conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"activity"}`))
			}
		}
	}()
	ev := aliceWS.expect(t, "channel", func(ev map[string]any) bool { return path(ev, "channel", "joined") == false })
	if num(path(ev, "channel", "id")) != ch {
		t.Fatalf("channel event = %v", ev)
	}
	var chans []map[string]any
	s.must(t, 200, "GET", "/api/channels", alice, nil).decode(t, &chans)
	if chans[0]["joined"] != false {
		t.Fatalf("alice still joined: %v", chans[0])
	}
	s.must(t, 200, "GET", "/api/channels", bob, nil).decode(t, &chans)
	if chans[0]["joined"] != true {
		t.Fatalf("active bob was removed: %v", chans[0])
	}
	out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hi"}).object(t)
	if path(out, "conversation", "operator", "name") != "Bob Doe" {
		t.Fatalf("got %v, want Bob", out)
	}
}

// Messages survive a restart on the same database file, and numbering goes on.
func TestMessagesSurviveRestart(t *testing.T) {
	db := t.TempDir() + "/parley.db"
	s := mustStart(t, db)
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	s.console(t, alice)
	out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "before restart"}).object(t)
	visitor, conv := out["visitor_token"].(string), num(path(out, "conversation", "id"))
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]string{"body": "answer before restart"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustStart(t, db)
	alice = s.login(t, "alice", "password-alice") // sessions survive too, but log in as a person would
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, map[string]string{"body": "after restart"})
	var msgs []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, nil).decode(t, &msgs)
	want := []string{"before restart", "answer before restart", "after restart"}
	if len(msgs) != len(want) {
		t.Fatalf("messages after restart = %v", msgs)
	}
	for i, w := range want {
		if msgs[i]["body"] != w || num(msgs[i]["seq"]) != int64(i+1) {
			t.Fatalf("message %d = %v, want %q with seq %d", i, msgs[i], w, i+1)
		}
	}
}

// Many visitors start at once: no operator passes the cap, none is assigned twice.
func TestConcurrentStartsRespectTheCap(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "max_ongoing_per_operator": 2})
	var tokens []string
	for i := range 5 {
		_, tok := s.mustOperator(t, admin, fmt.Sprintf("op%d", i), nil)
		s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), tok, nil)
		s.console(t, tok)
		tokens = append(tokens, tok)
	}
	const visitors = 40
	results := make(chan response, visitors)
	for i := range visitors {
		go func() {
			results <- s.call(t, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": fmt.Sprintf("visitor %d", i)})
		}()
	}
	active, queued := 0, 0
	for range visitors {
		r := <-results
		if r.Status != http.StatusCreated {
			t.Fatalf("start: %d %s", r.Status, r.Body)
		}
		switch path(r.object(t), "conversation", "status") {
		case "active":
			active++
		case "queued":
			queued++
		}
	}
	if active != 10 || queued != 30 {
		t.Fatalf("active %d, queued %d; want 10 and 30", active, queued)
	}
	seen := make(map[int64]bool)
	for i, tok := range tokens {
		var list []map[string]any
		s.must(t, 200, "GET", "/api/conversations", tok, nil).decode(t, &list)
		if len(list) != 2 {
			t.Errorf("operator %d holds %d conversations, want 2 (the cap)", i, len(list))
		}
		for _, c := range list {
			id := num(c["id"])
			if seen[id] {
				t.Errorf("conversation %d assigned twice", id)
			}
			seen[id] = true
		}
	}
}

func TestHealthAndMetrics(t *testing.T) {
	s := mustStart(t, "")
	if got := s.must(t, 200, "GET", "/healthz", "", nil).object(t); got["status"] != "ok" {
		t.Fatalf("healthz = %v", got)
	}
	s.must(t, 200, "GET", "/api/me", s.adminToken(t), nil)
	body := string(s.must(t, 200, "GET", "/metrics", "", nil).Body)
	for _, want := range []string{`parley_http_requests_total{code="200",route="GET /api/me"} 1`, "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// The widget's channel status says whether a new conversation would be assigned now: not
// while every online operator of the channel is at its cap, again once one has room.
func TestChannelStatusAtTheCap(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	_, alice := s.mustOperator(t, admin, "alice", nil)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "max_ongoing_per_operator": 1})
	other := s.mustChannel(t, admin, map[string]any{"name": "Sales", "max_ongoing_per_operator": 1})
	for _, c := range []int64{ch, other} {
		s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", c), alice, nil)
	}
	s.console(t, alice)
	status := func(c int64) (available, online any) {
		st := s.must(t, 200, "GET", fmt.Sprintf("/livechat/channels/%d", c), "", nil).object(t)
		return st["available"], st["online"]
	}
	if a, o := status(ch); a != true || o != true {
		t.Fatalf("before any chat: available %v, online %v", a, o)
	}
	first, _, _ := s.startTransferChat(t, ch, "Hello?")
	if a, o := status(ch); a != false || o != true {
		t.Errorf("Alice at the cap: available %v, online %v; want false, true", a, o)
	}
	if a, _ := status(other); a != true {
		t.Errorf("another channel of Alice's, under its cap: available %v", a)
	}
	s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", first), alice, nil)
	if a, _ := status(ch); a != true {
		t.Errorf("Alice's chat ended: available %v", a)
	}
}
