package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
)

// startTransferChat starts a conversation as a new visitor and returns its id, the
// visitor's token and the whole answer.
func (s *testServer) startTransferChat(tb testing.TB, ch int64, body string) (int64, string, map[string]any) {
	tb.Helper()
	out := s.must(tb, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": body}).object(tb)
	return num(path(out, "conversation", "id")), out["visitor_token"].(string), out
}

func transferURL(conv int64) string { return fmt.Sprintf("/api/conversations/%d/transfer", conv) }

// isConversation matches the events about one conversation.
func isConversation(id int64) func(ev map[string]any) bool {
	return func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == id || num(ev["conversation_id"]) == id
	}
}

// An operator hands a conversation to a colleague: the visitor reads who joined and sees
// the new name, the colleague gets the conversation with its whole history (each
// operator's messages named by id), and it leaves the console of the one who handed it over.
func TestTransferToOperator(t *testing.T) {
	s := mustStart(t, "")
	admin, alice, ch, aliceWS := s.mustAliceOnline(t)
	aliceID := num(s.must(t, 200, "GET", "/api/me", alice, nil).object(t)["id"])
	bobID, bob := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	conv, visitor, _ := s.startTransferChat(t, ch, "Hello?")
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), bob, nil)
	bobWS := s.console(t, bob)
	visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]string{"body": "Let me ask Bob."})
	aliceWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == "Let me ask Bob." })

	out := s.must(t, 200, "POST", transferURL(conv), alice, map[string]any{"operator_id": bobID}).object(t)
	if num(out["id"]) != conv || out["status"] != "active" || num(path(out, "operator", "id")) != bobID || path(out, "operator", "chat_name") != "Bob" {
		t.Fatalf("transfer answered %v", out)
	}

	// The visitor: the new name, then the notice.
	visitorWS.expect(t, "conversation", func(ev map[string]any) bool { return path(ev, "conversation", "operator", "name") == "Bob" })
	ev := visitorWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "author", "kind") == "system" })
	if path(ev, "message", "body") != "Bob joined the conversation." {
		t.Errorf("the visitor's notice: %v", ev)
	}
	if got := s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", conv), visitor, nil).object(t); path(got, "operator", "name") != "Bob" {
		t.Errorf("the visitor's conversation names %v, want Bob", path(got, "operator", "name"))
	}

	// Bob: the conversation, its notice and its history.
	bobWS.expect(t, "conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == conv && num(path(ev, "conversation", "operator", "id")) == bobID
	})
	bobWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == "Bob joined the conversation." })
	var msgs []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", conv), bob, nil).decode(t, &msgs)
	if len(msgs) != 3 || msgs[0]["body"] != "Hello?" || msgs[1]["body"] != "Let me ask Bob." || msgs[2]["body"] != "Bob joined the conversation." {
		t.Fatalf("Bob reads %v", msgs)
	}
	if num(path(msgs[1], "author", "id")) != aliceID || path(msgs[1], "author", "name") != "Alice" {
		t.Errorf("Alice's message as Bob reads it: %v", msgs[1]["author"])
	}
	var list []map[string]any
	s.must(t, 200, "GET", "/api/conversations", bob, nil).decode(t, &list)
	if len(list) != 1 || num(list[0]["id"]) != conv {
		t.Errorf("Bob's conversations: %v", list)
	}

	// Alice: told it went to Bob; it is no longer hers.
	aliceWS.expect(t, "conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == conv && num(path(ev, "conversation", "operator", "id")) == bobID
	})
	s.must(t, 200, "GET", "/api/conversations", alice, nil).decode(t, &list)
	if len(list) != 0 {
		t.Errorf("Alice still lists %v", list)
	}
	if r := s.call(t, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]string{"body": "Still me"}); r.Status != 403 || r.errorCode(t) != "EFORBIDDEN" {
		t.Errorf("Alice writes after the transfer: %d %s", r.Status, r.Body)
	}

	// Bob answers; the visitor sees his name.
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), bob, map[string]string{"body": "Bob here."})
	ev = visitorWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == "Bob here." })
	if path(ev, "message", "author", "name") != "Bob" {
		t.Errorf("Bob's message reaches the visitor as %v", path(ev, "message", "author"))
	}
}

