package main

// Accessibility of the operator console (WCAG 2.1 AA), kept by the browser: axe-core on
// every page in a busy state, focus after each action that removes the focused element,
// focus indicators of at least 3:1, the polite announcement of a new conversation, and an
// operator's conversation done with the keyboard alone. Test ids besides those listed in
// console_browser_test.go:
//
//   announcer                  the polite live region, on the page from the start, that says
//                              "New conversation with NAME" when one is assigned to the operator
//
// Where the focus goes when an action removes the focused element: the page's main content
// (#main-content) after logging in, the notice "This conversation has ended." (thread-ended)
// after End, the next chat window's title (else the messages icon) after a window closes,
// the drop-down's button when a drop-down closes, the Sessions heading (#sessions-title)
// after a revoke, the users-notice after a user is deleted.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
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
	// check runs axe-core and asks for one main landmark, which axe counts only as a
	// moderate problem: screen reader users jump to it.
	check := func(p *consolePage, what string) {
		t.Helper()
		checkAccessible(t, p.ctx, what)
		if n := consoleEval[int](p, `document.querySelectorAll('main, [role="main"]').length`); n != 1 {
			t.Errorf("%s: %d main landmarks, want 1", what, n)
		}
	}
	s := mustStart(t, "")
	login := newConsolePage(t, s)
	login.navigate("/discuss")
	login.wait(existsJS(tid("login-form")), "the login form")
	check(login, "the login page")
	if got := login.loginFails("admin", "not-the-password"); got == "" {
		t.Fatal("no login error")
	}
	check(login, "the login page with an error")

	b, p := startBusyConsole(t)
	check(p, "Channels with a chat window")

	p.click(tid("nav-discuss"))
	p.wait(fmt.Sprintf(`document.querySelectorAll(%q).length === 3`, tid("livechat-item")), "three conversations under LIVECHAT")
	check(p, "Discuss with unread, read and ended conversations")

	p.navigate(fmt.Sprintf("/discuss/%d", b.jonas))
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s')`, tid("discuss-thread"), tid("message")), "Jonas's conversation in the pane")
	p.wait(existsJS(tid("chat-window")), "Camille's chat window beside the pane")
	check(p, "Discuss with a conversation and a chat window")

	p.navigate(fmt.Sprintf("/discuss/%d", b.mia))
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s')`, tid("discuss-thread"), tid("thread-ended")), "Mia's ended conversation in the pane")
	check(p, "Discuss with an ended conversation")

	p.click(tid("messages-button"))
	p.wait(existsJS(tid("messages-item")), "the messages drop-down")
	check(p, "the messages drop-down")
	p.click(tid("messages-button"))

	p.click(tid("user-menu-button"))
	p.wait(existsJS(tid("user-menu")), "the user menu")
	check(p, "the user menu")
	p.click(tid("menu-profile"))
	p.wait(existsJS(tid("preferences-form")), "My Profile → Preferences")
	check(p, "My Profile → Preferences")
	p.navigate("/profile/security")
	p.wait(existsJS(tid("password-form")), "My Profile → Account Security")
	check(p, "My Profile → Account Security")

	p.navigate("/admin/channels")
	row := fmt.Sprintf(`%s[data-channel-id="%d"]`, tid("admin-channel-row"), b.channel)
	p.wait(existsJS(row), "the channel in Admin → Channels")
	check(p, "Admin → Channels, a new channel")
	p.jsClick(row)
	p.jsClick(tid("copy-snippet"))
	p.wait(existsJS(tid("widget-snippet")), "the widget snippet")
	check(p, "Admin → Channels with the widget snippet")

	bob, _ := b.s.mustOperator(t, b.admin, "bob", nil)
	p.navigate("/admin/users")
	p.wait(existsJS(fmt.Sprintf(`%s[data-login="bob"]`, tid("user-row"))), "the users list")
	check(p, "Admin → Users")
	p.navigate(fmt.Sprintf("/admin/users/%d", bob))
	p.waitEditor(bob)
	check(p, "Admin → Users, editing a user with sessions")
	p.jsClick(tid("user-disable"))
	p.wait(existsJS(tid("confirm")), "the confirmation")
	check(p, "Admin → Users, a confirmation")
	p.jsClick(tid("confirm-cancel"))

	p.navigate("/admin/languages")
	p.wait(existsJS(tid("language-row")), "Admin → Languages")
	check(p, "Admin → Languages")

	// A folded window, and an ended one.
	p.click(tid("chat-window-fold"))
	p.wait(fmt.Sprintf(`document.querySelector(%q).dataset.folded === "true"`, tid("chat-window")), "the window to fold")
	check(p, "a folded chat window")
	p.click(tid("chat-window-fold"))
	p.wait(existsJS(tid("chat-window")+" "+tid("end-button")), "the window to open")
	p.click(tid("chat-window") + " " + tid("end-button"))
	p.wait(existsJS(tid("end-dialog")), "the End confirmation")
	check(p, "the End confirmation")
	p.confirmEnd()
	p.wait(existsJS(tid("chat-window")+" "+tid("thread-ended")), "the window's conversation to end")
	check(p, "an ended chat window")
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

