package main

// Browser tests of the website widget (web/static/widget.js) on the demo page (/demo), in
// headless Chromium, against a real Parley.
//
// The widget renders in the open shadow root of <div id="parley-widget"> appended to
// <body>; query it with
//
//	document.getElementById('parley-widget').shadowRoot.querySelector('[data-testid=…]')
//
// Stable data-testid attributes:
//
//	root            the widget's root; data-open (true|false), data-mode (chat|offline),
//	                data-conversation (id or ""), data-status (queued|active|ended or ""),
//	                data-ws (open|closed: the visitor WebSocket)
//	launcher        the round button, bottom right (aria-label = the channel's button_text)
//	launcher-label  the pill next to it with the channel's button_text
//	unread          the unread badge on the launcher (operator messages while closed)
//	window          the chat window (role=dialog)
//	header          its header, in the channel's colours
//	title           the channel name
//	subtitle        the line under it; holds operator-name once assigned
//	operator-name   the operator's chat name
//	end             "End chat"
//	close           the close button
//	queue-position  "You are number N in line", while queued
//	connection      "Reconnecting…", while the WebSocket is down
//	messages        the message list (role=log)
//	welcome         the channel's welcome message, first bubble
//	message         one message; data-kind (visitor|operator|system), data-seq, and
//	                data-pending="true" while a visitor message is being sent
//	message-body    the text of a visitor or operator message
//	author          the operator's name above the first of a run of their messages
//	notice          a notice made by the widget ("Alice joined the chat.")
//	typing          "NAME is typing…"
//	error           an error under the messages
//	composer        the message form; input (textarea, Enter sends), send
//	rating          the rating card after the end; rate-good, rate-okay, rate-bad (5, 3, 1),
//	                rating-comment, rating-submit, rating-error, rating-thanks
//	offline-form    the leave-a-message form; offline-name, offline-email,
//	                offline-message, offline-submit, offline-error
//	offline-thanks  shown once the message is left

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// shadowJS is the widget's shadow root in page JavaScript.
const shadowJS = `document.getElementById('parley-widget')?.shadowRoot`

// byTestID is the JavaScript expression of the first element of the widget with this testid.
func byTestID(id string) string {
	return fmt.Sprintf(`%s?.querySelector('[data-testid=%q]')`, shadowJS, id)
}

// widgetPage is a browser tab on the demo page.
type widgetPage struct {
	t   *testing.T
	ctx context.Context
}

// pageInit runs in every document of the tab before its scripts: it records calls to
// alert (an XSS would call it), keeps every WebSocket so a test can drop them, and sets
// the browser's languages.
func pageInit(languages ...string) string {
	langs := `['` + strings.Join(languages, `','`) + `']`
	return `
window.__alerts = [];
window.alert = (m) => { window.__alerts.push(String(m)); };
window.__sockets = [];
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });
{
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
}
Object.defineProperty(navigator, 'languages', { get: () => ` + langs + ` });
Object.defineProperty(navigator, 'language', { get: () => ` + langs + `[0] });
`
}

// openDemo opens the demo page with channel ch in a fresh browser context whose
// languages are the given ones.
func openDemo(t *testing.T, s *testServer, ch int64, languages ...string) *widgetPage {
	t.Helper()
	return openSite(t, fmt.Sprintf("%s/demo?channel=%d", s.URL, ch), languages...)
}

// openSite opens a page in a fresh browser context whose languages are the given ones.
func openSite(t *testing.T, url string, languages ...string) *widgetPage {
	t.Helper()
	ctx := newPage(t)
	p := &widgetPage{t: t, ctx: ctx}
	err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: pageInit(languages...)})
			return err
		}),
		chromedp.Navigate(url),
	)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return p
}

// wait polls a JavaScript condition until it holds.
func (p *widgetPage) wait(what, cond string) {
	p.t.Helper()
	expr := `(() => { try { return !!(` + cond + `); } catch (e) { return false; } })()`
	_, err := chromedp.Run(p.ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		state, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`(() => { const r = `+byTestID("root")+`; return r ? JSON.stringify(r.dataset) + ' ' + r.innerText : 'no widget'; })()`))
		p.t.Fatalf("waiting for %s: %v\nwidget: %s", what, err, state)
	}
}