// The console's views of messages carry author.id for operators' messages; the visitor's
// never do, over REST or WebSocket.
func TestMessageAuthorIDs(t *testing.T) {
	s := mustStart(t, "")
	_, alice, ch, aliceWS := s.mustAliceOnline(t)
	aliceID := num(s.must(t, 200, "GET", "/api/me", alice, nil).object(t)["id"])
	conv, visitor, started := s.startTransferChat(t, ch, "Hi")
	visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)
	if _, ok := path(started, "message", "author").(map[string]any)["id"]; ok {
		t.Errorf("the start's message has an author id: %v", started["message"])
	}

	sent := s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, map[string]string{"body": "By REST"}).object(t)
	if num(path(sent, "author", "id")) != aliceID {
		t.Errorf("the send's answer: %v, want author id %d", sent["author"], aliceID)
	}
	aliceWS.send(t, map[string]any{"type": "send", "conversation_id": conv, "body": "By socket", "client_id": "c-1"})
	for _, body := range []string{"By REST", "By socket"} {
		ev := aliceWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == body })
		if num(path(ev, "message", "author", "id")) != aliceID {
			t.Errorf("%q on the operator's socket: author %v, want id %d", body, path(ev, "message", "author"), aliceID)
		}
		ev = visitorWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "body") == body })
		if _, ok := path(ev, "message", "author").(map[string]any)["id"]; ok || path(ev, "message", "author", "name") != "Alice" {
			t.Errorf("%q on the visitor's socket: author %v, want the name alone", body, path(ev, "message", "author"))
		}
	}
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, map[string]string{"body": "Thanks"})

	var forOperator, forVisitor []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", conv), alice, nil).decode(t, &forOperator)
	s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, nil).decode(t, &forVisitor)
	if len(forOperator) != 4 || len(forVisitor) != 4 {
		t.Fatalf("operator reads %d messages, visitor %d; want 4", len(forOperator), len(forVisitor))
	}
	for i := range forOperator {
		a := forOperator[i]["author"].(map[string]any)
		_, has := a["id"]
		if want := a["kind"] == "operator"; has != want || (want && num(a["id"]) != aliceID) {
			t.Errorf("operator reads message %d with author %v", i+1, a)
		}
		if _, ok := forVisitor[i]["author"].(map[string]any)["id"]; ok {
			t.Errorf("visitor reads message %d with author %v", i+1, forVisitor[i]["author"])
		}
	}
}

// A conversation moved to another channel goes to a member there, or waits in its queue
// (the visitor sees their place) until one comes.
func TestTransferToChannel(t *testing.T) {
	s := mustStart(t, "")
	admin, alice, web, _ := s.mustAliceOnline(t)
	carolID, carol := s.mustOperator(t, admin, "carol", map[string]any{"chat_name": "Carol"})
	_, dave := s.mustOperator(t, admin, "dave", map[string]any{"chat_name": "Dave"})
	sales := s.mustChannel(t, admin, map[string]any{"name": "Sales"})
	billing := s.mustChannel(t, admin, map[string]any{"name": "Billing"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", sales), carol, nil)
	carolWS := s.console(t, carol)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", billing), dave, nil) // but not online

	t.Run("assigned there", func(t *testing.T) {
		conv, visitor, _ := s.startTransferChat(t, web, "I want to buy")
		visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)
		out := s.must(t, 200, "POST", transferURL(conv), alice, map[string]any{"channel_id": sales}).object(t)
		if num(out["channel_id"]) != sales || num(path(out, "operator", "id")) != carolID || out["status"] != "active" {
			t.Fatalf("transfer answered %v", out)
		}
		ev := visitorWS.expect(t, "message", func(ev map[string]any) bool { return path(ev, "message", "author", "kind") == "system" })
		if path(ev, "message", "body") != "Carol joined the conversation." {
			t.Errorf("the visitor's notice: %v", ev)
		}
		carolWS.expect(t, "conversation", isConversation(conv))
	})

	t.Run("queued there", func(t *testing.T) {
		conv, visitor, _ := s.startTransferChat(t, web, "My invoice")
		visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)
		out := s.must(t, 200, "POST", transferURL(conv), alice, map[string]any{"channel_id": billing}).object(t)
		if num(out["channel_id"]) != billing || out["operator"] != nil || out["status"] != "queued" {
			t.Fatalf("transfer answered %v", out)
		}
		ev := visitorWS.expect(t, "conversation", func(ev map[string]any) bool { return path(ev, "conversation", "status") == "queued" })
		if num(path(ev, "conversation", "queue_position")) != 1 || path(ev, "conversation", "operator") != nil {
			t.Errorf("the visitor's conversation: %v", ev)
		}
		// Dave comes online: he gets it, and the visitor sees his name.
		s.console(t, dave)
		ev = visitorWS.expect(t, "conversation", func(ev map[string]any) bool { return path(ev, "conversation", "status") == "active" })
		if path(ev, "conversation", "operator", "name") != "Dave" {
			t.Errorf("the visitor's conversation once assigned: %v", ev)
		}
	})
}