// press sends keys to the focused element, as a keyboard does.
func (p *consolePage) press(keys string, opts ...chromedp.KeyOption) {
	p.t.Helper()
	p.do(chromedp.KeyEvent(keys, opts...))
}

// focusedJS describes the focused element: its data-testid, else its tag, id and text.
const focusedJS = `(() => {
	const el = document.activeElement;
	if (!el || el === document.body) return "(body)";
	if (el.dataset.testid) return el.dataset.testid;
	return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + JSON.stringify((el.innerText || el.value || "").trim().slice(0, 40));
})()`

func (p *consolePage) focused() string {
	p.t.Helper()
	return consoleEval[string](p, focusedJS)
}

// waitFocus waits until the focused element matches the CSS selector.
func (p *consolePage) waitFocus(sel, what string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](fmt.Sprintf(`!!document.activeElement?.matches(%q)`, sel),
		chromedp.WithPollingInterval(40*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		p.t.Fatalf("%s: the focus is on %s, want %s", what, p.focused(), sel)
	}
}

// tabTo presses Tab (Shift+Tab when back) until the focus is on the selector, at most max
// times, as a keyboard user moves through the page.
func (p *consolePage) tabTo(sel string, back bool, max int) {
	p.t.Helper()
	var opts []chromedp.KeyOption
	if back {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	var path []string
	for range max {
		if consoleEval[bool](p, fmt.Sprintf(`!!document.activeElement?.matches(%q)`, sel)) {
			return
		}
		p.press(kb.Tab, opts...)
		path = append(path, p.focused())
	}
	if !consoleEval[bool](p, fmt.Sprintf(`!!document.activeElement?.matches(%q)`, sel)) {
		p.t.Fatalf("%s not reached with the keyboard; the focus went through %s", sel, strings.Join(path, ", "))
	}
}

// After each action that removes the focused element, the focus goes somewhere sensible
// rather than to the page's body: login, End (in a chat window and in Discuss), closing
// a window, a drop-down, a confirmation, a revoked session, a deleted user, a removed
// language, a channel left. The console also announces a new conversation politely.
func TestConsoleA11yFocusAfterActions(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), admin, nil)
	s.must(t, 200, "PUT", "/api/languages/fr", admin, map[string]bool{"enabled": true})
	s.must(t, 200, "PUT", "/api/languages/de", admin, map[string]bool{"enabled": true})
	s.must(t, 200, "PATCH", "/api/me/preferences", admin, map[string]any{"chat_languages": []string{"fr", "de"}})

	p := newConsolePage(t, s)
	p.navigate("/channels")
	// The live region is there from the start, so that screen readers follow it before
	// anything is said in it.
	p.wait(existsJS(tid("login-form")), "the login form")
	if got := consoleEval[string](p, fmt.Sprintf(`document.querySelector(%q)?.getAttribute("aria-live") ?? ""`, tid("announcer"))); got != "polite" {
		t.Fatalf("announcer aria-live %q on the login page, want polite", got)
	}
	p.login("admin", adminPassword)
	p.waitFocus("#main-content", "after logging in")
	p.waitConnected()

	camille, _ := s.visitorStart(t, ch, "Camille", "Hello! Can I still change the delivery address of my order?")
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText.trim() === "New conversation with Camille"`, tid("announcer")), "the announcement of Camille's conversation")
	jonas, _ := s.visitorStart(t, ch, "Jonas", "Hi, do you ship to Norway?")
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText.trim() === "New conversation with Jonas"`, tid("announcer")), "the announcement of Jonas's conversation")
	win := func(id int64) string { return fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), id) }
	p.wait(existsJS(win(camille)+" "+tid("end-button"))+" && "+existsJS(win(jonas)+" "+tid("end-button")), "both chat windows")

	// End in a chat window: the notice that the conversation has ended.
	p.do(chromedp.Focus(chromedp.CSS(win(camille)+" "+tid("end-button"))), chromedp.KeyEvent(kb.Enter))
	p.confirmEnd()
	p.waitFocus(win(camille)+" "+tid("thread-ended"), "after End in a chat window")
	// After a reload, the restored window of the ended conversation takes no focus.
	p.do(chromedp.Reload())
	p.wait(existsJS(win(camille)+" "+tid("thread-ended"))+" && "+existsJS(win(jonas)+" "+tid("end-button")), "the windows after a reload")
	p.do(chromedp.Sleep(300 * time.Millisecond))
	if got := p.focused(); got != "(body)" {
		t.Errorf("after a reload the focus is on %s, want the page's body", got)
	}

	// Folding keeps the focus on the fold button; closing goes to the next window, then
	// to the messages icon.
	p.do(chromedp.Focus(chromedp.CSS(win(jonas)+" "+tid("chat-window-fold"))), chromedp.KeyEvent(kb.Enter))
	p.wait(fmt.Sprintf(`document.querySelector(%q).dataset.folded === "true"`, win(jonas)), "Jonas's window to fold")
	p.waitFocus(win(jonas)+" "+tid("chat-window-fold"), "after folding a window")
	p.press(kb.Enter)
	p.wait(fmt.Sprintf(`document.querySelector(%q).dataset.folded === "false"`, win(jonas)), "Jonas's window to open")
	p.do(chromedp.Focus(chromedp.CSS(win(camille)+" "+tid("chat-window-close"))), chromedp.KeyEvent(kb.Enter))
	p.wait("!"+existsJS(win(camille)), "Camille's window to close")
	p.waitFocus(win(jonas)+" "+tid("chat-window-toggle"), "after closing a window beside another")
	p.do(chromedp.Focus(chromedp.CSS(win(jonas)+" "+tid("chat-window-close"))), chromedp.KeyEvent(kb.Enter))
	p.wait("!"+existsJS(tid("chat-window")), "Jonas's window to close")
	p.waitFocus(tid("messages-button"), "after closing the last window")

	// The messages drop-down: Escape gives the focus back to its button.
	p.press(kb.Enter)
	p.wait(existsJS(tid("messages-dropdown")), "the messages drop-down")
	p.press(kb.Tab)
	p.waitFocus(tid("messages-item"), "Tab into the drop-down")
	p.press(kb.Escape)
	p.wait("!"+existsJS(tid("messages-dropdown")), "the drop-down to close")
	p.waitFocus(tid("messages-button"), "after Escape in the drop-down")

	// In Discuss, the drop-down's item for the conversation in the pane gives the focus to
	// the pane's message box.
	p.navigate(fmt.Sprintf("/discuss/%d", jonas))
	pane := tid("discuss-thread")
	p.wait(existsJS(pane+" "+tid("end-button")), "Jonas's conversation in Discuss")
	// The pane gives its message box the focus once it has rendered: wait for that, or it
	// could take the focus from the messages icon between the two steps below.
	p.waitFocus(pane+" "+tid("composer-input"), "after opening a conversation in Discuss")
	p.do(chromedp.Focus(chromedp.CSS(tid("messages-button"))), chromedp.KeyEvent(kb.Enter))
	p.wait(existsJS(tid("messages-item")), "the messages drop-down")
	p.do(chromedp.Focus(chromedp.CSS(fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("messages-item"), jonas))), chromedp.KeyEvent(kb.Enter))
	p.waitFocus(pane+" "+tid("composer-input"), "after choosing the pane's conversation in the drop-down")

	// End in Discuss: the notice in the pane.
	p.do(chromedp.Focus(chromedp.CSS(pane+" "+tid("end-button"))), chromedp.KeyEvent(kb.Enter))
	p.confirmEnd()
	p.waitFocus(pane+" "+tid("thread-ended"), "after End in Discuss")

	// The visitor leaves while the operator writes: the composer goes, the focus goes to
	// the notice that the conversation has ended.
	mia, miaToken := s.visitorStart(t, ch, "Mia", "Hello, is the shop open on Sunday?")
	p.wait(existsJS(win(mia)+" "+tid("composer-input")), "Mia's chat window")
	p.typeText(win(mia)+" "+tid("composer-input"), "Yes, from ten")
	s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", mia), miaToken, nil)
	p.waitFocus(win(mia)+" "+tid("thread-ended"), "after the visitor ended the conversation")

	// Leaving a channel disables its button for a moment: the focus comes back to it.
	p.navigate("/channels")
	p.wait(existsJS(tid("channel-leave")), "the Leave button")
	p.do(chromedp.Focus(chromedp.CSS(tid("channel-leave"))), chromedp.KeyEvent(kb.Enter))
	p.waitFocus(tid("channel-join"), "after leaving a channel")

	// Removing a chat language: the next language's remove button, then the select.
	p.navigate("/profile/preferences")
	p.wait(fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, tid("pref-chat-language-remove")), "two chat languages")
	p.do(chromedp.Focus(chromedp.CSS(tid("pref-chat-language-remove"))), chromedp.KeyEvent(kb.Enter))
	p.wait(fmt.Sprintf(`document.querySelectorAll(%q).length === 1`, tid("pref-chat-language-remove")), "one chat language")
	p.waitFocus(tid("pref-chat-language-remove"), "after removing a language")
	p.press(kb.Enter)
	p.wait("!"+existsJS(tid("pref-chat-language-remove")), "no chat language")
	p.waitFocus(tid("pref-chat-language-add"), "after removing the last language")

	// Admin → Users: a confirmation cancelled, a session revoked, a user deleted.
	bob, _ := s.mustOperator(t, admin, "bob", nil)
	p.navigate(fmt.Sprintf("/admin/users/%d", bob))
	p.waitEditor(bob)
	p.do(chromedp.Focus(chromedp.CSS(tid("user-disable"))), chromedp.KeyEvent(kb.Enter))
	p.waitFocus(tid("confirm-cancel"), "the confirmation")
	p.press(kb.Escape)
	p.waitFocus(tid("user-disable"), "after cancelling the confirmation")
	p.do(chromedp.Focus(chromedp.CSS(tid("session-revoke"))), chromedp.KeyEvent(kb.Enter))
	p.wait(existsJS(tid("sessions-empty")), "bob's session to be revoked")
	p.waitFocus("#sessions-title", "after revoking a session")
	p.do(chromedp.Focus(chromedp.CSS(tid("user-delete"))), chromedp.KeyEvent(kb.Enter))
	p.waitFocus(tid("confirm-cancel"), "the delete confirmation")
	p.do(chromedp.Focus(chromedp.CSS(tid("confirm-ok"))), chromedp.KeyEvent(kb.Enter))
	p.wait(existsJS(tid("users-notice")), "the deletion notice")
	p.waitFocus(tid("users-notice"), "after deleting a user")

	// Logging out: the login form's first field.
	p.do(chromedp.Focus(chromedp.CSS(tid("user-menu-button"))), chromedp.KeyEvent(kb.Enter))
	p.wait(existsJS(tid("menu-logout")), "the user menu")
	p.do(chromedp.Focus(chromedp.CSS(tid("menu-logout"))), chromedp.KeyEvent(kb.Enter))
	p.wait(existsJS(tid("login-form")), "the login form")
	p.waitFocus(tid("login-input"), "after logging out")
}

