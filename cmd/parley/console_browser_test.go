package main

// Browser tests of the operator console (web/static/console), driven through a real
// headless Chromium with chromedp. They find elements by these data-testid attributes,
// which the console keeps stable for tests (the visitor+operator tests use them too):
//
// Login and menu bar
//   login-form, login-input, password-input, login-submit  the login page and its fields
//   login-error                the server's error.message after a refused login
//   menubar                    the menu bar shown on every page once logged in
//   nav-discuss, nav-channels, nav-admin   its page links (nav-admin for admins only)
//   connection                 live connection indicator; data-state = open | connecting | closed
//   messages-button            the messages (speech bubbles) icon
//   messages-badge             its badge: the number of conversations with unread messages
//   messages-dropdown          the drop-down listing the conversations
//   messages-item              one conversation in it; data-conversation-id, data-unread
//   user-menu-button, user-menu   the avatar and its menu
//   menu-profile, menu-logout  "My Profile" and "Log out" in that menu
//   notice                     a notice under the menu bar; data-kind = info | warning | error
//   notice-dismiss             its close button
//
// My Profile → Preferences
//   profile-page, tab-preferences, preferences-form
//   pref-chat-name             the "Online Chat Name" input
//   pref-main-language         the main language select (enabled languages only)
//   pref-chat-languages        the "Online Chat Languages" picker
//   pref-chat-language-chip    one chosen language; data-code
//   pref-chat-language-remove  the remove button of a chip
//   pref-chat-language-add     the select that adds a language (enabled ones not yet chosen)
//   pref-save, pref-discard    Save and Discard
//   pref-saved, pref-error     "Preferences saved." / the server's refusal
//
// Channels
//   channels-page
//   channel-card               one card; data-channel-id, data-joined = true | false
//   channel-name               the card's title
//   channel-operator           an operator of the channel; data-operator-id, data-status = online | away | offline
//   channel-join, channel-leave   the Join / Leave button
//   channel-error              the server's refusal of a join or leave
//
// Discuss
//   discuss-page
//   livechat-heading           the "LIVECHAT" heading of the left panel
//   livechat-list              the list under it
//   livechat-item              one conversation; data-conversation-id, data-unread, data-status; class "unread" (bold)
//   livechat-unread            the unread count of an item
//   discuss-thread             the selected conversation in the main pane; data-conversation-id
//   discuss-title              the visitor's name in its header
//
// A conversation (in the Discuss pane and in chat windows alike)
//   thread                     the conversation; data-conversation-id
//   message-list               its messages
//   message                    one message; data-seq, data-author-kind = visitor | operator | system
//   message-body               the text of a message
//   typing-indicator           "NAME is typing…" (empty when nobody types)
//   composer-input, composer-send, composer-error   the message box, its Send button, a refused send
//   end-button                 End the conversation, after a confirmation:
//   end-dialog                 the confirmation (a modal dialog), with confirm-ok (End) and confirm-cancel
//   thread-ended               "This conversation has ended." in place of the composer
//
// Chat windows (bottom-right corner, every page)
//   chat-windows               their container
//   chat-window                one window; data-conversation-id, data-folded = true | false
//   chat-window-header, chat-window-toggle   its header and the title button that folds/opens it
//   chat-window-unread         the unread count in its header
//   chat-window-fold, chat-window-close, chat-window-expand   fold/open, close, open in Discuss
//
// Admin
//   admin-page, admin-tab-users, admin-tab-channels, admin-tab-languages
//   users-table, user-row (data-login)
//   new-user-form, new-user-login, new-user-name, new-user-password, new-user-role, new-user-submit
//   new-user-saved, new-user-error
//   admin-channel-row (data-channel-id), new-channel-button
//   channel-form, channel-form-name, channel-form-button-text, channel-form-welcome,
//   channel-form-button-color, channel-form-text-color, channel-form-max, channel-form-save,
//   channel-form-origins       the allowed websites (one origin per line)
//   channel-form-origins-warning  the warning shown while the list is empty (any website may embed)
//   channel-form-saved, channel-form-error
//   copy-snippet, widget-snippet   the "Copy widget snippet" button and the snippet it shows
//   languages-table, language-row (data-code, data-enabled), language-toggle, language-filter, languages-error
//
// The ids of Admin → Users' editor and of My Profile → Account Security are listed in
// accounts_browser_test.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// waitTimeout bounds each wait for the page; generous for -race on a loaded machine.
const waitTimeout = 20 * time.Second

// consolePage is one operator's browser tab on the console.
type consolePage struct {
	t   *testing.T
	s   *testServer
	ctx context.Context

	mu         sync.Mutex
	exceptions []string
	requests   map[string]string // requests under way, for failure messages
	failures   []string          // requests that failed
}

