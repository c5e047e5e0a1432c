package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Offer and accept over the API, on a real server: a channel with offer_seconds offers
// each new conversation to the operator the rules choose, whose console gets an offer
// event; only they may accept it, and then it is theirs as an assignment at once makes
// it. A decline passes it on at once; an operator who misses two offers in a row is set
// away (shown away to others, set aside by the rules) until they say they are back.
func TestOffers(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	aliceID, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	_, bob := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "offer_seconds": 20})
	chPath := fmt.Sprintf("/api/channels/%d", ch)
	if r := s.call(t, "PATCH", chPath, admin, map[string]any{"offer_seconds": 5}); r.Status != 400 || r.errorCode(t) != "EINVALID" {
		t.Errorf("offer_seconds 5: %d %s, want 400 EINVALID", r.Status, r.Body)
	}
	if got := num(s.must(t, 200, "GET", chPath, admin, nil).object(t)["offer_seconds"]); got != 20 {
		t.Errorf("offer_seconds = %d, want 20", got)
	}
	for _, token := range []string{alice, bob} {
		s.must(t, 200, "POST", chPath+"/join", token, nil)
	}
	aliceWS, bobWS := s.console(t, alice), s.console(t, bob)
	tokens := map[int64]string{} // the visitors' tokens, by conversation
	start := func(body string) int64 {
		t.Helper()
		out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": body, "visitor_name": "Ann"}).object(t)
		if got := path(out, "conversation", "status"); got != "queued" {
			t.Errorf("started %v, want queued while offered", got)
		}
		id := num(path(out, "conversation", "id"))
		tokens[id] = out["visitor_token"].(string)
		return id
	}
	offered := func(ws *wsClient, id int64) map[string]any {
		t.Helper()
		return ws.expect(t, "offer", func(ev map[string]any) bool { return num(path(ev, "offer", "conversation_id")) == id })
	}

	// Alice (first of equals) is offered the first conversation.
	first := start("Hello, is anyone there?")
	ev := offered(aliceWS, first)
	if path(ev, "offer", "first_message") != "Hello, is anyone there?" || num(path(ev, "offer", "seconds")) != 20 ||
		path(ev, "offer", "channel_name") != "Website" || path(ev, "offer", "visitor", "name") != "Ann" {
		t.Errorf("offer event %v", ev)
	}
	var offers struct {
		Offers []map[string]any `json:"offers"`
		Away   bool             `json:"away"`
	}
	s.must(t, 200, "GET", "/api/offers", alice, nil).decode(t, &offers)
	if len(offers.Offers) != 1 || num(offers.Offers[0]["conversation_id"]) != first || offers.Away {
		t.Errorf("alice's offers %+v", offers)
	}
	// Supervisors see it in the queue, offered to Alice.
	var live struct {
		Queued []map[string]any `json:"queued"`
	}
	s.must(t, 200, "GET", "/api/live", admin, nil).decode(t, &live)
	if len(live.Queued) != 1 || num(live.Queued[0]["offered_to"]) != aliceID || live.Queued[0]["offer_expires_at"] == nil {
		t.Errorf("live queue %v; want the first offered to alice", live.Queued)
	}
	// Only Alice may accept it.
	if r := s.call(t, "POST", fmt.Sprintf("/api/conversations/%d/accept", first), bob, nil); r.Status != 409 || r.errorCode(t) != "ECONFLICT" {
		t.Errorf("bob accepts alice's offer: %d %s, want 409 ECONFLICT", r.Status, r.Body)
	}
	got := s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/accept", first), alice, nil).object(t)
	if got["status"] != "active" || num(path(got, "operator", "id")) != aliceID {
		t.Errorf("accepted %v, want active with alice", got)
	}
	aliceWS.expect(t, "conversation", func(ev map[string]any) bool {
		return num(path(ev, "conversation", "id")) == first && path(ev, "conversation", "status") == "active"
	})
	aliceWS.expect(t, "offer_ended", func(ev map[string]any) bool { return num(ev["conversation_id"]) == first && ev["reason"] == "accepted" })
	if r := s.call(t, "POST", fmt.Sprintf("/api/conversations/%d/accept", first), alice, nil); r.Status != 409 {
		t.Errorf("accepted twice: %d %s, want 409", r.Status, r.Body)
	}
	routing := s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/routing", first), admin, nil).object(t)
	if sum, _ := path(routing, "latest", "summary").(string); !strings.HasPrefix(sum, "Offered to Alice, who accepted it") {
		t.Errorf("routing summary %q", sum)
	}

	// The second goes to Bob (Alice has one going); Bob declines: Alice is offered it.
	second := start("Second question")
	offered(bobWS, second)
	s.must(t, 204, "POST", fmt.Sprintf("/api/conversations/%d/decline", second), bob, nil)
	bobWS.expect(t, "offer_ended", func(ev map[string]any) bool {
		return num(ev["conversation_id"]) == second && ev["reason"] == "declined"
	})
	offered(aliceWS, second)

	// Bob leaves; Alice misses the second, then the third: she is set away.
	s.must(t, 200, "POST", chPath+"/leave", bob, nil)
	if err := s.Service.ExpireOffers(t.Context(), time.Now().Add(21*time.Second)); err != nil {
		t.Fatal(err)
	}
	aliceWS.expect(t, "offer_ended", func(ev map[string]any) bool { return num(ev["conversation_id"]) == second && ev["reason"] == "missed" })
	third := start("Third question")
	offered(aliceWS, third)
	if err := s.Service.ExpireOffers(t.Context(), time.Now().Add(21*time.Second)); err != nil {
		t.Fatal(err)
	}
	aliceWS.expect(t, "offers_away", func(ev map[string]any) bool { return ev["away"] == true })
	s.must(t, 200, "GET", "/api/offers", alice, nil).decode(t, &offers)
	if !offers.Away || len(offers.Offers) != 0 {
		t.Errorf("alice's offers %+v; want none, away", offers)
	}
	var channel struct {
		Operators []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"operators"`
	}
	s.must(t, 200, "GET", chPath, admin, nil).decode(t, &channel)
	if len(channel.Operators) != 1 || channel.Operators[0].ID != aliceID || channel.Operators[0].Status != "away" {
		t.Errorf("channel's operators %+v; want alice away", channel.Operators)
	}
	// Her own activity does not bring her back: the fourth waits, offered to nobody.
	aliceWS.send(t, map[string]any{"type": "activity"})
	fourth := start("Fourth question")
	routing = s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/routing", fourth), admin, nil).object(t)
	if sum, _ := path(routing, "latest", "summary").(string); sum != "Queued: nobody available: Alice away after missed offers" {
		t.Errorf("routing summary %q", sum)
	}

	// Back: she is offered the one she did not miss.
	s.must(t, 204, "POST", "/api/me/back", alice, nil)
	aliceWS.expect(t, "offers_away", func(ev map[string]any) bool { return ev["away"] == false })
	offered(aliceWS, fourth)
	s.must(t, 200, "GET", "/api/offers", alice, nil).decode(t, &offers)
	if offers.Away || len(offers.Offers) != 1 || num(offers.Offers[0]["conversation_id"]) != fourth {
		t.Errorf("alice's offers after back %+v; want the fourth", offers)
	}
	// The visitor leaves while it is offered: the offer is withdrawn.
	s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", fourth), tokens[fourth], nil)
	aliceWS.expect(t, "offer_ended", func(ev map[string]any) bool {
		return num(ev["conversation_id"]) == fourth && ev["reason"] == "withdrawn"
	})
	s.must(t, 200, "GET", "/api/offers", alice, nil).decode(t, &offers)
	if len(offers.Offers) != 0 {
		t.Errorf("alice's offers after the visitor left %+v; want none", offers)
	}
}

// With offers off (the default), a start is assigned at once, as before.
func TestOffersOff(t *testing.T) {
	s := mustStart(t, "")
	_, alice, ch, aliceWS := s.mustAliceOnline(t)
	out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hi"}).object(t)
	if got := path(out, "conversation", "status"); got != "active" {
		t.Fatalf("started %v, want active", got)
	}
	aliceWS.expect(t, "conversation", nil)
	var offers struct {
		Offers []any `json:"offers"`
	}
	s.must(t, 200, "GET", "/api/offers", alice, nil).decode(t, &offers)
	if len(offers.Offers) != 0 {
		t.Errorf("offers %v with offers off", offers.Offers)
	}
}
