package main

import (
	"fmt"
	"strings"
	"testing"
)

// Operators hand a conversation on from the console, in their browsers, while its
// visitor chats in the widget: Alice uses the Transfer action in her chat window's header
// and picks Bob, Bob (who reads the whole history, Alice's messages under her name) types
// /transfer carol in the Discuss pane. Each time the visitor's widget says who joined and
// shows the new name, and the conversation leaves the console of the one who handed it
// over; moved to a channel with nobody online, it waits and the widget shows its place.
// /help and an unknown command are answered in the thread, to the operator alone: the
// visitor never receives them.
func TestTransferInTheBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	bobID, _ := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	_, carol := s.mustOperator(t, admin, "carol", map[string]any{"chat_name": "Carol"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website", "welcome_message": "Hello! How can we help?"})
	for _, login := range []string{"alice", "bob", "carol"} {
		s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), s.login(t, login, "password-"+login), nil)
	}
	s.console(t, carol) // Carol is online, over the API
	alice := openConsole(t, s, "alice", "password-alice", "/channels")
	bob := openConsole(t, s, "bob", "password-bob", "/channels")

	// A visitor writes: Alice (first in every tie) gets it in a chat window.
	vis := openDemo(t, s, ch, "en-US", "en")
	vis.click("launcher")
	vis.typeInto("input", "Hello, I need help with an order\n")
	vis.waitText("operator-name", "Alice")
	conv := vis.conversationID()
	window := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	alice.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(m => m.innerText === "Hello, I need help with an order")`, window+" "+tid("message-body")),
		"the visitor's message in Alice's chat window")
	alice.typeText(window+" "+tid("composer-input"), "Let me find the right person.\n")
	vis.waitMessage("operator", "Let me find the right person.")

	// Commands are answered in the thread, to Alice alone.
	notes := window + " " + tid("local-note")
	alice.typeText(window+" "+tid("composer-input"), "/help\n")
	alice.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(n => n.innerText.includes("/transfer NAME or /transfer CHANNEL"))`, notes), "the list of commands")
	alice.typeText(window+" "+tid("composer-input"), "/foo\n")
	alice.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(n => n.dataset.kind === "error" && n.innerText === "Unknown command /foo. Type /help for the list.")`, notes),
		"the answer to an unknown command")
	if got := alice.text(window + " " + tid("composer-input")); got != "" {
		t.Errorf("the composer holds %q after a command", got)
	}
	alice.screenshot("transfer-commands")

	// The header's Transfer: a picker of the channel's operators; Alice picks Bob.
	alice.click(window + " " + tid("transfer-button"))
	pick := fmt.Sprintf(`%s[data-operator-id="%d"]`, tid("transfer-operator"), bobID)
	alice.wait(fmt.Sprintf(`document.querySelector(%q)?.open && !!document.querySelector(%q)`, tid("transfer-dialog"), pick), "the transfer picker with Bob")
	alice.screenshot("transfer-picker")
	checkAccessible(t, alice.ctx, "the transfer picker")
	alice.click(pick)
	vis.waitMessage("system", "Bob joined the conversation.")
	vis.waitText("operator-name", "Bob")
	alice.wait(fmt.Sprintf(`!document.querySelector(%q) && !document.querySelector(%q)`, window, tid("transfer-dialog")), "Alice's chat window to close")
	alice.wait(`document.body.innerText.includes("is now with Bob.")`, "the notice that it went to Bob")

	// Bob's console opens it with the whole history, Alice's message under her name.
	bob.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(m => m.innerText === "Hello, I need help with an order")`, window+" "+tid("message-body")),
		"the history in Bob's chat window")
	bob.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(a => a.innerText === "Alice")`, window+" "+tid("message-author")), "Alice's name on her message")
	bob.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(m => m.innerText === "Bob joined the conversation.")`, window+" "+tid("message-body")),
		"the notice in Bob's chat window")

	// Bob opens it in Discuss and hands it to Carol with /transfer.
	bob.click(window + " " + tid("chat-window-expand"))
	thread := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("discuss-thread"), conv)
	bob.wait(fmt.Sprintf(`!!document.querySelector(%q)`, thread+" "+tid("composer-input")), "the conversation in Discuss")
	bob.typeText(thread+" "+tid("composer-input"), "/transfer carol\n")
	vis.waitMessage("system", "Carol joined the conversation.")
	vis.waitText("operator-name", "Carol")
	bob.wait(fmt.Sprintf(`!document.querySelector(%q) && !document.querySelector(%q)`, thread, fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("livechat-item"), conv)),
		"the conversation to leave Bob's Discuss")

	// Carol moves it to a channel where nobody is online: the visitor waits, and sees
	// their place in line, no operator named.
	billing := s.mustChannel(t, admin, map[string]any{"name": "Billing"})
	s.must(t, 200, "POST", transferURL(conv), carol, map[string]any{"channel_id": billing})
	vis.waitText("queue-position", "You are number 1 in line")
	vis.wait("queued, no operator named", byTestID("root")+`.dataset.status === 'queued' && !`+byTestID("operator-name"))

	// The visitor never received a command.
	for _, m := range vis.messages() {
		if strings.Contains(m, "/help") || strings.Contains(m, "/foo") || strings.Contains(m, "/transfer") {
			t.Errorf("the widget shows %q", m)
		}
	}
	for _, m := range s.visitorMessages(t, conv, vis.visitorToken(ch)) {
		if body, _ := m["body"].(string); strings.HasPrefix(body, "/") {
			t.Errorf("the visitor's messages include %q", body)
		}
	}
}