// tid is the CSS selector of a data-testid.
func tid(id string) string { return fmt.Sprintf("[data-testid=%q]", id) }

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// newConsolePage opens a tab that records the page's uncaught exceptions; the test fails
// if any occurred. setup runs before the first navigation (e.g. scripts for every document).
func newConsolePage(t *testing.T, s *testServer, setup ...chromedp.Action[chromedp.Void]) *consolePage {
	t.Helper()
	p := &consolePage{t: t, s: s, ctx: newPage(t), requests: make(map[string]string)}
	if err := chromedp.Listen(p.ctx, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			p.exceptions = append(p.exceptions, msg)
		case *network.EventRequestWillBeSent:
			p.requests[string(e.RequestID)] = e.Request.Method + " " + e.Request.URL
		case *network.EventLoadingFinished:
			delete(p.requests, string(e.RequestID))
		case *network.EventLoadingFailed:
			p.failures = append(p.failures, p.requests[string(e.RequestID)]+": "+e.ErrorText)
			delete(p.requests, string(e.RequestID))
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(p.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(p.ctx, setup...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.exceptions) > 0 {
			t.Errorf("uncaught exceptions in the console: %s", strings.Join(p.exceptions, "\n"))
		}
	})
	return p
}

// openConsole opens the console and logs in through the login page.
func openConsole(t *testing.T, s *testServer, login, password, hash string, setup ...chromedp.Action[chromedp.Void]) *consolePage {
	t.Helper()
	p := newConsolePage(t, s, setup...)
	p.navigate(hash)
	p.login(login, password)
	p.waitConnected()
	return p
}

func (p *consolePage) navigate(hash string) {
	p.t.Helper()
	p.do(chromedp.Navigate(p.s.URL + "/#" + hash))
}

func (p *consolePage) login(login, password string) {
	p.t.Helper()
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("login-form")), "the login form")
	p.setValue(tid("login-input"), "")
	p.setValue(tid("password-input"), "")
	p.do(
		chromedp.SendKeys(chromedp.CSS(tid("login-input")), login),
		chromedp.SendKeys(chromedp.CSS(tid("password-input")), password),
		chromedp.Click(chromedp.CSS(tid("login-submit"))),
	)
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("menubar")), "the menu bar after login")
}

func (p *consolePage) waitConnected() {
	p.t.Helper()
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.state === "open"`, tid("connection")), "the live connection")
}

func (p *consolePage) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v\npage text:\n%s", err, p.pageText())
	}
}

// wait polls the JavaScript expression until it is truthy.
func (p *consolePage) wait(expr, what string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout+5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(40*time.Millisecond), chromedp.WithPollingTimeout(waitTimeout))); err != nil {
		p.t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, p.pageText())
	}
}

// pageText is the visible text of the page, for failure messages.
func (p *consolePage) pageText() string {
	ctx, cancel := context.WithTimeout(p.ctx, 3*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		text = "(unavailable: " + err.Error() + ")"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var pending []string
	for _, r := range p.requests {
		pending = append(pending, r)
	}
	return fmt.Sprintf("%s\n(requests under way: %v; failed: %v)", text, pending, p.failures)
}

// consoleEval evaluates expr in the page and decodes its value into T.
func consoleEval[T any](p *consolePage, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, waitTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func (p *consolePage) click(sel string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(sel)))
}

// typeText focuses the element and types text; "\n" is the Enter key.
func (p *consolePage) typeText(sel, text string) {
	p.t.Helper()
	p.do(chromedp.Focus(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// setValue sets a form control's value and fires the events a user's change fires.
func (p *consolePage) setValue(sel, value string) {
	p.t.Helper()
	consoleEval[bool](p, fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el) throw new Error("no element " + %q);
		el.value = %s;
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`, sel, sel, jsString(value)))
}

func (p *consolePage) text(sel string) string {
	p.t.Helper()
	return consoleEval[string](p, fmt.Sprintf(`document.querySelector(%q)?.innerText ?? ""`, sel))
}

func (p *consolePage) screenshot(name string) {
	p.t.Helper()
	// Let transitions and the caret settle so that the picture is stable.
	p.do(chromedp.Sleep(150 * time.Millisecond))
	screenshot(p.t, p.ctx, name)
}

// consoleChannel is a channel as GET /api/channels shows it.
type consoleChannel struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Joined    bool   `json:"joined"`
	Operators []struct {
		ID       int64  `json:"id"`
		ChatName string `json:"chat_name"`
		Status   string `json:"status"`
	} `json:"operators"`
}

func (s *testServer) channelsOf(tb testing.TB, token string) map[int64]consoleChannel {
	tb.Helper()
	var list []consoleChannel
	s.must(tb, 200, "GET", "/api/channels", token, nil).decode(tb, &list)
	out := make(map[int64]consoleChannel)
	for _, ch := range list {
		out[ch.ID] = ch
	}
	return out
}

// visitorStart starts a conversation as a visitor and returns its id and the visitor token.
func (s *testServer) visitorStart(tb testing.TB, channel int64, name, body string) (int64, string) {
	tb.Helper()
	started := s.must(tb, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", channel), "", map[string]any{
		"body": body, "visitor_name": name, "languages": []string{"en-GB"}, "page_url": "https://shop.example.com/checkout",
	}).object(tb)
	if got := path(started, "conversation", "status"); got != "active" {
		tb.Fatalf("conversation status %v, want active (is the operator's console connected?): %v", got, started)
	}
	return num(path(started, "conversation", "id")), started["visitor_token"].(string)
}