// checkFocusRings tabs through the whole page, once round, and fails for each focused
// element whose focus indicator is thinner than 2px or below 3:1 against its background.
func (p *consolePage) checkFocusRings(what string) {
	p.t.Helper()
	consoleEval[bool](p, `(delete window.firstTabbed, true)`)
	consoleEval[chromedp.Void](p, a11yJS)
	seen := 0
	for nulls, steps := 0, 0; steps < 200; steps++ {
		p.press(kb.Tab)
		ring := consoleEval[*focusRing](p, `__a11y.ring()`)
		if ring == nil {
			// Past the last control the focus leaves the page; the next Tab wraps round.
			if nulls++; nulls > 2 {
				break
			}
			continue
		}
		if !consoleEval[bool](p, `window.firstTabbed ? document.activeElement !== window.firstTabbed : (window.firstTabbed = document.activeElement, true)`) {
			break // round the page once
		}
		seen++
		if ring.Width < 2 || ring.Ratio < 3 {
			p.t.Errorf("%s: focus indicator of %s: %gpx, %.2f:1 (%s); want 2px and 3:1", what, ring.Name, ring.Width, ring.Ratio, ring.What)
		}
	}
	if seen < 3 {
		p.t.Errorf("%s: only %d elements took the focus from the keyboard", what, seen)
	}
	p.t.Logf("%s: %d focus indicators checked", what, seen)
}