// Leaving gives the conversation to another operator of the channel, never back to the
// one who left, or queues it; the queue then passes over it for them.
func TestLeaveConversation(t *testing.T) {
	s := mustStart(t, "")
	admin, alice, ch, aliceWS := s.mustAliceOnline(t)
	bobID, bob := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	conv, visitor, _ := s.startTransferChat(t, ch, "Hello")
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), bob, nil)
	bobWS := s.console(t, bob)
	visitorWS := s.dial(t, "/livechat/ws?token="+visitor, nil)

	out := s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/leave", conv), alice, nil).object(t)
	if num(path(out, "operator", "id")) != bobID {
		t.Fatalf("leave answered %v", out)
	}
	if ev := visitorWS.expect(t, "message", nil); path(ev, "message", "body") != "Bob joined the conversation." {
		t.Errorf("the visitor's notice: %v", ev)
	}
	if r := s.call(t, "POST", fmt.Sprintf("/api/conversations/%d/leave", conv), alice, nil); r.Status != 403 || r.errorCode(t) != "EFORBIDDEN" {
		t.Errorf("Alice leaves again: %d %s", r.Status, r.Body)
	}

	// Bob leaves with nobody else available but Alice, who handed it over once but is
	// not the one leaving now: she gets it back.
	bobWS.expect(t, "conversation", isConversation(conv))
	out = s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/leave", conv), bob, nil).object(t)
	if path(out, "operator", "chat_name") != "Alice" {
		t.Fatalf("Bob's leave answered %v", out)
	}

	// Alice leaves a second conversation with Bob gone: it waits, and the next visitor,
	// younger, goes to Alice ahead of it.
	bobWS.conn.CloseNow()
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/leave", ch), bob, nil)
	other, _, _ := s.startTransferChat(t, ch, "Second")
	out = s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/leave", other), alice, nil).object(t)
	if out["status"] != "queued" || out["operator"] != nil {
		t.Fatalf("leaving with nobody else: %v", out)
	}
	third, _, started := s.startTransferChat(t, ch, "Third")
	if path(started, "conversation", "status") != "active" || path(started, "conversation", "operator", "name") != "Alice" {
		t.Errorf("a younger conversation: %v; want it given to Alice", started["conversation"])
	}
	aliceWS.expect(t, "conversation", isConversation(third))
	if c := s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d", other), admin, nil).object(t); c["status"] != "queued" {
		t.Errorf("the conversation Alice left: %v; want still queued", c)
	}
}

// Each refusal is the right 4xx with a message that says why, and changes nothing.
func TestTransferRefusals(t *testing.T) {
	s := mustStart(t, "")
	admin, alice, ch, _ := s.mustAliceOnline(t)
	s.must(t, 200, "PATCH", fmt.Sprintf("/api/channels/%d", ch), admin, map[string]any{"max_ongoing_per_operator": 1})
	bobID, bob := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	carolID, carol := s.mustOperator(t, admin, "carol", map[string]any{"chat_name": "Carol"})
	eveID, _ := s.mustOperator(t, admin, "eve", map[string]any{"chat_name": "Eve"})
	_, mallory := s.mustOperator(t, admin, "mallory", nil)
	other := s.mustChannel(t, admin, map[string]any{"name": "Elsewhere"})
	conv, _, _ := s.startTransferChat(t, ch, "Hello") // Alice's
	for _, tok := range []string{bob, carol} {
		s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), tok, nil)
	}
	s.console(t, bob)
	bobsConv, _, started := s.startTransferChat(t, ch, "Hi Bob") // Bob's: he is at the cap of 1
	if num(path(started, "conversation", "id")) != bobsConv || path(started, "conversation", "operator", "name") != "Bob" {
		t.Fatalf("set-up: %v", started)
	}
	ended, _, _ := s.startTransferChat(t, other, "Nobody here") // queued in Elsewhere
	s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", ended), admin, nil)

	for _, tc := range []struct {
		name   string
		token  string
		conv   int64
		body   any
		status int
		code   string
		msg    string
	}{
		{"offline", alice, conv, map[string]any{"operator_id": carolID}, 409, "ECONFLICT", "Carol is offline."},
		{"over the cap", alice, conv, map[string]any{"operator_id": bobID}, 409, "ECONFLICT", "Bob already holds 1 conversation, the channel's limit."},
		{"not a member", alice, conv, map[string]any{"operator_id": eveID}, 409, "ECONFLICT", "Eve is not a member of Website."},
		{"to its own operator", alice, conv, map[string]any{"operator_id": num(s.must(t, 200, "GET", "/api/me", alice, nil).object(t)["id"])}, 409, "ECONFLICT", "Alice already holds this conversation."},
		{"ended", admin, ended, map[string]any{"channel_id": ch}, 409, "ECONFLICT", fmt.Sprintf("Conversation %d has ended: it can no longer be transferred.", ended)},
		{"not your conversation", carol, conv, map[string]any{"channel_id": ch}, 403, "EFORBIDDEN", fmt.Sprintf("Conversation %d is assigned to another operator.", conv)},
		{"outside the channel", mallory, conv, map[string]any{"channel_id": other}, 403, "EFORBIDDEN", fmt.Sprintf("Conversation %d is not yours.", conv)},
		{"unknown conversation", alice, 999999, map[string]any{"channel_id": ch}, 404, "ENOTFOUND", "Conversation 999999 not found."},
		{"unknown operator", alice, conv, map[string]any{"operator_id": 999999}, 400, "EINVALID", "There is no operator with id 999999."},
		{"unknown channel", alice, conv, map[string]any{"channel_id": 999999}, 400, "EINVALID", "There is no channel with id 999999."},
		{"both", alice, conv, map[string]any{"operator_id": bobID, "channel_id": ch}, 400, "EINVALID", `Give exactly one of "operator_id" and "channel_id".`},
		{"neither", alice, conv, map[string]any{}, 400, "EINVALID", `Give exactly one of "operator_id" and "channel_id".`},
		{"zero", alice, conv, map[string]any{"operator_id": 0}, 400, "EINVALID", `Field "operator_id" must be a positive integer.`},
		{"a name for an id", alice, conv, map[string]any{"operator_id": "Bob"}, 400, "EINVALID", `Field "operator_id" must be of type number.`},
		{"unknown field", alice, conv, map[string]any{"operator": bobID}, 400, "EINVALID", `Unknown field "operator".`},
		{"no body", alice, conv, nil, 400, "EINVALID", "Request body is empty; a JSON object is expected."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.call(t, "POST", transferURL(tc.conv), tc.token, tc.body)
			if r.Status != tc.status || r.errorCode(t) != tc.code {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
			var e struct {
				Error struct{ Message string } `json:"error"`
			}
			r.decode(t, &e)
			if e.Error.Message != tc.msg {
				t.Errorf("message %q, want %q", e.Error.Message, tc.msg)
			}
		})
	}
	c := s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d", conv), admin, nil).object(t)
	if c["status"] != "active" || path(c, "operator", "chat_name") != "Alice" || num(path(c, "last_message", "seq")) != 1 {
		t.Errorf("after the refusals: %v; want Alice's, with its one message", c)
	}
}