// waitText waits until the widget element's text is want.
func (p *widgetPage) waitText(id, want string) {
	p.t.Helper()
	p.wait(fmt.Sprintf("%s text %q", id, want), fmt.Sprintf(`%s?.textContent.trim() === %q`, byTestID(id), want))
}

// visible is the JavaScript condition that the element is rendered and not hidden.
func visible(el string) string {
	return `((el) => el && el.checkVisibility() && el.getBoundingClientRect().width > 0)(` + el + `)`
}

func evalJS[T any](p *widgetPage, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// click clicks with the mouse at the centre of the widget element, once it is visible
// and the widget's animations (the window opening) are over.
func (p *widgetPage) click(id string) {
	p.t.Helper()
	p.wait(id+" visible", visible(byTestID(id)))
	p.wait("animations over", shadowJS+`.getAnimations().length === 0`)
	xy := evalJS[[]float64](p, `(() => { const r = `+byTestID(id)+`.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	if err := chromedp.Do(p.ctx, chromedp.MouseClickXY(xy[0], xy[1])); err != nil {
		p.t.Fatalf("click %s: %v", id, err)
	}
}

// typeInto focuses the widget element and types keys ("\n" is Enter).
func (p *widgetPage) typeInto(id, keys string) {
	p.t.Helper()
	p.wait(id+" visible", visible(byTestID(id)))
	evalJS[chromedp.Void](p, byTestID(id)+`.focus()`)
	if err := chromedp.Do(p.ctx, chromedp.KeyEvent(keys)); err != nil {
		p.t.Fatalf("type into %s: %v", id, err)
	}
}

// messages is the text of the messages shown, as "kind:text".
func (p *widgetPage) messages() []string {
	p.t.Helper()
	return evalJS[[]string](p, `Array.from(`+shadowJS+`.querySelectorAll('[data-testid=message]')).map(m => m.dataset.kind + ':' + (m.querySelector('[data-testid=message-body]') || m).textContent)`)
}

// waitMessage waits for a message of this kind and text.
func (p *widgetPage) waitMessage(kind, text string) {
	p.t.Helper()
	p.wait(fmt.Sprintf("%s message %q", kind, text), fmt.Sprintf(
		`Array.from(%s.querySelectorAll('[data-testid=message][data-kind=%s]:not([data-pending])')).some(m => (m.querySelector('[data-testid=message-body]') || m).textContent === %q)`,
		shadowJS, kind, text))
}

// conversationID is the conversation the widget shows.
func (p *widgetPage) conversationID() int64 {
	p.t.Helper()
	var id int64
	fmt.Sscan(evalJS[string](p, byTestID("root")+`.dataset.conversation`), &id)
	return id
}

// visitorToken is the token the widget keeps in localStorage for channel ch.
func (p *widgetPage) visitorToken(ch int64) string {
	p.t.Helper()
	return evalJS[string](p, fmt.Sprintf(`JSON.parse(localStorage.getItem('parley:' + location.origin + ':%d')).token`, ch))
}

// widgetSetup is a Parley with one channel and an operator, Alice, who joined it.
type widgetSetup struct {
	s       *testServer
	admin   string
	ch      int64
	aliceID int64
	alice   string
}

func newWidgetSetup(t *testing.T, channel map[string]any) *widgetSetup {
	t.Helper()
	s := mustStart(t, "")
	admin := s.adminToken(t)
	body := map[string]any{
		"name":              "Fernwood Support",
		"button_text":       "Questions? Chat with us",
		"welcome_message":   "Hi! Ask us anything about our coffee.",
		"button_color":      "#9C522B",
		"button_text_color": "#FFFFFF",
	}
	for k, v := range channel {
		body[k] = v
	}
	ch := s.mustChannel(t, admin, body)
	aliceID, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), alice, nil)
	return &widgetSetup{s: s, admin: admin, ch: ch, aliceID: aliceID, alice: alice}
}

// operatorConversations is what GET /api/conversations gives the operator.
func (w *widgetSetup) operatorConversations(t *testing.T, token string) []map[string]any {
	t.Helper()
	var list []map[string]any
	w.s.must(t, 200, "GET", "/api/conversations", token, nil).decode(t, &list)
	return list
}

// With an operator online, a visitor chats from the demo page: the button, the window
// with the welcome message, the conversation created by the first message, the
// operator's reply and typing, text that looks like HTML, a reload, and a reconnect.
func TestWidgetChat(t *testing.T) {
	w := newWidgetSetup(t, nil)
	aliceWS := w.s.console(t, w.alice)
	p := openDemo(t, w.s, w.ch, "en-US", "en")

	// The button, bottom right, in the channel's colours with its text.
	p.wait("launcher", visible(byTestID("launcher")))
	p.waitText("launcher-label", "Questions? Chat with us")
	if got := evalJS[string](p, byTestID("launcher")+`.getAttribute('aria-label')`); got != "Questions? Chat with us" {
		t.Errorf("launcher aria-label %q", got)
	}
	box := evalJS[map[string]float64](p, `(() => { const r = `+byTestID("launcher")+`.getBoundingClientRect(); return {right: innerWidth - r.right, bottom: innerHeight - r.bottom, width: r.width, height: r.height}; })()`)
	if box["right"] < 0 || box["right"] > 40 || box["bottom"] < 0 || box["bottom"] > 40 || box["width"] < 40 || box["width"] != box["height"] {
		t.Errorf("launcher is not a round button in the bottom-right corner: %v", box)
	}
	if bg := evalJS[string](p, `getComputedStyle(`+byTestID("launcher")+`).backgroundColor`); bg != "rgb(156, 82, 43)" {
		t.Errorf("launcher background %s, want the channel colour #9C522B", bg)
	}
	if fg := evalJS[string](p, `getComputedStyle(`+byTestID("launcher")+`).color`); fg != "rgb(255, 255, 255)" {
		t.Errorf("launcher colour %s, want the channel text colour #FFFFFF", fg)
	}
	p.wait("animations over", shadowJS+`.getAnimations().length === 0`)
	screenshot(t, p.ctx, "widget-button")

	// A click opens the window with the welcome message and focuses the input; nothing
	// is created before the first message.
	p.click("launcher")
	p.wait("window", visible(byTestID("window")))
	p.waitText("welcome", "Hi! Ask us anything about our coffee.")
	p.waitText("title", "Fernwood Support")
	p.wait("input focused", shadowJS+`.activeElement === `+byTestID("input"))
	if bg := evalJS[string](p, `getComputedStyle(`+byTestID("header")+`).backgroundColor`); bg != "rgb(156, 82, 43)" {
		t.Errorf("header background %s", bg)
	}
	if list := w.operatorConversations(t, w.alice); len(list) != 0 {
		t.Fatalf("a conversation exists before the first message: %v", list)
	}

	// Enter sends the first message, which creates the conversation, assigned to Alice.
	p.typeInto("input", "Hello, which coffee for a French press?\n")
	p.waitMessage("visitor", "Hello, which coffee for a French press?")
	p.waitText("operator-name", "Alice")
	p.waitText("subtitle", "Alice")
	list := w.operatorConversations(t, w.alice)
	if len(list) != 1 || list[0]["language"] != "en" || list[0]["status"] != "active" || !strings.HasSuffix(fmt.Sprint(list[0]["page_url"]), fmt.Sprintf("/demo?channel=%d", w.ch)) {
		t.Fatalf("alice's conversations = %v", list)
	}
	conv := num(list[0]["id"])
	if got := p.conversationID(); got != conv {
		t.Fatalf("widget shows conversation %d, want %d", got, conv)
	}
	if v := evalJS[string](p, byTestID("input")+`.value`); v != "" {
		t.Errorf("input not cleared after sending: %q", v)
	}
	aliceWS.expect(t, "message", func(ev map[string]any) bool { return num(ev["conversation_id"]) == conv })

	// The visitor types: Alice sees it.
	p.wait("websocket", byTestID("root")+`.dataset.ws === 'open'`)
	p.typeInto("input", "A")
	aliceWS.expect(t, "typing", func(ev map[string]any) bool { return num(ev["conversation_id"]) == conv })
	evalJS[chromedp.Void](p, `(el => { el.value = ''; })(`+byTestID("input")+`)`)

	// Alice types, then answers: the visitor sees both live, with her chat name.
	aliceWS.send(t, map[string]any{"type": "typing", "conversation_id": conv})
	p.waitText("typing", "Alice is typing…")
	w.s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), w.alice, map[string]string{"body": "Our Cerrado, Brazil: chocolatey and forgiving. https://example.com/cerrado"})
	p.waitMessage("operator", "Our Cerrado, Brazil: chocolatey and forgiving. https://example.com/cerrado")
	p.wait("typing hidden", `!`+visible(byTestID("typing")))
	if got := evalJS[string](p, shadowJS+`.querySelector('[data-testid=message][data-kind=operator] [data-testid=author]')?.textContent`); got != "Alice" {
		t.Errorf("operator author %q, want the chat name Alice", got)
	}
	if got := evalJS[string](p, shadowJS+`.querySelector('[data-kind=operator] a')?.href`); got != "https://example.com/cerrado" {
		t.Errorf("link in the operator message: %q", got)
	}

	// Markup from the operator is shown as text, never run.
	xss := `<img src=x onerror=alert(1)>`
	w.s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), w.alice, map[string]string{"body": xss})
	p.waitMessage("operator", xss)
	if n := evalJS[int](p, shadowJS+`.querySelectorAll('img').length + document.querySelectorAll('img').length`); n != 0 {
		t.Errorf("%d img elements after an operator sent markup", n)
	}
	p.typeInto("input", "Great, thanks!\n")
	p.waitMessage("visitor", "Great, thanks!")
	p.wait("animations over", shadowJS+`.getAnimations().length === 0`)
	screenshot(t, p.ctx, "widget-open")
	if alerts := evalJS[[]string](p, `window.__alerts`); len(alerts) != 0 {
		t.Errorf("alert was called: %v", alerts)
	}

	// A reload continues the conversation: the window reopens with its history.
	want := []string{
		"visitor:Hello, which coffee for a French press?",
		"operator:Our Cerrado, Brazil: chocolatey and forgiving. https://example.com/cerrado",
		"operator:" + xss,
		"visitor:Great, thanks!",
	}
	if err := chromedp.Do(p.ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	p.wait("window reopened", visible(byTestID("window")))
	p.wait("history restored", fmt.Sprintf(`%s.querySelectorAll('[data-testid=message]').length === %d`, shadowJS, len(want)))
	if got := p.messages(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("history after reload:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	p.waitText("operator-name", "Alice")
	if got := p.conversationID(); got != conv {
		t.Errorf("after reload the widget shows conversation %d, want %d", got, conv)
	}
	if alerts := evalJS[[]string](p, `window.__alerts`); len(alerts) != 0 {
		t.Errorf("alert was called after reload: %v", alerts)
	}

	// The WebSocket drops; what Alice said meanwhile arrives once it reconnects.
	p.wait("websocket", byTestID("root")+`.dataset.ws === 'open'`)
	evalJS[chromedp.Void](p, `window.__sockets.forEach(s => s.close())`)
	p.wait("websocket closed", byTestID("root")+`.dataset.ws === 'closed'`)
	w.s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), w.alice, map[string]string{"body": "Still there?"})
	p.waitMessage("operator", "Still there?")
	p.wait("websocket reopened", byTestID("root")+`.dataset.ws === 'open'`)
	if n := len(p.messages()); n != len(want)+1 {
		t.Errorf("%d messages after the catch-up, want %d: %v", n, len(want)+1, p.messages())
	}

	// Escape closes the window; a new operator message then shows as unread.
	p.typeInto("input", kb.Escape)
	p.wait("window closed", `!`+visible(byTestID("window")))
	w.s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), w.alice, map[string]string{"body": "Have a nice day"})
	p.waitText("unread", "1")
}

// The visitor ends the chat and rates it; the next message starts a new conversation for
// the same visitor, which the operator then ends.
func TestWidgetEndAndRate(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice)
	p := openDemo(t, w.s, w.ch, "en-US")

	p.click("launcher")
	p.typeInto("input", "Do you ship to Belgium?\n")
	p.waitText("operator-name", "Alice")
	conv := p.conversationID()
	token := p.visitorToken(w.ch)
	if conv == 0 || token == "" {
		t.Fatalf("conversation %d, token %q", conv, token)
	}

	p.click("end")
	p.waitText("message", "Do you ship to Belgium?")
	p.waitMessage("system", "You ended the chat.")
	p.wait("rating", visible(byTestID("rating")))
	p.wait("end hidden", `!`+visible(byTestID("end")))
	p.waitText("subtitle", "Alice · Chat ended")
	if got := w.s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", conv), token, nil).object(t); got["status"] != "ended" {
		t.Fatalf("conversation after End chat = %v", got)
	}
	p.click("rate-good")
	p.typeInto("rating-comment", "Quick and helpful")
	p.click("rating-submit")
	p.waitText("rating-thanks", "Thank you for your feedback!")
	got := w.s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", conv), token, nil).object(t)
	if num(path(got, "rating", "score")) != 5 || path(got, "rating", "comment") != "Quick and helpful" {
		t.Fatalf("rating stored = %v", got["rating"])
	}

	// A new message starts a new conversation, with the same visitor token.
	p.typeInto("input", "One more question\n")
	p.wait("new conversation", fmt.Sprintf(`%s.dataset.conversation !== '' && %[1]s.dataset.conversation !== '%d'`, byTestID("root"), conv))
	p.waitMessage("visitor", "One more question")
	second := p.conversationID()
	if tok := p.visitorToken(w.ch); tok != token {
		t.Errorf("visitor token changed from %q to %q", token, tok)
	}
	if n := len(p.messages()); n != 1 {
		t.Errorf("the new conversation shows %d messages, want 1: %v", n, p.messages())
	}
	w.s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", second), token, nil)
	if list := w.operatorConversations(t, w.alice); len(list) != 2 {
		t.Fatalf("alice has %d conversations, want 2", len(list))
	}

	// The operator ends it: the visitor is told and may rate.
	p.wait("websocket", byTestID("root")+`.dataset.ws === 'open'`)
	w.s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", second), w.alice, nil)
	p.waitMessage("system", "The operator ended the chat.")
	p.wait("rating", visible(byTestID("rating")))
	p.click("rate-bad")
	p.click("rating-submit")
	p.wait("rating-thanks", visible(byTestID("rating-thanks")))
	got = w.s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d", second), token, nil).object(t)
	if num(path(got, "rating", "score")) != 1 {
		t.Fatalf("second rating = %v", got["rating"])
	}
}

// With every operator at the channel's cap the chat still opens; the conversation waits
// in line and goes to the next operator who comes online.
func TestWidgetQueue(t *testing.T) {
	w := newWidgetSetup(t, map[string]any{"max_ongoing_per_operator": 1})
	w.s.console(t, w.alice)
	// Another visitor keeps Alice busy.
	w.s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", w.ch), "", map[string]any{"body": "first!"})
	_, bob := w.s.mustOperator(t, w.admin, "bob", nil)
	w.s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", w.ch), bob, nil)

	p := openDemo(t, w.s, w.ch, "en-US")
	p.click("launcher")
	p.wait("chat mode", byTestID("root")+`.dataset.mode === 'chat'`)
	p.typeInto("input", "Is anyone there?\n")
	p.waitText("queue-position", "You are number 1 in line")
	p.wait("queued", byTestID("root")+`.dataset.status === 'queued'`)
	if evalJS[bool](p, byTestID("operator-name")+` !== null`) {
		t.Error("an operator name is shown while queued")
	}

	// Bob opens his console: the conversation is his, and the visitor sees it live.
	p.wait("websocket", byTestID("root")+`.dataset.ws === 'open'`)
	w.s.console(t, bob)
	p.waitText("operator-name", "Bob Doe")
	p.wait("queue banner hidden", `!`+visible(byTestID("queue-position")))
	p.waitText("notice", "Bob Doe joined the chat.")
	if list := w.operatorConversations(t, bob); len(list) != 1 || list[0]["status"] != "active" {
		t.Fatalf("bob's conversations = %v", list)
	}
}

// With nobody online the button offers to leave a message, which operators then read.
func TestWidgetOfflineMessage(t *testing.T) {
	w := newWidgetSetup(t, nil) // Alice joined, but has no console open
	p := openDemo(t, w.s, w.ch, "en-US")

	p.click("launcher")
	p.wait("offline form", visible(byTestID("offline-form")))
	p.wait("no chat input", `!`+visible(byTestID("input")))
	p.wait("name focused", shadowJS+`.activeElement === `+byTestID("offline-name"))

	// Missing fields are caught before anything is sent.
	p.click("offline-submit")
	p.waitText("offline-error", "Please fill in every field.")

	p.typeInto("offline-name", "Ann Visitor")
	p.typeInto("offline-email", "ann@example.com")
	p.typeInto("offline-message", "Please call me back about a wholesale order.")
	p.click("offline-submit")
	p.wait("thanks", visible(byTestID("offline-thanks")))

	var msgs []map[string]any
	w.s.must(t, 200, "GET", "/api/offline-messages", w.admin, nil).decode(t, &msgs)
	if len(msgs) != 1 || msgs[0]["name"] != "Ann Visitor" || msgs[0]["email"] != "ann@example.com" ||
		msgs[0]["body"] != "Please call me back about a wholesale order." || num(msgs[0]["channel_id"]) != w.ch {
		t.Fatalf("offline messages = %v", msgs)
	}
	if list := w.operatorConversations(t, w.admin); len(list) != 0 {
		t.Fatalf("a conversation was created: %v", list)
	}
}

// A French browser gets the French widget, and its conversation is in French.
func TestWidgetFrench(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.must(t, 200, "PUT", "/api/languages/fr", w.admin, map[string]bool{"enabled": true})
	w.s.console(t, w.alice)
	p := openDemo(t, w.s, w.ch, "fr-BE", "fr")

	// The channel's own texts are not translated.
	p.waitText("launcher-label", "Questions? Chat with us")
	p.click("launcher")
	p.waitText("welcome", "Hi! Ask us anything about our coffee.")
	if got := evalJS[string](p, byTestID("input")+`.placeholder`); got != "Écrivez un message…" {
		t.Errorf("placeholder %q", got)
	}
	if got := evalJS[string](p, byTestID("close")+`.getAttribute('aria-label')`); got != "Fermer la discussion" {
		t.Errorf("close label %q", got)
	}
	p.typeInto("input", "Bonjour !\n")
	p.waitText("operator-name", "Alice")
	p.waitText("end", "Terminer la discussion")
	if list := w.operatorConversations(t, w.alice); len(list) != 1 || list[0]["language"] != "fr" {
		t.Fatalf("alice's conversations = %v", list)
	}
	p.wait("websocket", byTestID("root")+`.dataset.ws === 'open'`)
	w.s.console(t, w.alice).send(t, map[string]any{"type": "typing", "conversation_id": p.conversationID()})
	p.waitText("typing", "Alice est en train d’écrire…")
	p.click("end")
	p.waitMessage("system", "Vous avez terminé la discussion.")
	p.waitText("rate-good", "Bien")
	p.waitText("rate-okay", "Moyen")
	p.waitText("rate-bad", "Mauvais")
}

// The host page's hostile CSS neither hides nor restyles the widget.
func TestWidgetHostileCSS(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice)
	p := openDemo(t, w.s, w.ch, "en-US")
	// On top of the demo page's own hostile rules, the worst global ones.
	evalJS[chromedp.Void](p, `document.head.appendChild(Object.assign(document.createElement('style'), {textContent:
		'* { color: red !important; font-size: 40px !important; line-height: 5 !important; font-family: serif !important } ' +
		'button { display: none !important } ' +
		'div { all: unset !important; display: none !important; transform: scale(.2) !important; filter: blur(4px) !important } ' +
		'body > * { position: absolute !important; left: 0 !important; top: 0 !important }'}))`)

	p.wait("launcher", visible(byTestID("launcher")))
	box := evalJS[map[string]float64](p, `(() => { const r = `+byTestID("launcher")+`.getBoundingClientRect(); return {right: innerWidth - r.right, bottom: innerHeight - r.bottom, width: r.width}; })()`)
	if box["right"] < 0 || box["right"] > 40 || box["bottom"] < 0 || box["bottom"] > 40 || box["width"] != 60 {
		t.Errorf("launcher moved or resized by the page's CSS: %v", box)
	}
	if bg := evalJS[string](p, `getComputedStyle(`+byTestID("launcher")+`).backgroundColor`); bg != "rgb(156, 82, 43)" {
		t.Errorf("launcher background %s, want the channel colour", bg)
	}
	label := evalJS[map[string]string](p, `(() => { const s = getComputedStyle(`+byTestID("launcher-label")+`); return {color: s.color, size: s.fontSize, family: s.fontFamily}; })()`)
	if label["color"] == "rgb(255, 0, 0)" || label["size"] != "14px" || strings.Contains(label["family"], "Comic") || label["family"] == "serif" {
		t.Errorf("label restyled by the page: %v", label)
	}

	p.click("launcher")
	// 360x520 once its opening animation is over.
	p.wait("window of 360x520", `((r) => r.width === 360 && r.height === 520)(`+byTestID("window")+`.getBoundingClientRect())`)
	p.typeInto("input", "Styled?\n")
	p.waitMessage("visitor", "Styled?")
	bubble := evalJS[map[string]string](p, `(() => { const s = getComputedStyle(`+shadowJS+`.querySelector('[data-kind=visitor] [data-testid=message-body]')); return {color: s.color, bg: s.backgroundColor, size: s.fontSize}; })()`)
	if bubble["color"] != "rgb(255, 255, 255)" || bubble["bg"] != "rgb(156, 82, 43)" || bubble["size"] != "14px" {
		t.Errorf("visitor bubble restyled by the page: %v", bubble)
	}
}

// Another website embeds the widget with the plain snippet, under a strict
// Content-Security-Policy: the widget talks to Parley cross-origin (CORS, WebSocket) and
// needs no inline style or script.
func TestWidgetCrossOrigin(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice)
	parleyWS := "ws" + strings.TrimPrefix(w.s.URL, "http")
	site := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Content-Security-Policy", fmt.Sprintf("default-src 'none'; script-src %s; connect-src %s %s; style-src 'self'", w.s.URL, w.s.URL, parleyWS))
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, `<!doctype html><html lang="en"><head><title>Another site</title></head>
<body><h1>Another site</h1>
<script src="%s/widget.js" data-channel="%d" async></script>
</body></html>`, w.s.URL, w.ch)
	}))
	t.Cleanup(site.Close)

	p := openSite(t, site.URL, "en-US")
	p.wait("launcher", visible(byTestID("launcher")))
	if bg := evalJS[string](p, `getComputedStyle(`+byTestID("launcher")+`).backgroundColor`); bg != "rgb(156, 82, 43)" {
		t.Errorf("launcher background %s under a strict CSP", bg)
	}
	p.click("launcher")
	p.typeInto("input", "Hello from another site\n")
	p.waitText("operator-name", "Alice")
	conv := p.conversationID()
	if list := w.operatorConversations(t, w.alice); len(list) != 1 || path(list[0], "page_url") != site.URL+"/" {
		t.Fatalf("alice's conversations = %v", list)
	}
	p.wait("websocket", byTestID("root")+`.dataset.ws === 'open'`)
	w.s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), w.alice, map[string]string{"body": "Welcome!"})
	p.waitMessage("operator", "Welcome!")
	if v := evalJS[[]string](p, `window.__csp`); len(v) != 0 {
		t.Errorf("Content-Security-Policy violations: %v", v)
	}
	if key := evalJS[string](p, `Object.keys(localStorage).join(' ')`); key != fmt.Sprintf("parley:%s:%d", w.s.URL, w.ch) {
		t.Errorf("localStorage keys %q", key)
	}
}