// visitorMessages lists a conversation's messages as its visitor reads them.
func (s *testServer) visitorMessages(tb testing.TB, conv int64, token string) []map[string]any {
	tb.Helper()
	var msgs []map[string]any
	s.must(tb, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", conv), token, nil).decode(tb, &msgs)
	return msgs
}

// eventually retries check until it returns "" or the time is up, then fails with its last answer.
func eventually(tb testing.TB, what string, check func() string) {
	tb.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		problem := check()
		if problem == "" {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: %s", what, problem)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A wrong password shows the server's message; the right one opens the console, whose
// menu bar offers the pages and the user menu; logging out shows the login page again.
func TestConsoleLogin(t *testing.T) {
	s := mustStart(t, "")
	p := newConsolePage(t, s)
	p.navigate("/discuss")
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("login-form")), "the login form")

	p.do(
		chromedp.SendKeys(chromedp.CSS(tid("login-input")), "admin"),
		chromedp.SendKeys(chromedp.CSS(tid("password-input")), "not-the-password"),
		chromedp.Click(chromedp.CSS(tid("login-submit"))),
	)
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("login-error")), "the login error")
	if got := p.text(tid("login-error")); got != "Wrong login or password." {
		t.Fatalf("login error %q, want the server's message", got)
	}
	if consoleEval[bool](p, fmt.Sprintf(`!!document.querySelector(%q)`, tid("menubar"))) {
		t.Fatal("menu bar shown after a refused login")
	}

	p.login("admin", adminPassword)
	p.waitConnected()
	for _, id := range []string{"nav-discuss", "nav-channels", "nav-admin", "messages-button", "user-menu-button"} {
		if !consoleEval[bool](p, fmt.Sprintf(`!!document.querySelector(%q)`, tid(id))) {
			t.Errorf("menu bar has no %s", id)
		}
	}
	if got := p.text(tid("livechat-heading")); !strings.HasPrefix(got, "LIVECHAT") {
		t.Errorf("Discuss heading %q, want LIVECHAT", got)
	}

	p.click(tid("user-menu-button"))
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("menu-profile")), "the user menu")
	if got := p.text(tid("user-menu")); !strings.Contains(got, "My Profile") || !strings.Contains(got, "Log out") {
		t.Fatalf("user menu %q", got)
	}
	p.click(tid("menu-logout"))
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("login-form")), "the login form after logging out")
	// The session is gone on the server too: a reload asks to log in again.
	p.do(chromedp.Reload())
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("login-form")), "the login form after a reload")
}

