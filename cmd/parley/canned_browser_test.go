package main

// Browser tests of canned responses. Test ids:
//
// Completion, in every composer (chat windows and the Discuss pane)
//   canned-suggestions         the list of suggestions (role listbox) above the composer
//   canned-option              one suggestion (role option); data-shortcut, aria-selected
//
// Management: My Profile → Preferences (the operator's own) and Admin → Canned Responses
// (the shared ones, admin-tab-canned-responses)
//   canned-section             data-scope = personal | shared
//   canned-table, canned-row (data-shortcut), canned-uses, canned-empty
//   canned-edit, canned-delete the buttons of a row (Delete asks: confirm, confirm-ok, confirm-cancel)
//   canned-form, canned-form-shortcut, canned-form-body, canned-form-save, canned-form-cancel
//   canned-form-error, canned-saved, canned-error

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// cannedUses is how many times the response with the shortcut was used, as token sees it.
func (s *testServer) cannedUses(tb testing.TB, token, shortcut string) int64 {
	tb.Helper()
	for _, c := range s.cannedOf(tb, token) {
		if c.Shortcut == shortcut {
			return c.Uses
		}
	}
	tb.Fatalf("no canned response %q", shortcut)
	return 0
}

// options lists the shortcuts of the suggestions shown under root, in order, the chosen
// one marked with a star.
func (p *consolePage) cannedOptions(root string) string {
	p.t.Helper()
	return consoleEval[string](p, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((o) => o.dataset.shortcut + (o.getAttribute("aria-selected") === "true" ? "*" : "")).join(" ")`,
		root+" "+tid("canned-option")))
}

// An operator types ":hel" in a chat window: the shared response is suggested, Tab puts
// its text in place, Enter sends it, the visitor receives it and its use is counted. In
// Discuss, the arrows choose among shortcut and text matches, Enter inserts without
// sending, Escape closes the list, and a click inserts.
func TestCannedResponsesInTheComposer(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	website := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", website), alice, nil)
	s.mustCanned(t, admin, map[string]any{"shortcut": "hello", "body": "Hello, how can I help you?", "shared": true})
	s.mustCanned(t, admin, map[string]any{"shortcut": "thanks", "body": "Thank you for your patience.", "shared": true})
	s.mustCanned(t, alice, map[string]any{"shortcut": "hours", "body": "We are open 9 to 5."})

	p := openConsole(t, s, "alice", "password-alice", "/channels")
	conv, visitor := s.visitorStart(t, website, "Camille", "Hi! Are you there?")
	win := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	box := win + " " + tid("composer-input")
	p.wait(existsJS(box), "the chat window's composer")

	lastReceived := func(want string) func() string {
		return func() string {
			msgs := s.visitorMessages(t, conv, visitor)
			if last := msgs[len(msgs)-1]; last["body"] != want || path(last, "author", "name") != "Alice" {
				return fmt.Sprintf("last message %v, want %q from Alice", last, want)
			}
			return ""
		}
	}

	p.typeText(box, ":hel")
	p.wait(existsJS(win+" "+tid("canned-suggestions")), "the suggestions in the chat window")
	if got := p.cannedOptions(win); got != "hello*" {
		t.Fatalf("suggestions for :hel: %s, want hello chosen", got)
	}
	if !consoleEval[bool](p, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-activedescendant") === document.querySelector('%s [aria-selected="true"]').id`, box, win)) {
		t.Error("the composer's aria-activedescendant does not name the chosen suggestion")
	}
	if got := p.text(win + " " + tid("canned-option")); !strings.Contains(got, ":hello") || !strings.Contains(got, "Hello, how can I help you?") {
		t.Errorf("suggestion reads %q, want the shortcut and the start of the text", got)
	}
	checkAccessible(t, p.ctx, "a chat window with suggestions")
	p.screenshot("console-canned-suggestions")
	p.press(kb.Tab)
	p.wait(fmt.Sprintf(`document.querySelector(%q).value === "Hello, how can I help you?" && !document.querySelector('%s %s')`, box, win, tid("canned-suggestions")),
		"the text in place of :hel, and the list closed")
	p.waitFocus(box, "after Tab")
	p.press(kb.Enter)
	eventually(t, "the visitor to receive the canned response", lastReceived("Hello, how can I help you?"))
	eventually(t, "the use to be counted", func() string {
		if n := s.cannedUses(t, alice, "hello"); n != 1 {
			return fmt.Sprintf("%d uses", n)
		}
		return ""
	})

	// Discuss: ":ho" matches the shortcut hours first, then hello by its text ("how").
	consoleEval[bool](p, fmt.Sprintf(`(location.hash = "#/discuss/%d", true)`, conv))
	pane := tid("discuss-thread")
	paneBox := pane + " " + tid("composer-input")
	p.wait(existsJS(paneBox), "the conversation in the Discuss pane")
	p.typeText(paneBox, "Our hours? :ho")
	p.wait(existsJS(pane+" "+tid("canned-suggestions")), "the suggestions in Discuss")
	if got := p.cannedOptions(pane); got != "hours* hello" {
		t.Fatalf("suggestions for :ho: %s, want hours (shortcut) chosen, then hello (text)", got)
	}
	p.press(kb.ArrowDown)
	p.wait(fmt.Sprintf(`document.querySelector('%s [aria-selected="true"]')?.dataset.shortcut === "hello"`, pane), "Down to choose hello")
	p.press(kb.ArrowUp)
	p.wait(fmt.Sprintf(`document.querySelector('%s [aria-selected="true"]')?.dataset.shortcut === "hours"`, pane), "Up to choose hours again")
	sent := len(s.visitorMessages(t, conv, visitor))
	p.press(kb.Enter)
	p.wait(fmt.Sprintf(`document.querySelector(%q).value === "Our hours? We are open 9 to 5."`, paneBox), "Enter to insert the text")
	if n := len(s.visitorMessages(t, conv, visitor)); n != sent {
		t.Fatalf("Enter on a suggestion sent a message (%d messages, was %d)", n, sent)
	}
	p.press(kb.Enter)
	eventually(t, "the visitor to receive the message", lastReceived("Our hours? We are open 9 to 5."))
	p.wait(fmt.Sprintf(`document.querySelector(%q).value === ""`, paneBox), "the composer to empty")

	// Escape closes the list and leaves the text; another letter opens it again, and a
	// click inserts.
	p.typeText(paneBox, ":th")
	p.wait(existsJS(pane+" "+tid("canned-suggestions")), "the suggestions for :th")
	p.press(kb.Escape)
	p.wait(fmt.Sprintf(`!document.querySelector('%s %s') && document.querySelector(%q).value === ":th"`, pane, tid("canned-suggestions"), paneBox), "Escape to close the list")
	p.typeText(paneBox, "a")
	p.wait(existsJS(pane+" "+tid("canned-option")+`[data-shortcut="thanks"]`), "the suggestions for :tha")
	p.click(pane + " " + tid("canned-option") + `[data-shortcut="thanks"]`)
	p.wait(fmt.Sprintf(`document.querySelector(%q).value === "Thank you for your patience."`, paneBox), "a click to insert the text")
	p.waitFocus(paneBox, "after a click on a suggestion")
	p.press(kb.Enter)
	eventually(t, "the visitor to receive the message", lastReceived("Thank you for your patience."))
	for shortcut, want := range map[string]int64{"hello": 1, "hours": 1, "thanks": 1} {
		if n := s.cannedUses(t, alice, shortcut); n != want {
			t.Errorf(":%s used %d times, want %d", shortcut, n, want)
		}
	}
}

