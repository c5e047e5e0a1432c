package main

// Browser tests of the operator's notifications, links in messages, the End confirmation,
// chat windows beside Discuss, and the widget in German. Test ids, besides those listed in
// console_browser_test.go and widget_browser_test.go:
//
// My Profile → Preferences → Notifications
//   notify-settings            the switches' fieldset
//   pref-notify-sound          "Play a sound" (a switch, saved as it changes)
//   pref-notify-desktop        "Show desktop notifications"
//   pref-notify-blocked        the note shown when the browser blocks notifications
//   pref-notify-error          the server's refusal
//
// Admin → Channels → a channel's texts per language
//   channel-texts              the fieldset
//   channel-texts-language     the language picker (enabled languages)
//   channel-texts-button-text, channel-texts-welcome   the texts in the language picked

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// confirmEnd answers the End confirmation with the keyboard: it opens with the focus on
// Cancel, the safe choice; Shift+Tab reaches End, which ends the conversation.
func (p *consolePage) confirmEnd() {
	p.t.Helper()
	dialog := tid("end-dialog")
	p.waitFocus(dialog+" "+tid("confirm-cancel"), "the End confirmation")
	p.press(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
	p.waitFocus(dialog+" "+tid("confirm-ok"), "End in the confirmation")
	p.press(kb.Enter)
	p.wait("!"+existsJS(dialog), "the confirmation to close")
}

// notifyRecorder runs in every document of the console's tab before its scripts: it
// records the desktop notifications made (window.__notes) and the permission asked
// (window.__asked), counts the notes of sound started (window.__sounds), lets the test
// hide the page (window.__hidden, then a visibilitychange event), and move the clock
// forward (window.__skew, in milliseconds).
const notifyRecorder = `
window.__notes = []; window.__asked = 0; window.__sounds = 0; window.__hidden = false; window.__skew = 0;
{
  const Native = window.Notification;
  window.Notification = new Proxy(Native, {
    construct(target, args) {
      const rec = { title: args[0], body: args[1] && args[1].body };
      window.__notes.push(rec);
      rec.n = Reflect.construct(target, args);
      return rec.n;
    },
    get(target, prop) {
      if (prop === 'requestPermission') return (...a) => { window.__asked++; return target.requestPermission(...a); };
      return Reflect.get(target, prop);
    },
  });
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...a) { window.__sounds++; return start.apply(this, a); };
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (window.__hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.__hidden });
  const now = Date.now;
  Date.now = () => now() + window.__skew;
}
`

// setHidden hides or shows the console's page, as switching tabs does.
func (p *consolePage) setHidden(hidden bool) {
	p.t.Helper()
	consoleEval[bool](p, fmt.Sprintf(`(window.__hidden = %v, document.dispatchEvent(new Event('visibilitychange')), true)`, hidden))
}

// With its tab hidden, the console plays a sound and shows a desktop notification for a
// new conversation and for a visitor's message; a click on the notification opens the
// conversation. The browser is asked for its permission only when the operator turns
// desktop notifications on, never on page load. Switched off in Preferences, neither
// comes any more; with the tab shown, neither comes at all.
func TestConsoleNotifications(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	website := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, alice := s.mustOperator(t, admin, "alice", map[string]any{"chat_name": "Alice"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", website), alice, nil)

	p := openConsole(t, s, "alice", "password-alice", "/profile/preferences", addScript(notifyRecorder))
	p.wait(existsJS(tid("pref-notify-desktop")), "the notification switches")
	if !consoleEval[bool](p, `document.querySelector('[data-testid=pref-notify-sound]').checked && !document.querySelector('[data-testid=pref-notify-desktop]').checked`) {
		t.Fatal("a new operator's switches: want the sound on and desktop notifications off")
	}
	if n := consoleEval[int](p, `window.__asked`); n != 0 {
		t.Fatalf("the console asked for the notification permission %d time(s) before the operator turned notifications on", n)
	}
	checkAccessible(t, p.ctx, "Preferences with the notification switches")
	me := func() notifySwitches {
		var n notifySwitches
		s.must(t, 200, "GET", "/api/me", alice, nil).decode(t, &n)
		return n
	}

	// Desktop notifications on: the browser is asked, then (as the operator would in the
	// browser's prompt) the permission is granted.
	p.click(tid("pref-notify-desktop"))
	p.wait(`window.__asked === 1`, "the permission to be asked")
	eventually(t, "desktop notifications to be saved", func() string {
		if n := me(); n.Desktop == nil || !*n.Desktop || n.Sound == nil || !*n.Sound {
			return n.String()
		}
		return ""
	})
	if _, err := chromedp.CallBrowser(p.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission:       &browser.PermissionDescriptor{Name: "notifications"},
		Setting:          browser.PermissionSettingGranted,
		Origin:           s.URL,
		BrowserContextID: chromedp.FromContext(p.ctx).BrowserContextID,
	}); err != nil {
		t.Fatalf("grant the notification permission: %v", err)
	}
	p.wait(`Notification.permission === 'granted'`, "the permission")

	// Another browser of Alice's, where Parley has not been allowed yet, offers to ask.
	other := openConsole(t, s, "alice", "password-alice", "/profile/preferences", addScript(notifyRecorder))
	other.wait(existsJS(tid("pref-notify-allow")), "the offer to allow notifications in this browser")
	checkAccessible(t, other.ctx, "Preferences offering to allow notifications")
	if n := consoleEval[int](other, `window.__asked`); n != 0 {
		t.Fatalf("the other browser asked %d time(s) on its own", n)
	}
	other.click(tid("pref-notify-allow"))
	other.wait(`window.__asked === 1`, "the permission to be asked in the other browser")
	p.wait("!"+existsJS(tid("pref-notify-allow")), "no offer to allow notifications in the browser allowed already")

	// A conversation while the tab is shown: no sound, no notification.
	conv, visitor := s.visitorStart(t, website, "Camille", "Hello! Is my order on its way?")
	win := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	p.wait(existsJS(win+" "+tid("message")), "Camille's chat window")
	if n, notes := consoleEval[int](p, `window.__sounds`), consoleEval[int](p, `window.__notes.length`); n != 0 || notes != 0 {
		t.Fatalf("with the tab shown: %d note(s) of sound, %d notification(s)", n, notes)
	}

	// Hidden: the visitor's message rings and shows a notification. The window, folded
	// meanwhile, stays folded until the notification is clicked.
	p.click(win + " " + tid("chat-window-fold"))
	p.wait(fmt.Sprintf(`document.querySelector(%q).dataset.folded === "true"`, win), "the window to fold")
	p.setHidden(true)
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, map[string]string{"body": "It was due yesterday."})
	p.wait(`window.__notes.length === 1 && window.__sounds > 0`, "a notification and a sound for the visitor's message")
	note := consoleEval[map[string]string](p, `({title: window.__notes[0].title, body: window.__notes[0].body})`)
	if note["title"] != "Camille" || note["body"] != "It was due yesterday." {
		t.Errorf("notification %v", note)
	}
	p.setHidden(false)
	consoleEval[bool](p, `(window.__notes[0].n.dispatchEvent(new Event('click')), true)`)
	p.wait(fmt.Sprintf(`document.querySelector(%q).dataset.folded === "false"`, win), "the window to open from the notification")
	p.waitFocus(win+" "+tid("composer-input"), "after a click on the notification")

	// A new conversation while hidden: "New conversation with Jonas".
	p.setHidden(true)
	sounds := consoleEval[int](p, `window.__sounds`)
	consoleEval[bool](p, `(window.__skew += 5000, true)`) // past the quiet time after a sound
	s.visitorStart(t, website, "Jonas", "Do you ship to Norway?")
	p.wait(fmt.Sprintf(`window.__notes.length === 2 && window.__sounds > %d`, sounds), "a notification and a sound for the new conversation")
	note = consoleEval[map[string]string](p, `({title: window.__notes[1].title, body: window.__notes[1].body})`)
	if note["title"] != "New conversation with Jonas" || note["body"] != "Do you ship to Norway?" {
		t.Errorf("notification %v", note)
	}

	// Both switched off: nothing more.
	p.setHidden(false)
	p.click(tid("pref-notify-sound"))
	eventually(t, "the sound to be switched off", func() string {
		if n := me(); n.Sound == nil || *n.Sound {
			return n.String()
		}
		return ""
	})
	p.wait(`!document.querySelector('[data-testid=pref-notify-sound]').disabled`, "the sound switch saved")
	p.click(tid("pref-notify-desktop"))
	eventually(t, "desktop notifications to be switched off", func() string {
		if n := me(); n.Desktop == nil || *n.Desktop {
			return n.String()
		}
		return ""
	})
	p.wait(`!document.querySelector('[data-testid=pref-notify-desktop]').disabled`, "the desktop switch saved")
	p.setHidden(true)
	sounds = consoleEval[int](p, `window.__sounds`)
	consoleEval[bool](p, `(window.__skew += 5000, true)`)
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", conv), visitor, map[string]string{"body": "Hello?"})
	p.wait(fmt.Sprintf(`document.querySelectorAll('%s %s').length === 3`, win, tid("message")), "the visitor's last message")
	if n, notes := consoleEval[int](p, `window.__sounds`), consoleEval[int](p, `window.__notes.length`); n != sounds || notes != 2 {
		t.Errorf("switched off: %d new note(s) of sound, %d notification(s) in all (want 2)", n-sounds, notes)
	}
	if n := consoleEval[int](p, `window.__asked`); n != 1 {
		t.Errorf("the permission was asked %d times, want once", n)
	}
}

// Web and mail addresses in a visitor's message are links to a new tab that give the new
// page neither the console's window nor its address; anything else stays text.
func TestConsoleLinks(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	website := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, grace := s.mustOperator(t, admin, "grace", nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", website), grace, nil)
	p := openConsole(t, s, "grace", "password-grace", "/channels")
	consoleEval[bool](p, `(window.__alerts = [], window.alert = (m) => window.__alerts.push(String(m)), true)`)

	body := `See https://shop.example.com/orders?id=42&x=1, or write to mailto:help@example.com. ` +
		`Not javascript:alert(1) nor <img src=x onerror=alert(2)> nor <a href="javascript:alert(3)">this</a> nor ftp://files.example.com.`
	conv, _ := s.visitorStart(t, website, "Eve", body)
	win := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	bubble := win + " " + tid("message-body")
	p.wait(existsJS(bubble), "the message")
	if got := p.text(bubble); got != body {
		t.Errorf("message text %q, want %q", got, body)
	}
	links := consoleEval[[]map[string]string](p, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((a) => ({href: a.getAttribute('href'), text: a.textContent, target: a.target, rel: a.rel}))`, bubble+" a"))
	want := []map[string]string{
		{"href": "https://shop.example.com/orders?id=42&x=1", "text": "https://shop.example.com/orders?id=42&x=1", "target": "_blank", "rel": "noopener noreferrer"},
		{"href": "mailto:help@example.com", "text": "mailto:help@example.com", "target": "_blank", "rel": "noopener noreferrer"},
	}
	if fmt.Sprint(links) != fmt.Sprint(want) {
		t.Errorf("links %v, want %v", links, want)
	}
	if n := consoleEval[int](p, fmt.Sprintf(`document.querySelectorAll('%s img, %s [onerror], %s script').length`, win, win, win)); n != 0 {
		t.Errorf("%d element(s) made from the message's markup", n)
	}
	if got := consoleEval[[]string](p, `window.__alerts`); len(got) != 0 {
		t.Errorf("alert called with %v", got)
	}
}

// End asks first: Cancel (or Escape) leaves the conversation going, with the focus back
// on End; confirming ends it. Opening the conversation in Discuss leaves its chat window
// as it was, folded.
func TestConsoleEndAsksFirst(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	website := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, alice := s.mustOperator(t, admin, "alice", nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", website), alice, nil)
	p := openConsole(t, s, "alice", "password-alice", "/channels")
	conv, _ := s.visitorStart(t, website, "Camille", "Hello!")
	win := fmt.Sprintf(`%s[data-conversation-id="%d"]`, tid("chat-window"), conv)
	end := win + " " + tid("end-button")
	p.wait(existsJS(end), "the chat window")
	status := func() any {
		return path(s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d", conv), alice, nil).object(t), "status")
	}

	p.click(end)
	p.wait(existsJS(tid("end-dialog")), "the confirmation")
	if got := p.text(tid("end-dialog")); !strings.Contains(got, "End the conversation with Camille?") {
		t.Errorf("confirmation %q", got)
	}
	p.waitFocus(tid("confirm-cancel"), "the confirmation")
	p.press(kb.Enter)
	p.wait("!"+existsJS(tid("end-dialog")), "the confirmation to close")
	p.waitFocus(end, "after Cancel")

	p.press(kb.Enter)
	p.wait(existsJS(tid("end-dialog")), "the confirmation again")
	p.press(kb.Escape)
	p.wait("!"+existsJS(tid("end-dialog")), "the confirmation to close on Escape")
	p.waitFocus(end, "after Escape")
	if got := status(); got != "active" {
		t.Fatalf("status %v after Cancel and Escape, want active", got)
	}

	// Discuss leaves the window as it was.
	p.click(win + " " + tid("chat-window-fold"))
	p.wait(fmt.Sprintf(`document.querySelector(%q).dataset.folded === "true"`, win), "the window to fold")
	p.navigate(fmt.Sprintf("/discuss/%d", conv))
	p.wait(existsJS(tid("discuss-thread")), "the conversation in Discuss")
	if !consoleEval[bool](p, fmt.Sprintf(`document.querySelector(%q)?.dataset.folded === "true"`, win)) {
		t.Fatal("opening the conversation in Discuss closed or opened its folded chat window")
	}

	p.click(tid("discuss-thread") + " " + tid("end-button"))
	p.confirmEnd()
	p.wait(existsJS(tid("discuss-thread")+" "+tid("thread-ended")), "the conversation to end")
	if got := status(); got != "ended" {
		t.Fatalf("status %v after End, want ended", got)
	}
}

// A console that cannot load the confirmation's module (Parley upgraded under it: the old
// version's files are gone) still asks before ending, with the browser's own confirm.
func TestConsoleEndAsksWithoutItsModule(t *testing.T) {
	s := mustStart(t, "")
	admin := s.adminToken(t)
	website := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	_, alice := s.mustOperator(t, admin, "alice", nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", website), alice, nil)
	p := openConsole(t, s, "alice", "password-alice", "/channels")
	chromedp.Listen(p.ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			go chromedp.Call(p.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonConnectionRefused})
		}
	})
	if _, err := chromedp.Call(p.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/confirm.js"}}}); err != nil {
		t.Fatal(err)
	}
	consoleEval[bool](p, `(window.__asked = [], window.__answer = false, window.confirm = (q) => (window.__asked.push(q), window.__answer), true)`)

	conv, _ := s.visitorStart(t, website, "Camille", "Hello!")
	end := fmt.Sprintf(`%s[data-conversation-id="%d"] %s`, tid("chat-window"), conv, tid("end-button"))
	p.wait(existsJS(end), "the chat window")
	p.click(end)
	p.wait(`window.__asked.length === 1`, "the browser's confirm")
	if got := consoleEval[string](p, `window.__asked[0]`); got != "End the conversation with Camille?" {
		t.Errorf("asked %q", got)
	}
	consoleEval[bool](p, `(window.__answer = true, true)`)
	p.click(end)
	p.wait(existsJS(tid("thread-ended")), "the conversation to end")
	if n := consoleEval[int](p, `window.__asked.length`); n != 2 {
		t.Errorf("asked %d times, want 2", n)
	}
	if got := path(s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d", conv), alice, nil).object(t), "status"); got != "ended" {
		t.Errorf("status %v, want ended", got)
	}
}

// A German visitor gets the widget in German: its own texts, and the button text and
// welcome message that the admin gave the channel in German in the console. The offline
// form's fields are in the normal weight, not the bold of their labels.
func TestWidgetGerman(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.must(t, 200, "PUT", "/api/languages/de", w.admin, map[string]bool{"enabled": true})
	const button, welcome = "Fragen? Chatten Sie mit uns", "Hallo! Fragen Sie uns alles über unseren Kaffee."

	// The admin gives the German texts in the channel's settings.
	c := openConsole(t, w.s, "admin", adminPassword, "/admin/channels")
	c.click(fmt.Sprintf(`%s[data-channel-id="%d"]`, tid("admin-channel-row"), w.ch))
	c.wait(existsJS(tid("channel-texts-language")), "the texts per language")
	c.setValue(tid("channel-texts-language"), "de")
	c.wait(fmt.Sprintf(`document.querySelector('label[for=channel-texts-button]')?.textContent === "Button text in German"`), "German picked")
	// The placeholder is the channel's own button text once the channel's form has it.
	c.wait(`document.querySelector('[data-testid=channel-texts-button-text]')?.placeholder === "Questions? Chat with us"`,
		"the channel's own button text as the placeholder")
	checkAccessible(t, c.ctx, "Admin → Channels with the texts per language")
	c.setValue(tid("channel-texts-button-text"), button)
	c.setValue(tid("channel-texts-welcome"), welcome)
	c.click(tid("channel-form-save"))
	c.wait(existsJS(tid("channel-form-saved")), "the channel saved")
	var saved struct {
		Texts map[string]map[string]string `json:"texts"`
	}
	w.s.must(t, 200, "GET", fmt.Sprintf("/api/channels/%d", w.ch), w.admin, nil).decode(t, &saved)
	if saved.Texts["de"]["button_text"] != button || saved.Texts["de"]["welcome_message"] != welcome || len(saved.Texts) != 1 {
		t.Fatalf("texts saved %v", saved.Texts)
	}

	// Nobody online: the form to leave a message, in German.
	off := openDemo(t, w.s, w.ch, "de-DE", "de", "en")
	off.waitText("launcher-label", button)
	off.click("launcher")
	off.wait("offline form", visible(byTestID("offline-form")))
	off.waitText("offline-submit", "Nachricht senden")
	off.typeInto("offline-name", "Anna")
	weights := evalJS[[]string](off, `[getComputedStyle(`+byTestID("offline-name")+`).fontWeight, getComputedStyle(`+byTestID("offline-name")+`.closest('label')).fontWeight]`)
	if weights[0] != "400" || weights[1] == "400" {
		t.Errorf("offline form: field weight %s, label weight %s; want the field at 400 and the label bolder", weights[0], weights[1])
	}

	// Alice online: the chat, in German.
	w.s.console(t, w.alice)
	p := openDemo(t, w.s, w.ch, "de-DE", "de", "en")
	p.waitText("launcher-label", button)
	if got := evalJS[string](p, byTestID("launcher")+`.getAttribute('aria-label')`); got != button {
		t.Errorf("launcher label %q", got)
	}
	if got := evalJS[string](p, byTestID("root")+`.lang`); got != "de" {
		t.Errorf("the widget's lang %q, want de", got)
	}
	p.click("launcher")
	p.waitText("welcome", welcome)
	if got := evalJS[string](p, byTestID("input")+`.placeholder`); got != "Nachricht schreiben…" {
		t.Errorf("placeholder %q", got)
	}
	if got := evalJS[string](p, byTestID("close")+`.getAttribute('aria-label')`); got != "Chat schließen" {
		t.Errorf("close label %q", got)
	}
	p.typeInto("input", "Hallo!\n")
	p.waitText("operator-name", "Alice")
	p.waitText("end", "Chat beenden")
	if list := w.operatorConversations(t, w.alice); len(list) != 1 || list[0]["language"] != "de" {
		t.Fatalf("alice's conversations = %v", list)
	}
	p.wait("websocket", byTestID("root")+`.dataset.ws === 'open'`)
	w.s.console(t, w.alice).send(t, map[string]any{"type": "typing", "conversation_id": p.conversationID()})
	p.waitText("typing", "Alice schreibt…")
	p.click("end")
	p.waitMessage("system", "Sie haben den Chat beendet.")
	p.waitText("rate-okay", "Geht so")
}