// Preferences: the Online Chat Name and Online Chat Languages are saved (only enabled
// languages are offered), shown at once, and refused with the server's message when a
// language was disabled meanwhile.
func TestConsolePreferences(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	s.must(t, 200, "PUT", "/api/languages/fr", admin, map[string]bool{"enabled": true})
	s.must(t, 200, "PUT", "/api/languages/es", admin, map[string]bool{"enabled": true})
	_, bob := s.mustOperator(t, admin, "bob", nil)

	p := openConsole(t, s, "bob", "password-bob", "/discuss")
	p.click(tid("user-menu-button"))
	p.click(tid("menu-profile"))
	p.wait(fmt.Sprintf(`document.querySelectorAll(%q).length > 1`, tid("pref-chat-language-add")+" option"), "the Preferences tab")
	if got := p.text(tid("tab-preferences")); got != "Preferences" {
		t.Fatalf("tab %q", got)
	}
	if hint := p.text("#pref-chat-name-hint"); !strings.Contains(hint, "Bob Doe") {
		t.Errorf("chat name hint %q does not name the user's name", hint)
	}

	options := func(sel string) []string {
		return consoleEval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(o => o.value).filter(Boolean).sort()`, sel+" option"))
	}
	if got := options(tid("pref-main-language")); !slices.Equal(got, []string{"en", "es", "fr"}) {
		t.Errorf("main language offers %v, want the enabled en, es, fr", got)
	}
	if got := options(tid("pref-chat-language-add")); !slices.Equal(got, []string{"es", "fr"}) {
		t.Errorf("chat languages offer %v, want the enabled es, fr (not the main language, nothing disabled)", got)
	}

	p.typeText(tid("pref-chat-name"), "Bobby")
	p.setValue(tid("pref-chat-language-add"), "fr")
	p.wait(fmt.Sprintf(`!!document.querySelector('%s[data-code="fr"]')`, tid("pref-chat-language-chip")), "the French chip")
	p.click(tid("pref-save"))
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("pref-saved")), "the saved message")
	if got := p.text(".profile-head"); !strings.Contains(got, "Visitors see you as Bobby") {
		t.Errorf("profile header %q does not show the saved chat name", got)
	}
	if got := consoleEval[string](p, fmt.Sprintf(`document.querySelector(%q).value`, tid("pref-chat-name"))); got != "Bobby" {
		t.Errorf("chat name field %q after saving", got)
	}
	p.screenshot("console-preferences")

	var me struct {
		ChatName      string   `json:"chat_name"`
		MainLanguage  string   `json:"main_language"`
		ChatLanguages []string `json:"chat_languages"`
	}
	s.must(t, 200, "GET", "/api/me", bob, nil).decode(t, &me)
	if me.ChatName != "Bobby" || me.MainLanguage != "en" || !slices.Equal(me.ChatLanguages, []string{"fr"}) {
		t.Fatalf("GET /api/me = %+v, want chat name Bobby, main en, chat languages [fr]", me)
	}

	// Spanish is disabled while the page still offers it: the server refuses, and says why.
	s.must(t, 200, "PUT", "/api/languages/es", admin, map[string]bool{"enabled": false})
	p.setValue(tid("pref-chat-language-add"), "es")
	p.click(tid("pref-save"))
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("pref-error")), "the refusal")
	if got := p.text(tid("pref-error")); got != `Language "es" is not enabled on this installation.` {
		t.Errorf("error %q, want the server's message", got)
	}
	s.must(t, 200, "GET", "/api/me", bob, nil).decode(t, &me)
	if !slices.Equal(me.ChatLanguages, []string{"fr"}) {
		t.Errorf("chat languages %v after a refused save", me.ChatLanguages)
	}
}

// Channels: each card shows its operators with their presence, and Join or Leave; a
// click flips the card and the server agrees.
func TestConsoleChannelsJoinLeave(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	website := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	sales := s.mustChannel(t, admin, map[string]any{"name": "Sales", "button_color": "#017E84"})
	daveID, dave := s.mustOperator(t, admin, "dave", map[string]any{"chat_name": "Dave"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", website), dave, nil)
	s.console(t, dave) // Dave is online
	erinID, erin := s.mustOperator(t, admin, "erin", map[string]any{"chat_name": "Erin"})

	p := openConsole(t, s, "erin", "password-erin", "/channels")
	card := func(id int64) string { return fmt.Sprintf(`%s[data-channel-id="%d"]`, tid("channel-card"), id) }
	p.wait(fmt.Sprintf(`document.querySelectorAll(%q).length === 2`, tid("channel-card")), "two channel cards")
	if got := p.text(card(website) + " " + tid("channel-name")); got != "Website" {
		t.Fatalf("card title %q", got)
	}
	p.wait(fmt.Sprintf(`document.querySelector('%s %s[data-operator-id="%d"]')?.dataset.status === "online"`, card(website), tid("channel-operator"), daveID),
		"Dave online on the Website card")
	for _, id := range []int64{website, sales} {
		if !consoleEval[bool](p, fmt.Sprintf(`!!document.querySelector('%s %s') && !document.querySelector('%s %s')`, card(id), tid("channel-join"), card(id), tid("channel-leave"))) {
			t.Fatalf("card %d does not show Join alone", id)
		}
	}

	p.click(card(website) + " " + tid("channel-join"))
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.joined === "true" && !!document.querySelector('%s %s')`, card(website), card(website), tid("channel-leave")),
		"the Website card to show Leave")
	if got := p.text(card(website) + " " + tid("channel-leave")); got != "Leave" {
		t.Fatalf("button %q, want Leave", got)
	}
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s[data-operator-id="%d"]')`, card(website), tid("channel-operator"), erinID), "Erin among the operators")
	chs := s.channelsOf(t, erin)
	if !chs[website].Joined || chs[sales].Joined {
		t.Fatalf("server: website joined=%v, sales joined=%v", chs[website].Joined, chs[sales].Joined)
	}
	p.screenshot("console-channels")

	p.click(card(website) + " " + tid("channel-leave"))
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.joined === "false" && !!document.querySelector('%s %s')`, card(website), card(website), tid("channel-join")),
		"the Website card to show Join")
	if chs := s.channelsOf(t, erin); chs[website].Joined {
		t.Fatal("server still has Erin in Website after Leave")
	}
	if n := consoleEval[int](p, fmt.Sprintf(`document.querySelectorAll('%s[data-kind="warning"]').length`, tid("notice"))); n != 0 {
		t.Errorf("a leave asked for shows %d removal notice(s)", n)
	}
}

// The thirty-minute rule (here 1.5 s): the server removes the idle operator from the
// channel and the card flips to Join, with a notice, without a reload. The test does not
// touch the page after joining, so the console reports no activity.
func TestConsoleInactivityRemoval(t *testing.T) {
	s := mustStart(t, "", func(c *Config) { c.InactivityTimeout = 1500 * time.Millisecond })
	admin := s.adminToken(t)
	website := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, frank := s.mustOperator(t, admin, "frank", nil)

	p := openConsole(t, s, "frank", "password-frank", "/channels")
	card := fmt.Sprintf(`%s[data-channel-id="%d"]`, tid("channel-card"), website)
	consoleEval[bool](p, `(window.__sameDocument = true)`)
	p.click(card + " " + tid("channel-join"))
	// The card shows Leave until the removal (not waited for here: on a slow machine the
	// 1.5 s may be over before a poll sees it). The notice below is only shown for a card
	// that was joined.
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.joined === "false" && !!document.querySelector('%s %s')`, card, card, tid("channel-join")),
		"the card to flip back to Join")
	p.wait(fmt.Sprintf(`[...document.querySelectorAll(%q)].some(n => n.innerText.includes("removed from Website after a period of inactivity"))`, tid("notice")),
		"the removal notice")
	if !consoleEval[bool](p, `window.__sameDocument === true`) {
		t.Fatal("the page was reloaded")
	}
	if chs := s.channelsOf(t, frank); chs[website].Joined {
		t.Fatal("server still has Frank in Website")
	}
}