// Every element that takes the focus from the keyboard, on every page, shows a focus
// indicator of 2px or more and at least 3:1 against the surface it sits on: the white
// pages, the purple menu bar and the chat window headers.
func TestConsoleA11yFocusRings(t *testing.T) {
	s := mustStart(t, "")
	login := newConsolePage(t, s)
	login.navigate("/discuss")
	login.wait(existsJS(tid("login-form")), "the login form")
	login.checkFocusRings("the login page")

	b, p := startBusyConsole(t)
	p.checkFocusRings("Channels")
	p.navigate(fmt.Sprintf("/discuss/%d", b.jonas))
	p.waitFocus(tid("discuss-thread")+" "+tid("composer-input"), "Jonas's conversation in Discuss")
	p.checkFocusRings("Discuss")
	p.click(tid("messages-button"))
	p.wait(existsJS(tid("messages-item")), "the messages drop-down")
	p.checkFocusRings("the messages drop-down")
	p.navigate("/profile/preferences")
	p.wait(existsJS(tid("preferences-form")), "My Profile → Preferences")
	p.checkFocusRings("My Profile → Preferences")
	p.navigate("/profile/security")
	p.wait(existsJS(tid("password-form")), "My Profile → Account Security")
	p.checkFocusRings("My Profile → Account Security")
	p.navigate("/admin/channels")
	p.wait(existsJS(tid("admin-channel-row")), "Admin → Channels")
	p.checkFocusRings("Admin → Channels")
	p.navigate("/admin/users/1")
	p.waitEditor(1)
	p.checkFocusRings("Admin → Users")
	p.navigate("/admin/languages")
	p.wait(existsJS(tid("language-row")), "Admin → Languages")
	p.checkFocusRings("Admin → Languages")
}