// /leave hands the conversation to another operator of the channel and closes its
// window; /end ends it as the End button does; /transfer with a name nobody has is
// answered in the thread, and nothing is sent.
func TestLeaveAndEndCommandsInTheBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	_, bob := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	alice := openConsole(t, s, "alice", "password-alice", "/channels")
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), s.login(t, "alice", "password-alice"), nil)
	first, firstToken := s.visitorStart(t, ch, "Vera", "First question")
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), bob, nil)
	s.console(t, bob)

	window := func(conv int64) string { return fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv) }
	alice.wait(fmt.Sprintf(`!!document.querySelector(%q)`, window(first)+" "+tid("composer-input")), "the chat window")
	alice.typeText(window(first)+" "+tid("composer-input"), "/transfer Nobody\n")
	alice.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(n => n.dataset.kind === "error" && n.innerText.includes("no channel is called “Nobody”"))`,
		window(first)+" "+tid("local-note")), "the answer to an unknown name")
	alice.typeText(window(first)+" "+tid("composer-input"), "/leave\n")
	alice.wait(fmt.Sprintf(`!document.querySelector(%q)`, window(first)), "the window to close")
	eventually(t, "Bob to have the first conversation", func() string {
		msgs := s.visitorMessages(t, first, firstToken)
		if last := msgs[len(msgs)-1]["body"]; last != "Bob joined the conversation." {
			return fmt.Sprintf("the visitor's last message is %q", last)
		}
		return ""
	})

	second, secondToken := s.visitorStart(t, ch, "Walt", "Second question") // Alice holds fewer
	alice.wait(fmt.Sprintf(`!!document.querySelector(%q)`, window(second)+" "+tid("composer-input")), "the second chat window")
	alice.typeText(window(second)+" "+tid("composer-input"), "/end\n")
	alice.wait(fmt.Sprintf(`!!document.querySelector(%q)`, window(second)+" "+tid("thread-ended")), "the conversation to end")
	msgs := s.visitorMessages(t, second, secondToken)
	if last := msgs[len(msgs)-1]["body"]; last != "The operator ended the conversation." || len(msgs) != 2 {
		t.Errorf("the visitor's messages: %v", msgs)
	}
	for _, m := range append(s.visitorMessages(t, first, firstToken), msgs...) {
		if body, _ := m["body"].(string); strings.HasPrefix(body, "/") {
			t.Errorf("the visitor received %q", body)
		}
	}
}