// wsHook records the page's WebSockets (window.__sockets) and, while window.__blockWS is
// true, makes new ones fail, so a test can cut the live connection and keep it down.
const wsHook = `(() => {
	const Real = window.WebSocket;
	window.__sockets = [];
	window.__blockWS = false;
	window.WebSocket = class extends Real {
		constructor(url, protocols) {
			super(window.__blockWS ? "ws://127.0.0.1:9/blocked" : url, protocols);
			window.__sockets.push(this);
		}
	};
})();`

func addScript(source string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: source})
		return err
	})
}

// A new conversation opens a chat window in the bottom-right corner on any page, shows in
// bold with its unread count under LIVECHAT, gets the operator's reply from the window to
// the visitor, and the windows' state survives a reload.
func TestConsoleChatWindows(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	website := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", website), alice, nil)

	p := openConsole(t, s, "alice", "password-alice", "/channels")
	conv, visitor := s.visitorStart(t, website, "Camille", "Hello! Can I still change the delivery address of my order?")
	win := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	exists := func(sel string) string { return fmt.Sprintf(`!!document.querySelector(%q)`, sel) }

	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s[data-seq="1"]')`, win, tid("message")), "a chat window with the visitor's message")
	if !consoleEval[bool](p, exists(tid("channels-page"))) {
		t.Fatal("the chat window did not open on the Channels page")
	}
	box := consoleEval[map[string]float64](p, fmt.Sprintf(`(() => {
		const r = document.querySelector(%q).getBoundingClientRect();
		return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, w: innerWidth, h: innerHeight};
	})()`, win))
	cx, cy := (box["left"]+box["right"])/2, (box["top"]+box["bottom"])/2
	if cx <= box["w"]/2 || cy <= box["h"]/2 || box["w"]-box["right"] > 40 || box["h"]-box["bottom"] > 2 {
		t.Fatalf("chat window at %v: not in the bottom-right corner", box)
	}
	if got := p.text(win + " " + tid("message-body")); got != "Hello! Can I still change the delivery address of my order?" {
		t.Fatalf("window message %q", got)
	}
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.innerText === "1"`, tid("messages-badge")), "the messages badge to count 1")
	p.wait(`document.title === "(1) Parley"`, "the title to count the unread message")

	// A second visitor: a second window opens to the left of the first.
	conv2, _ := s.visitorStart(t, website, "Jonas", "Hi, do you ship to Norway?")
	win2 := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv2)
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s[data-seq="1"]')`, win2, tid("message")), "the second chat window")
	if !consoleEval[bool](p, fmt.Sprintf(`document.querySelector(%q).getBoundingClientRect().right <= document.querySelector(%q).getBoundingClientRect().left`, win, win2)) {
		t.Error("the newer chat window is not the rightmost one")
	}
	p.wait(`document.title === "(2) Parley"`, "the title to count two unread messages")

	// Discuss: both conversations in bold under LIVECHAT, with their unread counts.
	p.click(tid("nav-discuss"))
	item := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("livechat-item"), conv)
	p.wait(exists(item), "the conversation under LIVECHAT")
	if got := p.text(tid("livechat-heading")); !strings.HasPrefix(got, "LIVECHAT") {
		t.Fatalf("heading %q", got)
	}
	weight := consoleEval[int](p, fmt.Sprintf(`parseInt(getComputedStyle(document.querySelector('%s .livechat-item-name')).fontWeight)`, item))
	if weight < 600 || p.text(item+" "+tid("livechat-unread")) != "1" {
		t.Fatalf("unread conversation: font weight %d, unread count %q; want bold and 1", weight, p.text(item+" "+tid("livechat-unread")))
	}
	if !consoleEval[bool](p, exists(fmt.Sprintf(`%s[data-conversation-id="%d"] %s`, tid("livechat-item"), conv2, tid("livechat-unread")))) {
		t.Error("the second conversation has no unread count")
	}
	if !consoleEval[bool](p, exists(win)+" && "+exists(win2)) {
		t.Error("the chat windows are not on the Discuss page")
	}

	// Opening it in Discuss reads it: no longer bold, and the server agrees. Its chat
	// window stays as it was.
	p.click(item)
	pane := tid("discuss-thread")
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.conversationId === "%d" && !!document.querySelector('%s %s[data-seq="1"]')`, pane, conv, pane, tid("message")),
		"the conversation in the Discuss pane")
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.unread === "0"`, item), "the conversation to be read")
	p.wait(`document.title === "(1) Parley"`, "the title to count only the other conversation")
	if !consoleEval[bool](p, exists(win)) || !consoleEval[bool](p, exists(win2)) {
		t.Error("opening a conversation in Discuss closed a chat window")
	}
	unread := func() string {
		var list []struct {
			ID     int64 `json:"id"`
			Unread int   `json:"unread"`
		}
		s.must(t, 200, "GET", "/api/conversations", alice, nil).decode(t, &list)
		for _, c := range list {
			if c.ID == conv && c.Unread != 0 {
				return fmt.Sprintf("unread %d", c.Unread)
			}
		}
		return ""
	}
	eventually(t, "the server to count it read", unread)

	// The operator answers from the pane (the console sends it on its WebSocket), the
	// visitor writes again and types.
	consoleEval[bool](p, `(() => {
		const send = WebSocket.prototype.send;
		window.sentFrames = [];
		WebSocket.prototype.send = function (data) { window.sentFrames.push(String(data)); return send.call(this, data); };
		return true;
	})()`)
	p.typeText(pane+" "+tid("composer-input"), "Hi Camille! Yes, it can still be changed today.\n")
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s[data-seq="2"][data-author-kind="operator"]')`, pane, tid("message")), "the answer in the pane")
	if !consoleEval[bool](p, `window.sentFrames.some((f) => f.includes('"type":"send"') && f.includes('changed today'))`) {
		t.Errorf("the answer was not sent on the WebSocket; frames sent: %v", consoleEval[[]string](p, `window.sentFrames`))
	}
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, map[string]string{"body": "Great! Please send it to 12 Rue de la Paix, Paris."})
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s[data-seq="3"]')`, pane, tid("message")), "the visitor's new message in the pane")
	vws := s.dial(t, "/livechat/ws?token="+visitor, nil)
	vws.send(t, map[string]any{"type": "typing", "conversation_id": conv})
	p.wait(fmt.Sprintf(`document.querySelector('%s %s')?.innerText.includes("Camille is typing…")`, pane, tid("typing-indicator")), "the typing indicator")
	p.screenshot("console-discuss")

	// On another page the window is back; the operator replies from it and the visitor
	// receives the reply.
	p.click(tid("nav-channels"))
	p.wait(exists(tid("channels-page"))+" && "+exists(win)+" && "+exists(win2), "both windows on the Channels page")
	p.wait(fmt.Sprintf(`document.querySelectorAll('%s %s').length === 3`, win, tid("message")), "the whole history in the window")
	reply := "Done: your order will go to 12 Rue de la Paix."
	p.typeText(win+" "+tid("composer-input"), reply+"\n")
	p.wait(fmt.Sprintf(`[...document.querySelectorAll('%s %s[data-author-kind="operator"]')].some(m => m.innerText.includes(%s))`, win, tid("message"), jsString(reply)),
		"the reply in the chat window")
	eventually(t, "the visitor to receive the reply", func() string {
		msgs := s.visitorMessages(t, conv, visitor)
		last := msgs[len(msgs)-1]
		if last["body"] != reply || path(last, "author", "kind") != "operator" || path(last, "author", "name") != "Alice" {
			return fmt.Sprintf("last message %v", last)
		}
		return ""
	})
	if got := consoleEval[string](p, fmt.Sprintf(`document.querySelector(%q).value`, win+" "+tid("composer-input"))); got != "" {
		t.Errorf("composer keeps %q after sending", got)
	}

	// Fold the first window: it shrinks to its header. Reload: the same windows, in the
	// same order, the first still folded.
	p.click(win + " " + tid("chat-window-fold"))
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.folded === "true" && !document.querySelector('%s %s')`, win, win, tid("composer-input")), "the window to fold")
	p.do(chromedp.Reload())
	p.wait(exists(tid("channels-page"))+" && "+exists(win)+" && "+exists(win2), "the chat windows after a reload")
	p.wait(fmt.Sprintf(`document.querySelector(%q).dataset.folded === "true" && document.querySelector(%q).dataset.folded === "false"`, win, win2), "the fold states after a reload")
	if !consoleEval[bool](p, fmt.Sprintf(`document.querySelector(%q).getBoundingClientRect().right <= document.querySelector(%q).getBoundingClientRect().left`, win, win2)) {
		t.Error("the windows changed order after a reload")
	}

	// Reopen the folded window: the whole history is there.
	p.click(win + " " + tid("chat-window-toggle"))
	want := len(s.visitorMessages(t, conv, visitor))
	p.wait(fmt.Sprintf(`document.querySelectorAll('%s %s').length === %d`, win, tid("message"), want), "the history in the reopened window")

	// End it from the window, once confirmed: the system notice shows, the composer gives way.
	p.click(win + " " + tid("end-button"))
	p.confirmEnd()
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s') && document.querySelectorAll('%s %s[data-author-kind="system"]').length === 1`, win, tid("thread-ended"), win, tid("message")),
		"the ended conversation")
	if got := p.text(fmt.Sprintf(`%s %s[data-author-kind="system"]`, win, tid("message"))); !strings.Contains(got, "The operator ended the conversation.") {
		t.Errorf("system message %q", got)
	}
	// The operator's own End leaves nothing unread.
	eventually(t, "the ended conversation to stay read", unread)

	// Close the window: it stays closed after a reload.
	p.click(win + " " + tid("chat-window-close"))
	p.wait("!"+exists(win), "the window to close")
	p.do(chromedp.Reload())
	p.wait(exists(win2), "the other window after a reload")
	if consoleEval[bool](p, exists(win)) {
		t.Error("a closed window came back after a reload")
	}
}

