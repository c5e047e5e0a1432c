package main

import (
	"fmt"
	"testing"
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