// Many transfers and starts at once: no operator goes past the cap, and no conversation
// is held by two operators.
func TestConcurrentTransfersRespectTheCap(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	const capacity = 2
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "max_ongoing_per_operator": capacity})
	var tokens []string
	var ids []int64
	for i := range 4 {
		id, tok := s.mustOperator(t, admin, fmt.Sprintf("op%d", i), nil)
		s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), tok, nil)
		s.console(t, tok)
		tokens, ids = append(tokens, tok), append(ids, id)
	}
	var convs []int64
	for i := range 6 {
		conv, _, _ := s.startTransferChat(t, ch, fmt.Sprintf("before %d", i))
		convs = append(convs, conv)
	}

	ready := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	for i := range 40 {
		r := rand.New(rand.NewPCG(uint64(i), 2))
		conv, to := convs[r.IntN(len(convs))], ids[r.IntN(len(ids))]
		wg.Go(func() {
			<-ready
			// The admin may transfer any conversation; a colleague at the cap, or the
			// conversation's own operator, is refused with 409.
			resp := s.call(t, "POST", transferURL(conv), admin, map[string]any{"operator_id": to})
			if resp.Status != http.StatusOK && resp.Status != http.StatusConflict {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("transfer %d to %d: %d %s", conv, to, resp.Status, resp.Body))
				mu.Unlock()
			}
		})
	}
	for i := range 10 {
		wg.Go(func() {
			<-ready
			resp := s.call(t, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": fmt.Sprintf("during %d", i)})
			if resp.Status != http.StatusCreated {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("start: %d %s", resp.Status, resp.Body))
				mu.Unlock()
			}
		})
	}
	close(ready)
	wg.Wait()
	for _, b := range bad {
		t.Error(b)
	}

	seen := map[int64]int{}
	total := 0
	for i, tok := range tokens {
		var list []map[string]any
		s.must(t, 200, "GET", "/api/conversations", tok, nil).decode(t, &list)
		if len(list) > capacity {
			t.Errorf("operator %d holds %d conversations, over the cap of %d", i, len(list), capacity)
		}
		for _, c := range list {
			id := num(c["id"])
			if other, ok := seen[id]; ok {
				t.Errorf("conversation %d held by operators %d and %d", id, other, i)
			}
			seen[id] = i
			if num(path(c, "operator", "id")) != ids[i] {
				t.Errorf("conversation %d listed for operator %d names operator %v", id, i, path(c, "operator", "id"))
			}
		}
		total += len(list)
	}
	if total != 4*capacity {
		t.Errorf("%d conversations held, want %d: 16 conversations, 8 places", total, 4*capacity)
	}
}