// A visitor's message is text, never markup: the console shows it literally, makes no
// element of it, and runs nothing.
func TestConsoleMessagesAreText(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	website := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, grace := s.mustOperator(t, admin, "grace", nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", website), grace, nil)

	p := openConsole(t, s, "grace", "password-grace", "/discuss")
	consoleEval[bool](p, `(window.__alerts = [], window.alert = (m) => window.__alerts.push(String(m)), true)`)
	const xss = `<img src=x onerror=alert(1)>`
	const name = `<b>Eve</b>`
	conv, visitor := s.visitorStart(t, website, name, xss)
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, map[string]string{"body": `<script>alert(2)</script>`})

	win := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	checkText := func(list string) {
		t.Helper()
		text := p.text(list + " " + tid("message-list"))
		if !strings.Contains(text, xss) || !strings.Contains(text, `<script>alert(2)</script>`) {
			t.Errorf("%s shows %q, want the markup as text", list, text)
		}
	}
	p.wait(fmt.Sprintf(`document.querySelectorAll('%s %s').length === 2`, win, tid("message")), "both messages in the chat window")
	checkText(win)
	if got := p.text(win + " .chat-window-name"); got != name {
		t.Errorf("window title %q, want %q", got, name)
	}
	p.click(fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("livechat-item"), conv))
	p.wait(fmt.Sprintf(`document.querySelectorAll('%s %s').length === 2`, tid("discuss-thread"), tid("message")), "both messages in the Discuss pane")
	checkText(tid("discuss-thread"))
	p.click(tid("messages-button"))
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("messages-item")), "the messages drop-down")

	if got := p.text(tid("discuss-title")); got != name {
		t.Errorf("visitor name shown as %q, want %q", got, name)
	}
	if got := p.text(tid("messages-item")); !strings.Contains(got, name) || !strings.Contains(got, "<script>alert(2)</script>") {
		t.Errorf("drop-down item %q", got)
	}
	if n := consoleEval[int](p, `document.querySelectorAll("img, b, [data-testid=message-list] script").length`); n != 0 {
		t.Errorf("%d element(s) made from message text", n)
	}
	if got := consoleEval[[]string](p, `window.__alerts`); len(got) != 0 {
		t.Errorf("alert called with %v", got)
	}
}