// An admin creates a shared response in Admin → Canned Responses (and is told when a
// shortcut is taken), an operator adds and deletes their own in My Profile →
// Preferences, then uses the shared one in a chat window.
func TestCannedResponsesManaged(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	website := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, bob := s.mustOperator(t, admin, "bob", map[string]any{"chat_name": "Bob"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", website), bob, nil)

	a := openConsole(t, s, "admin", adminPassword, "/admin/canned-responses")
	shared := tid("canned-section") + `[data-scope="shared"]`
	a.wait(existsJS(shared+" "+tid("canned-empty")), "the shared canned responses, none yet")
	if got := a.text(`[aria-current="page"]` + tid("admin-tab-canned-responses")); got != "Canned Responses" {
		t.Errorf("current admin tab %q", got)
	}
	checkAccessible(t, a.ctx, "Admin → Canned Responses, empty")
	add := func(p *consolePage, section, shortcut, body string) {
		t.Helper()
		p.setValue(section+" "+tid("canned-form-shortcut"), shortcut)
		p.setValue(section+" "+tid("canned-form-body"), body)
		p.click(section + " " + tid("canned-form-save"))
	}
	add(a, shared, "welcome", "Welcome to Example Shop!")
	a.wait(existsJS(shared+" "+tid("canned-row")+`[data-shortcut="welcome"]`), "the new shared response in the list")
	if got := a.text(shared + " " + tid("canned-saved")); got != "Canned response :welcome added." {
		t.Errorf("status %q", got)
	}
	a.waitFocus(shared+" "+tid("canned-form-shortcut"), "after adding")
	add(a, shared, "WELCOME", "Another one")
	a.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText === %s`, shared+" "+tid("canned-form-error"), jsString(`A shared canned response already has the shortcut ":WELCOME".`)),
		"the server's refusal of a taken shortcut")
	a.click(shared + " " + tid("canned-row") + `[data-shortcut="welcome"] ` + tid("canned-edit"))
	a.wait(fmt.Sprintf(`document.querySelector(%q)?.value === "Welcome to Example Shop!"`, shared+" "+tid("canned-form-body")), "the edit form")
	a.setValue(shared+" "+tid("canned-form-body"), "Welcome to Example Shop! How can I help?")
	a.click(shared + " " + tid("canned-form-save"))
	a.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText === "Canned response :welcome saved."`, shared+" "+tid("canned-saved")), "the edit saved")
	if got := a.text(shared + " " + tid("canned-row")); !strings.Contains(got, "How can I help?") {
		t.Errorf("row after the edit: %q", got)
	}
	checkAccessible(t, a.ctx, "Admin → Canned Responses, with one")
	a.screenshot("console-canned-admin")

	// bob's own, in his Preferences; the shared one is not his to manage there.
	b := openConsole(t, s, "bob", "password-bob", "/profile/preferences")
	mine := tid("canned-section") + `[data-scope="personal"]`
	b.wait(existsJS(mine+" "+tid("canned-empty")), "bob's canned responses, none yet")
	if got := b.text(mine + " .hint"); !strings.Contains(got, "1 shared one") {
		t.Errorf("hint %q does not mention the shared response", got)
	}
	add(b, mine, "sig", "Best regards, Bob")
	b.wait(existsJS(mine+" "+tid("canned-row")+`[data-shortcut="sig"]`), "bob's new response")
	add(b, mine, "tmp", "To be deleted")
	b.wait(existsJS(mine+" "+tid("canned-row")+`[data-shortcut="tmp"]`), "bob's second response")
	checkAccessible(t, b.ctx, "My Profile → Preferences with canned responses")
	b.screenshot("console-canned-preferences")
	b.click(mine + " " + tid("canned-row") + `[data-shortcut="tmp"] ` + tid("canned-delete"))
	b.wait(existsJS(mine+" "+tid("confirm")), "the confirmation")
	b.waitFocus(tid("confirm-cancel"), "the confirmation")
	b.click(mine + " " + tid("confirm-ok"))
	b.wait("!"+existsJS(mine+" "+tid("canned-row")+`[data-shortcut="tmp"]`), "the response deleted")
	b.waitFocus(mine+" h2", "after deleting")
	if got := cannedList(s.cannedOf(t, bob)); got != "sig(mine):0 welcome(shared):0" {
		t.Errorf("bob's responses: %s", got)
	}

	// bob uses the shared one in a chat window.
	conv, visitor := s.visitorStart(t, website, "Jonas", "Hello?")
	win := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	box := win + " " + tid("composer-input")
	b.wait(existsJS(box), "the chat window's composer")
	b.typeText(box, ":wel")
	b.wait(existsJS(win+" "+tid("canned-option")+`[data-shortcut="welcome"]`), "the shared response suggested")
	b.press(kb.Tab)
	b.wait(fmt.Sprintf(`document.querySelector(%q).value === "Welcome to Example Shop! How can I help?"`, box), "the shared text in the composer")
	b.press(kb.Enter)
	eventually(t, "the visitor to receive the shared response", func() string {
		msgs := s.visitorMessages(t, conv, visitor)
		if last := msgs[len(msgs)-1]; last["body"] != "Welcome to Example Shop! How can I help?" || path(last, "author", "name") != "Bob" {
			return fmt.Sprintf("last message %v", last)
		}
		return ""
	})
	if n := s.cannedUses(t, admin, "welcome"); n != 1 {
		t.Errorf("the shared response was used %d times, want 1", n)
	}
}
