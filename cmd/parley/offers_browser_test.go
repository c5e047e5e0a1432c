package main

import (
	"fmt"
	"testing"
	"time"
)

// Offer and accept in the browsers: a visitor writes in a channel that offers its
// conversations; the operator's console shows the offer card (the visitor, the channel,
// the first message, a countdown) on whatever page they are; they click Accept, the
// conversation opens in a chat window with the visitor's message, and the widget shows
// their name.
func TestOfferInTheBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "offer_seconds": 300})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), s.login(t, "alice", "password-alice"), nil)
	alice := openConsole(t, s, "alice", "password-alice", "/channels")

	vis := openDemo(t, s, ch, "en-US", "en")
	vis.click("launcher")
	vis.typeInto("input", "Hello, I need help with an order\n")
	// The widget learns its conversation from the start's answer, which may come after
	// the offer reaches Alice.
	vis.wait("the conversation started", `Number(`+byTestID("root")+`?.dataset.conversation) > 0`)
	conv := vis.conversationID()
	alice.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("offer-card")), "the offer card")
	card := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("offer-card"), conv)
	alice.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText === "Hello, I need help with an order"`, card+" "+tid("offer-message")),
		"the visitor's first message on the card")
	// The countdown runs: its seconds go down from the channel's 300.
	alice.wait(fmt.Sprintf(`(() => { const n = parseInt(document.querySelector(%q)?.innerText); return n > 0 && n < 300; })()`, card+" "+tid("offer-seconds")),
		"the countdown running")
	alice.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText.includes("Website")`, card), "the channel's name on the card")
	alice.screenshot("offer-card")
	checkAccessible(t, alice.ctx, "the offer card")

	alice.click(card + " " + tid("offer-accept"))
	window := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	alice.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(m => m.innerText === "Hello, I need help with an order")`, window+" "+tid("message-body")),
		"the visitor's message in Alice's chat window")
	alice.wait(fmt.Sprintf(`!document.querySelector(%q)`, tid("offer-card")), "the card gone")
	vis.waitText("operator-name", "Alice")
	alice.typeText(window+" "+tid("composer-input"), "Hi, I'm here.\n")
	vis.waitMessage("operator", "Hi, I'm here.")
}

// Missed offers in the browsers: a supervisor's Live page shows the visitor offered to
// Alice with the seconds left; Alice lets two offers run out, and her console says she
// was set away, until she clicks "I'm back".
func TestOffersMissedInTheBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "offer_seconds": 300})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), s.login(t, "alice", "password-alice"), nil)
	alice := openConsole(t, s, "alice", "password-alice", "/channels")
	boss := openConsole(t, s, "admin", adminPassword, "/live")
	start := func(body string) int64 {
		t.Helper()
		out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": body}).object(t)
		return num(path(out, "conversation", "id"))
	}
	card := func(id int64) string { return fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("offer-card"), id) }

	first := start("Anyone there?")
	alice.wait(fmt.Sprintf(`!!document.querySelector(%q)`, card(first)), "the first offer")
	boss.wait(fmt.Sprintf(`/^Offered to Alice Doe \(\d+ s\)$/.test(document.querySelector(%q)?.innerText)`,
		fmt.Sprintf(`%s[data-conversation-id="%d"] %s`, tid("live-queued"), first, tid("live-offered"))), "the offer in the live view")
	boss.screenshot("offer-live")
	if err := s.Service.ExpireOffers(t.Context(), time.Now().Add(301*time.Second)); err != nil {
		t.Fatal(err)
	}
	alice.wait(fmt.Sprintf(`!document.querySelector(%q)`, card(first)), "the missed offer's card gone")
	boss.wait(fmt.Sprintf(`!document.querySelector(%q)`, tid("live-offered")), "the live view without the offer")

	second := start("Hello?")
	alice.wait(fmt.Sprintf(`!!document.querySelector(%q)`, card(second)), "the second offer")
	if err := s.Service.ExpireOffers(t.Context(), time.Now().Add(301*time.Second)); err != nil {
		t.Fatal(err)
	}
	alice.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText.includes("You missed two chat offers and were set away.")`, tid("offers-away")), "the away notice")
	alice.screenshot("offers-away")
	checkAccessible(t, alice.ctx, "the away notice")
	alice.click(tid("offers-back"))
	alice.wait(fmt.Sprintf(`!document.querySelector(%q)`, tid("offers-away")), "the notice gone")
	// Back: she is offered the next one.
	third := start("Still there?")
	alice.wait(fmt.Sprintf(`!!document.querySelector(%q)`, card(third)), "the third offer")
}
