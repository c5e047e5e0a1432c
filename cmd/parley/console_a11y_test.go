package main

// Accessibility of the operator console (WCAG 2.1 AA), kept by the browser: axe-core on
// every page in a busy state, focus after each action that removes the focused element,
// focus indicators of at least 3:1, the polite announcement of a new conversation, and an
// operator's whole day done with the keyboard alone. Test ids besides those listed in
// console_browser_test.go:
//
//   announcer                  the polite live region that announces new conversations
//   discuss-status             the status of the conversation in the Discuss pane's header
//   chat-window-status         "Ended" in a chat window's header

import (
	"fmt"
	"testing"

)

// busyConsole is a server whose admin is an operator of a channel with three visitors:
// Camille's conversation unread, Jonas's read, Mia's ended.
type busyConsole struct {
	s                   *testServer
	admin               string
	channel             int64
	camille, jonas, mia int64
	camilleToken        string
}

func startBusyConsole(t *testing.T) (*busyConsole, *consolePage) {
	t.Helper()
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), admin, nil)
	p := openConsole(t, s, "admin", adminPassword, "/channels")
	b := &busyConsole{s: s, admin: admin, channel: ch}
	b.mia, _ = s.visitorStart(t, ch, "Mia", "Hello, is the shop open on Sunday?")
	s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", b.mia), admin, nil)
	b.jonas, _ = s.visitorStart(t, ch, "Jonas", "Hi, do you ship to Norway?")
	s.must(t, 204, "POST", fmt.Sprintf("/api/conversations/%d/read", b.jonas), admin, map[string]int{"seq": 1})
	b.camille, b.camilleToken = s.visitorStart(t, ch, "Camille", "Hello! Can I still change the delivery address of my order?")
	p.wait(fmt.Sprintf(`!!document.querySelector('%s[data-conversation-id="%d"] %s')`, tid("chat-window"), b.camille, tid("message")),
		"Camille's chat window")
	return b, p
}

// Every page of the console, in a state that shows most of what it can show, with a chat
// window open, has no serious or critical axe-core violation.
func TestConsoleA11yPages(t *testing.T) {
	s := mustStart(t, "")
	login := newConsolePage(t, s)
	login.navigate("/discuss")
	login.wait(existsJS(tid("login-form")), "the login form")
	checkAccessible(t, login.ctx, "the login page")
	if got := login.loginFails("admin", "not-the-password"); got == "" {
		t.Fatal("no login error")
	}
	checkAccessible(t, login.ctx, "the login page with an error")

	b, p := startBusyConsole(t)
	checkAccessible(t, p.ctx, "Channels with a chat window")

	p.click(tid("nav-discuss"))
	p.wait(fmt.Sprintf(`document.querySelectorAll(%q).length === 3`, tid("livechat-item")), "three conversations under LIVECHAT")
	checkAccessible(t, p.ctx, "Discuss with unread, read and ended conversations")

	p.navigate(fmt.Sprintf("/discuss/%d", b.jonas))
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s')`, tid("discuss-thread"), tid("message")), "Jonas's conversation in the pane")
	p.wait(existsJS(tid("chat-window")), "Camille's chat window beside the pane")
	checkAccessible(t, p.ctx, "Discuss with a conversation and a chat window")

	p.navigate(fmt.Sprintf("/discuss/%d", b.mia))
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s')`, tid("discuss-thread"), tid("thread-ended")), "Mia's ended conversation in the pane")
	checkAccessible(t, p.ctx, "Discuss with an ended conversation")

	p.click(tid("messages-button"))
	p.wait(existsJS(tid("messages-item")), "the messages drop-down")
	checkAccessible(t, p.ctx, "the messages drop-down")
	p.click(tid("messages-button"))

	p.click(tid("user-menu-button"))
	p.wait(existsJS(tid("user-menu")), "the user menu")
	checkAccessible(t, p.ctx, "the user menu")
	p.click(tid("menu-profile"))
	p.wait(existsJS(tid("preferences-form")), "My Profile → Preferences")
	checkAccessible(t, p.ctx, "My Profile → Preferences")
	p.navigate("/profile/security")
	p.wait(existsJS(tid("password-form")), "My Profile → Account Security")
	checkAccessible(t, p.ctx, "My Profile → Account Security")

	p.navigate("/admin/channels")
	row := fmt.Sprintf(`%s[data-channel-id="%d"]`, tid("admin-channel-row"), b.channel)
	p.wait(existsJS(row), "the channel in Admin → Channels")
	checkAccessible(t, p.ctx, "Admin → Channels, a new channel")
	p.jsClick(row)
	p.jsClick(tid("copy-snippet"))
	p.wait(existsJS(tid("widget-snippet")), "the widget snippet")
	checkAccessible(t, p.ctx, "Admin → Channels with the widget snippet")

	bob, _ := b.s.mustOperator(t, b.admin, "bob", nil)
	p.navigate("/admin/users")
	p.wait(existsJS(fmt.Sprintf(`%s[data-login="bob"]`, tid("user-row"))), "the users list")
	checkAccessible(t, p.ctx, "Admin → Users")
	p.navigate(fmt.Sprintf("/admin/users/%d", bob))
	p.waitEditor(bob)
	checkAccessible(t, p.ctx, "Admin → Users, editing a user with sessions")
	p.jsClick(tid("user-disable"))
	p.wait(existsJS(tid("confirm")), "the confirmation")
	checkAccessible(t, p.ctx, "Admin → Users, a confirmation")
	p.jsClick(tid("confirm-cancel"))

	p.navigate("/admin/languages")
	p.wait(existsJS(tid("language-row")), "Admin → Languages")
	checkAccessible(t, p.ctx, "Admin → Languages")

	// A folded window, and an ended one.
	p.click(tid("chat-window-fold"))
	p.wait(fmt.Sprintf(`document.querySelector(%q).dataset.folded === "true"`, tid("chat-window")), "the window to fold")
	checkAccessible(t, p.ctx, "a folded chat window")
	p.click(tid("chat-window-fold"))
	p.wait(existsJS(tid("chat-window")+" "+tid("end-button")), "the window to open")
	p.click(tid("chat-window") + " " + tid("end-button"))
	p.wait(existsJS(tid("chat-window")+" "+tid("thread-ended")), "the window's conversation to end")
	checkAccessible(t, p.ctx, "an ended chat window")
}

// jsClick clicks the element from the page's JavaScript, for an element that the chat
// windows may cover at the test browser's size.
func (p *consolePage) jsClick(sel string) {
	p.t.Helper()
	consoleEval[bool](p, fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) throw new Error("no element " + %q);
		el.click();
		return true;
	})()`, sel, sel))
}
