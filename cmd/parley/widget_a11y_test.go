package main

// Accessibility of the website widget and of the demo page that embeds it: axe-core in
// every state a visitor meets, at desktop and phone widths; focus after each action
// that removes the focused control; visible focus indicators; the history scrolled from
// the keyboard; the full-screen widget's focus trap; and a keyboard-only walk-through.

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// widths are the two layouts of the widget: a window in the corner of a desktop page,
// and the full-screen window of a phone (the widget's breakpoint is 480px).
var widths = []struct {
	name          string
	width, height int64
	phone         bool
}{
	{"desktop", 1280, 800, false},
	{"phone", 375, 667, true},
}

// openDemoAt opens the demo page of channel ch in a viewport of this size.
func openDemoAt(t *testing.T, s *testServer, ch int64, width, height int64) *widgetPage {
	t.Helper()
	p := openDemo(t, s, ch, "en-US", "en")
	if err := chromedp.Do(p.ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("emulate %dx%d: %v", width, height, err)
	}
	p.wait("launcher", visible(byTestID("launcher")))
	return p
}

// settled waits until the widget's animations (the window opening, the label) are over,
// so that what axe and the focus checks see is what stays on screen.
func (p *widgetPage) settled() {
	p.t.Helper()
	p.wait("animations over", shadowJS+`.getAnimations().length === 0`)
}

// press sends keys to the focused element, as a keyboard would.
func (p *widgetPage) press(keys string, opts ...chromedp.KeyOption) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.KeyEvent(keys, opts...)); err != nil {
		p.t.Fatalf("press %q: %v", keys, err)
	}
}

// shiftTab moves the focus backwards.
func (p *widgetPage) shiftTab() {
	p.t.Helper()
	p.press(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
}

// focusedJS names the focused element: the widget element's testid (or its tag) when the
// focus is in the widget, else "page:" and the page element's id (or its tag).
const focusedJS = `(() => {
  const a = document.activeElement;
  if (a && a.id === 'parley-widget') {
    const f = a.shadowRoot.activeElement;
    return f ? (f.dataset.testid || f.tagName.toLowerCase()) : 'widget';
  }
  return 'page:' + (a ? a.id || a.tagName.toLowerCase() : 'none');
})()`

func (p *widgetPage) focused() string {
	p.t.Helper()
	return evalJS[string](p, focusedJS)
}

// waitFocus waits until the focus is on the widget element with this testid (or the page
// element "page:ID").
func (p *widgetPage) waitFocus(want string) {
	p.t.Helper()
	p.wait("focus on "+want, fmt.Sprintf(`%s === %q`, focusedJS, want))
}

// The demo page and the widget pass axe-core in every state a visitor meets, at both
// widths: closed, open, queued, chatting (messages both ways, a link, the operator
// typing), the rating card and its thanks, and the leave-a-message form and its thanks.
func TestWidgetAccessible(t *testing.T) {
	for _, size := range widths {
		t.Run(size.name, func(t *testing.T) {
			// Alice takes one chat at a time and is busy with another visitor, so the
			// widget's visitor waits in line first.
			w := newWidgetSetup(t, map[string]any{"max_ongoing_per_operator": 1})
			w.s.console(t, w.alice)
			busy := w.s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", w.ch), "", map[string]any{"body": "first!"}).object(t)
			offline := w.s.mustChannel(t, w.admin, map[string]any{"name": "After hours", "button_text": "Leave us a message"})

			p := openDemoAt(t, w.s, w.ch, size.width, size.height)
			p.settled()
			checkAccessible(t, p.ctx, "the demo page, widget closed")

			p.click("launcher")
			p.wait("window", visible(byTestID("window")))
			p.settled()
			checkAccessible(t, p.ctx, "the widget open")

			p.typeInto("input", "Is anyone there?\n")
			p.waitText("queue-position", "You are number 1 in line")
			p.settled()
			checkAccessible(t, p.ctx, "the widget, queued")

			// Alice ends the other chat and gets this one.
			w.s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", num(path(busy, "conversation", "id"))), w.alice, nil)
			p.waitText("operator-name", "Alice")
			conv := p.conversationID()
			p.wait("websocket", byTestID("root")+`.dataset.ws === 'open'`)
			w.s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), w.alice, map[string]string{"body": "Hi, I am here. Our beans: https://example.com/beans"})
			p.waitMessage("operator", "Hi, I am here. Our beans: https://example.com/beans")
			p.typeInto("input", "Thanks! Which one for espresso?\n")
			p.waitMessage("visitor", "Thanks! Which one for espresso?")
			w.s.console(t, w.alice).send(t, map[string]any{"type": "typing", "conversation_id": conv})
			p.waitText("typing", "Alice is typing…")
			p.settled()
			checkAccessible(t, p.ctx, "the widget in a conversation, the operator typing")

			p.click("end")
			p.wait("rating", visible(byTestID("rating")))
			p.settled()
			checkAccessible(t, p.ctx, "the rating card")
			p.click("rate-good")
			p.wait("comment", visible(byTestID("rating-comment")))
			checkAccessible(t, p.ctx, "the rating card with a score chosen")
			p.click("rating-submit")
			p.wait("thanks", visible(byTestID("rating-thanks")))
			checkAccessible(t, p.ctx, "the rating's thanks")

			p = openDemoAt(t, w.s, offline, size.width, size.height)
			p.click("launcher")
			p.wait("offline form", visible(byTestID("offline-form")))
			p.settled()
			checkAccessible(t, p.ctx, "the leave-a-message form")
			p.click("offline-submit")
			p.waitText("offline-error", "Please fill in every field.")
			checkAccessible(t, p.ctx, "the leave-a-message form with an error")
			p.typeInto("offline-name", "Ann Visitor")
			p.typeInto("offline-email", "ann@example.com")
			p.typeInto("offline-message", "Please call me back.")
			p.click("offline-submit")
			p.wait("thanks", visible(byTestID("offline-thanks")))
			checkAccessible(t, p.ctx, "the leave-a-message thanks")
		})
	}
}
