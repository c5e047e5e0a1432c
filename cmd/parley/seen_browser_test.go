package main

// Browser tests of what issue 20 asks of the visitor's and the operator's windows together:
// "Seen" in the widget, a chat name changed while the console is open, and ended
// conversations leaving the unread counts. Test ids beyond those of widget_browser_test.go:
//
//	seen   "Seen" ("Vu" in French) under the visitor's last message the operator has read

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// seenUnder is the JavaScript condition that the widget shows "Seen" (text) once, under
// the visitor's message seq.
func seenUnder(seq int, text string) string {
	return fmt.Sprintf(`%s.querySelectorAll('[data-testid=seen]').length === 1 && %s.querySelector('[data-testid=message][data-kind=visitor][data-seq="%d"] [data-testid=seen]')?.textContent === %q`,
		shadowJS, shadowJS, seq, text)
}

// The visitor writes; once the operator opens the conversation in the console, the widget
// shows "Seen" under the message, live; it moves to the next message the operator reads,
// and is there again after a reload. In French (an enabled language) it says "Vu".
func TestSeenInTheWidget(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	s.must(t, 200, "PUT", "/api/languages/fr", admin, map[string]bool{"enabled": true})
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	op := openConsole(t, s, "alice", "password-alice", "/discuss")

	for _, tc := range []struct {
		languages []string
		seen      string
	}{
		{[]string{"en-GB", "en"}, "Seen"},
		{[]string{"fr-FR", "fr"}, "Vu"},
	} {
		vis := openDemo(t, s, ch, tc.languages...)
		vis.click("launcher")
		vis.typeInto("input", "Hello, is anyone there?\n")
		vis.waitText("operator-name", "Alice")
		conv := vis.conversationID()

		// A chat window opens in the console, unread: nothing is seen yet.
		win := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
		op.wait(fmt.Sprintf(`!!document.querySelector('%s %s[data-seq="1"]')`, win, tid("message")), "the chat window")
		if evalJS[bool](vis, shadowJS+`.querySelector('[data-testid=seen]') !== null`) {
			t.Fatalf("%s: the widget shows %q before the operator read the message", tc.seen, tc.seen)
		}

		// The operator opens it in Discuss: it is read, and the visitor sees it.
		op.click(fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("livechat-item"), conv))
		vis.wait(tc.seen+" under the first message", seenUnder(1, tc.seen))

		// The next message, shown in the open pane, is read at once: "Seen" moves under it.
		vis.typeInto("input", "I have a question about my order.\n")
		vis.wait(tc.seen+" under the second message", seenUnder(2, tc.seen))

		// After a reload the widget asks the server how far the operator has read.
		if err := chromedp.Do(vis.ctx, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		vis.wait(tc.seen+" after a reload", seenUnder(2, tc.seen))
	}
}

// The operator changes their Online Chat Name in Preferences while their console, and its
// WebSocket, stay open: the next message they send from the chat window reaches the
// visitor under the new name.
func TestChatNameChangeInTheBrowser(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	op := openConsole(t, s, "alice", "password-alice", "/channels", addScript(`
		window.__sockets = 0;
		{
			const Native = window.WebSocket;
			window.WebSocket = class extends Native {
				constructor(...args) { super(...args); window.__sockets++; }
			};
		}`))

	vis := openDemo(t, s, ch, "en-GB", "en")
	vis.click("launcher")
	vis.typeInto("input", "Hello!\n")
	vis.waitText("operator-name", "Alice")
	conv := vis.conversationID()
	win := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	op.wait(fmt.Sprintf(`!!document.querySelector('%s %s[data-seq="1"]')`, win, tid("message")), "the chat window")

	author := func(body string) string {
		return evalJS[string](vis, fmt.Sprintf(`[...%s.querySelectorAll('[data-testid=message][data-kind=operator]')].find(m => m.querySelector('[data-testid=message-body]').textContent === %q)?.dataset.author ?? ""`, shadowJS, body))
	}
	op.typeText(win+" "+tid("composer-input"), "Hi, how can I help?\n")
	vis.waitMessage("operator", "Hi, how can I help?")
	if got := author("Hi, how can I help?"); got != "Alice" {
		t.Fatalf("first answer from %q, want Alice", got)
	}

	// My Profile → Preferences, the chat window still open in the corner.
	op.click(tid("user-menu-button"))
	op.click(tid("menu-profile"))
	op.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("pref-chat-name")), "the Preferences tab")
	op.setValue(tid("pref-chat-name"), "Alicia")
	op.click(tid("pref-save"))
	op.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("pref-saved")), "the saved message")

	op.wait(fmt.Sprintf(`!!document.querySelector('%s %s')`, win, tid("composer-input")), "the chat window on My Profile")
	op.typeText(win+" "+tid("composer-input"), "Let me check that for you.\n")
	vis.waitMessage("operator", "Let me check that for you.")
	if got := author("Let me check that for you."); got != "Alicia" {
		t.Fatalf("answer after the change from %q, want Alicia", got)
	}
	vis.wait("the new name above the message", fmt.Sprintf(`[...%s.querySelectorAll('[data-testid=author]')].some(a => a.textContent === "Alicia")`, shadowJS))
	if n := consoleEval[int](op, `window.__sockets`); n != 1 {
		t.Fatalf("the console opened %d WebSockets, want 1: the message must go on the socket opened before the change", n)
	}
}

// A conversation that ends leaves the unread counts: the messages badge, the bold items
// of Discuss and the tab's title count only the conversations still going on.
func TestEndedConversationsLeaveTheUnreadCounts(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	op := openConsole(t, s, "alice", "password-alice", "/channels")

	first, firstToken := s.visitorStart(t, ch, "Camille", "Hello, anyone?")
	second, _ := s.visitorStart(t, ch, "Jonas", "Hi there")
	op.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText === "2"`, tid("messages-badge")), "the badge to count two conversations")
	op.wait(`document.title === "(2) Parley"`, "the title to count two messages")

	// Camille leaves without anyone reading her message.
	s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", first), firstToken, nil)
	op.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText === "1"`, tid("messages-badge")), "the badge to count only the conversation going on")
	op.wait(`document.title === "(1) Parley"`, "the title to count only Jonas's message")

	op.click(tid("nav-discuss"))
	item := func(id int64) string { return fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("livechat-item"), id) }
	op.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.status === "ended"`, item(first)), "the ended conversation under LIVECHAT")
	if consoleEval[bool](op, fmt.Sprintf(`document.querySelector(%q).classList.contains("unread") || !!document.querySelector('%s %s')`, item(first), item(first), tid("livechat-unread"))) {
		t.Error("the ended conversation is in bold or counts unread messages")
	}
	if !consoleEval[bool](op, fmt.Sprintf(`document.querySelector(%q).classList.contains("unread")`, item(second))) {
		t.Error("the conversation going on is not in bold")
	}
	if got := op.text(tid("livechat-heading") + " .count"); got != "1" {
		t.Errorf("LIVECHAT counts %q unread conversations, want 1", got)
	}
}