// The live connection drops: the console reconnects by itself and catches up on what
// happened meanwhile (a message in an open conversation, a new conversation), with no
// message shown twice.
func TestConsoleReconnectCatchesUp(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	website := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, heidi := s.mustOperator(t, admin, "heidi", nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", website), heidi, nil)

	p := openConsole(t, s, "heidi", "password-heidi", "/discuss", addScript(wsHook))
	conv, visitor := s.visitorStart(t, website, "Ivan", "First question")
	p.click(fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("livechat-item"), conv))
	pane := tid("discuss-thread")
	p.wait(fmt.Sprintf(`!!document.querySelector('%s %s[data-seq="1"]')`, pane, tid("message")), "the conversation in the pane")

	// Cut the connection and keep it down while the visitor writes and another starts.
	consoleEval[bool](p, `(window.__blockWS = true, window.__sockets.forEach(ws => ws.close()), true)`)
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.state !== "open"`, tid("connection")), "the console to see the connection closed")
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, map[string]string{"body": "Second question, while you were away"})
	conv2, _ := s.visitorStart(t, website, "Judy", "Hello from Judy")
	if consoleEval[bool](p, fmt.Sprintf(`!!document.querySelector('%s %s[data-seq="2"]')`, pane, tid("message"))) {
		t.Fatal("the message arrived while the connection was down: the test cannot see the catch-up")
	}

	consoleEval[bool](p, `(window.__blockWS = false, true)`)
	p.waitConnected()
	p.wait(fmt.Sprintf(`[...document.querySelectorAll('%s %s[data-seq="2"]')].some(m => m.innerText.includes("Second question"))`, pane, tid("message")),
		"the missed message after reconnecting")
	p.wait(fmt.Sprintf(`!!document.querySelector('%s[data-conversation-id="%d"]') && !!document.querySelector('%s[data-conversation-id="%d"]')`,
		tid("livechat-item"), conv2, tid("chat-window"), conv2), "the conversation started meanwhile, in the list and a chat window")
	if n := consoleEval[int](p, fmt.Sprintf(`document.querySelectorAll('%s %s').length`, pane, tid("message"))); n != 2 {
		t.Errorf("%d messages in the pane, want 2 (no duplicates)", n)
	}
}

// Admin: add an operator, enable a language and create a channel with its widget snippet,
// all through the console; the server agrees.
func TestConsoleAdmin(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	p := openConsole(t, s, "admin", adminPassword, "/discuss")

	p.click(tid("nav-admin"))
	p.wait(fmt.Sprintf(`!!document.querySelector('%s[data-login="admin"]')`, tid("user-row")), "the users table")
	p.typeText(tid("new-user-login"), "carol")
	p.typeText(tid("new-user-name"), "Carol Smith")
	p.typeText(tid("new-user-password"), "carol-secret-1")
	p.setValue(tid("new-user-role"), "operator")
	p.click(tid("new-user-submit"))
	p.wait(fmt.Sprintf(`!!document.querySelector('%s[data-login="carol"]')`, tid("user-row")), "Carol in the users table")
	type user struct {
		Login string `json:"login"`
		Name  string `json:"name"`
		Role  string `json:"role"`
	}
	var users []user
	s.must(t, 200, "GET", "/api/users", admin, nil).decode(t, &users)
	if !slices.Contains(users, user{Login: "carol", Name: "Carol Smith", Role: "operator"}) {
		t.Fatalf("GET /api/users = %+v, want carol", users)
	}
	s.login(t, "carol", "carol-secret-1")

	// A refused user shows the server's message.
	p.typeText(tid("new-user-login"), "dan")
	p.typeText(tid("new-user-name"), "Dan")
	p.typeText(tid("new-user-password"), "short")
	p.click(tid("new-user-submit"))
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("new-user-error")), "the refusal")
	if got := p.text(tid("new-user-error")); got != "Password must have at least 8 characters." {
		t.Errorf("error %q", got)
	}

	p.click(tid("admin-tab-languages"))
	row := fmt.Sprintf(`%s[data-code="de"]`, tid("language-row"))
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.enabled === "false"`, row), "German, disabled")
	p.click(row + " " + tid("language-toggle"))
	p.wait(fmt.Sprintf(`document.querySelector(%q)?.dataset.enabled === "true"`, row), "German enabled")
	var langs []struct {
		Code    string `json:"code"`
		Enabled bool   `json:"enabled"`
	}
	s.must(t, 200, "GET", "/api/languages", admin, nil).decode(t, &langs)
	for _, l := range langs {
		if l.Code == "de" && !l.Enabled {
			t.Fatal("server: German still disabled")
		}
	}

	p.click(tid("admin-tab-channels"))
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("channel-form")), "the channel form")
	p.typeText(tid("channel-form-name"), "Sales")
	p.setValue(tid("channel-form-button-color"), "#017e84")
	p.setValue(tid("channel-form-max"), "3")
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("channel-form-origins-warning")), "the warning that any website may embed the widget")
	p.typeText(tid("channel-form-origins"), "https://Shop.Example\nhttp://localhost:3000")
	p.wait(fmt.Sprintf(`!document.querySelector(%q)`, tid("channel-form-origins-warning")), "the warning to go once websites are listed")
	p.click(tid("channel-form-save"))
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("channel-form-saved")), "the channel to be created")
	var chs []struct {
		ID          int64    `json:"id"`
		Name        string   `json:"name"`
		ButtonColor string   `json:"button_color"`
		Max         int      `json:"max_ongoing_per_operator"`
		Origins     []string `json:"allowed_origins"`
	}
	s.must(t, 200, "GET", "/api/channels", admin, nil).decode(t, &chs)
	if len(chs) != 1 || chs[0].Name != "Sales" || !strings.EqualFold(chs[0].ButtonColor, "#017e84") || chs[0].Max != 3 ||
		fmt.Sprint(chs[0].Origins) != "[https://shop.example http://localhost:3000]" {
		t.Fatalf("GET /api/channels = %+v", chs)
	}
	p.wait(fmt.Sprintf(`!!document.querySelector('%s[data-channel-id="%d"]')`, tid("admin-channel-row"), chs[0].ID), "Sales in the list")
	p.click(tid("copy-snippet"))
	p.wait(fmt.Sprintf(`!!document.querySelector(%q)`, tid("widget-snippet")), "the widget snippet")
	want := fmt.Sprintf(`<script src="%s/widget.js" data-channel="%d" async></script>`, s.URL, chs[0].ID)
	if got := consoleEval[string](p, fmt.Sprintf(`document.querySelector(%q).value`, tid("widget-snippet"))); got != want {
		t.Errorf("snippet %q, want %q", got, want)
	}
}
