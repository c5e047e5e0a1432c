package main

import (
	"fmt"
	"testing"
)

// A first-time visitor's first message whose answer was lost is sent again without a
// token (the widget has none yet) and with the same client_id: the server answers the
// same conversation and message, 200 rather than 201, with a token that works for it.
// There is one visitor, one conversation, one message. A short client_id, which could
// be guessed, is not honoured so.
func TestFirstMessageResentWithoutToken(t *testing.T) {
	s := mustStart(t, "", func(c *Config) { c.RateLimit = true })
	_, alice, ch, aliceWS := s.mustAliceOnline(t)
	startPath := fmt.Sprintf("/livechat/channels/%d/conversations", ch)

	const key = "5f0c2b9e7a1d4c3b8e6f0a9d2c4b7e1f" // as the widget makes them: 16 random bytes in hex
	first := s.must(t, 201, "POST", startPath, "", map[string]any{"body": "Hello", "client_id": key}).object(t)
	aliceWS.expect(t, "message", nil)
	again := s.must(t, 200, "POST", startPath, "", map[string]any{"body": "Hello", "client_id": key}).object(t)

	conv := num(path(first, "conversation", "id"))
	if num(path(again, "conversation", "id")) != conv || num(path(again, "message", "seq")) != 1 || path(again, "message", "client_id") != key {
		t.Fatalf("the resend answered %v, want conversation %d and its first message", again, conv)
	}
	token, old := again["visitor_token"].(string), first["visitor_token"].(string)
	if token == "" || token == old {
		t.Fatalf("the resend's token %q (the first was %q)", token, old)
	}
	var msgs []map[string]any
	s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", conv), token, nil).decode(t, &msgs)
	if len(msgs) != 1 || msgs[0]["body"] != "Hello" {
		t.Fatalf("messages read with the resend's token: %v", msgs)
	}
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), token, map[string]any{"body": "Are you there?", "client_id": "m-2"})
	// The first token, which never reached the widget, was replaced.
	if r := s.call(t, "GET", fmt.Sprintf("/livechat/conversations/%d", conv), old, nil); r.Status != 401 {
		t.Fatalf("the replaced token answered %d", r.Status)
	}
	// The operator has one conversation, of one visitor, and no second start's events.
	var list []map[string]any
	s.must(t, 200, "GET", "/api/conversations", alice, nil).decode(t, &list)
	if len(list) != 1 || num(list[0]["id"]) != conv {
		t.Fatalf("the operator's conversations: %v", list)
	}
	if ev := aliceWS.expect(t, "message", nil); path(ev, "message", "body") != "Are you there?" {
		t.Fatalf("the operator received %v", ev)
	}
	// The start of the resend's token in the same channel is the same visitor's.
	next := s.must(t, 201, "POST", startPath, "", map[string]any{"body": "Another thing", "client_id": "9e1f0c2b5f7a1d4c3b8e6f0a9d2c4b7e", "visitor_token": token}).object(t)
	if path(next, "visitor_token") != token {
		t.Fatalf("a start with the resend's token answered another token: %v", next)
	}
	s.must(t, 200, "GET", "/api/conversations", alice, nil).decode(t, &list)
	if len(list) != 2 || path(list[0], "visitor", "name") != path(list[1], "visitor", "name") {
		t.Fatalf("the operator's conversations: %v; want two of one visitor", list)
	}

	// A short client_id is not a credential: its resend starts over, as without one.
	short := s.must(t, 201, "POST", startPath, "", map[string]any{"body": "Hi", "client_id": "c-1"}).object(t)
	if r := s.must(t, 201, "POST", startPath, "", map[string]any{"body": "Hi", "client_id": "c-1"}).object(t); num(path(r, "conversation", "id")) == num(path(short, "conversation", "id")) {
		t.Fatalf("a short client_id's resend answered the same conversation: %v", r)
	}
}