// An operator's conversation from the keyboard alone: log in, open the new conversation
// from the messages icon, reply, end it, close its window; each step checks where the
// focus is. The visitor writes through the HTTP API.
func TestConsoleA11yKeyboardOnly(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)

	p := newConsolePage(t, s)
	p.navigate("/discuss")
	p.wait(existsJS(tid("login-form")), "the login form")
	p.waitFocus(tid("login-input"), "the login page")
	p.press("alice")
	p.press(kb.Tab)
	p.waitFocus(tid("password-input"), "Tab from the login")
	p.press("password-alice")
	p.press(kb.Enter)
	p.wait(existsJS(tid("menubar")), "the console after logging in")
	p.waitFocus("#main-content", "after logging in")
	p.waitConnected()

	conv, visitor := s.visitorStart(t, ch, "Camille", "Hello! Can I still change the delivery address of my order?")
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText.trim() === "New conversation with Camille"`, tid("announcer")), "the announcement")
	p.wait(existsJS(tid("messages-badge")), "the unread badge on the messages icon")

	// Back from the page's content to the messages icon in the menu bar; Space opens it.
	p.tabTo(tid("messages-button"), true, 8)
	p.press(" ")
	p.wait(existsJS(tid("messages-dropdown")), "the messages drop-down")
	p.waitFocus(tid("messages-button"), "the drop-down opened")
	p.press(kb.Tab)
	item := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("messages-item"), conv)
	p.waitFocus(item, "Tab into the drop-down")
	p.press(kb.Enter)
	win := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	p.waitFocus(win+" "+tid("composer-input"), "the conversation opened from the drop-down")
	if consoleEval[bool](p, existsJS(tid("messages-dropdown"))) {
		t.Error("the drop-down stayed open")
	}

	// Reply: Enter sends, the message box keeps the focus.
	reply := "Hi Camille! Yes, it can still be changed today."
	p.press(reply)
	p.press(kb.Enter)
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s[data-author-kind="operator"]')`, win, tid("message")), "the reply in the window")
	p.waitFocus(win+" "+tid("composer-input"), "after sending")
	eventually(t, "the visitor to receive the reply", func() string {
		msgs := s.visitorMessages(t, conv, visitor)
		if last := msgs[len(msgs)-1]; last["body"] != reply {
			return fmt.Sprintf("last message %v", last)
		}
		return ""
	})

	// End, from the window's header: the focus lands on the notice that it has ended.
	p.tabTo(win+" "+tid("end-button"), true, 8)
	p.press(kb.Enter)
	p.confirmEnd()
	p.waitFocus(win+" "+tid("thread-ended"), "after End")
	if got := path(s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d", conv), alice, nil).object(t), "status"); got != "ended" {
		t.Errorf("conversation status %v after End, want ended", got)
	}

	// Close the window: the focus goes back to the messages icon. Escape closes the
	// drop-down opened again.
	p.tabTo(win+" "+tid("chat-window-close"), true, 4)
	p.press(" ")
	p.wait("!"+existsJS(win), "the window to close")
	p.waitFocus(tid("messages-button"), "after closing the window")
	p.press(kb.Enter)
	p.wait(existsJS(tid("messages-dropdown")), "the messages drop-down")
	p.press(kb.Escape)
	p.wait("!"+existsJS(tid("messages-dropdown")), "the drop-down to close")
	p.waitFocus(tid("messages-button"), "after Escape")
}
