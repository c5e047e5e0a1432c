package main

// Accessibility of the website widget and of the demo page that embeds it: axe-core in
// every state a visitor meets, at desktop and phone widths; focus after each action
// that removes the focused control; visible focus indicators; the history scrolled from
// the keyboard; the full-screen widget's focus trap; and a keyboard-only walk-through.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

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

// widgetFocusedJS names the focused element: the widget element's testid (or its tag) when the
// focus is in the widget, else "page:" and the page element's id (or its tag).
const widgetFocusedJS = `(() => {
  const a = document.activeElement;
  if (a && a.id === 'parley-widget') {
    const f = a.shadowRoot.activeElement;
    return f ? (f.dataset.testid || f.tagName.toLowerCase()) : 'widget';
  }
  return 'page:' + (a ? a.id || a.tagName.toLowerCase() : 'none');
})()`

func (p *widgetPage) focused() string {
	p.t.Helper()
	return evalJS[string](p, widgetFocusedJS)
}

// waitFocus waits until the focus is on the widget element with this testid (or the page
// element "page:ID").
func (p *widgetPage) waitFocus(want string) {
	p.t.Helper()
	p.wait("focus on "+want, fmt.Sprintf(`%s === %q`, widgetFocusedJS, want))
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
			p.checkPlaceholder("input")

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
			p.checkPlaceholder("rating-comment")
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

// checkPlaceholder fails the test unless the placeholder of the widget's field reads
// (4.5:1 on the field's background): axe-core does not check placeholders.
func (p *widgetPage) checkPlaceholder(id string) {
	p.t.Helper()
	evalJS[chromedp.Void](p, a11yJS)
	r := evalJS[float64](p, `((el) => __a11y.ratio(__a11y.rgba(getComputedStyle(el, '::placeholder').color), __a11y.background(el)))(`+byTestID(id)+`)`)
	if r < 4.5 {
		p.t.Errorf("the placeholder of %s has a contrast of %.2f:1, want 4.5:1", id, r)
	}
}

// ring measures the focus indicator of the focused element.
func (p *widgetPage) ring() focusRing {
	p.t.Helper()
	evalJS[chromedp.Void](p, a11yJS)
	r := evalJS[*focusRing](p, `__a11y.ring()`)
	if r == nil {
		p.t.Fatal("no element has the focus")
	}
	return *r
}

// checkRing fails the test unless the focused element shows an indicator of at least
// 2px with a contrast of at least 3:1 against what is behind it.
func (p *widgetPage) checkRing(where string) focusRing {
	p.t.Helper()
	r := p.ring()
	if r.Width < 2 || r.Ratio < 3 {
		p.t.Errorf("%s: the focus indicator of %s is %.0fpx at %.2f:1 (%s); want at least 2px and 3:1", where, r.Name, r.Width, r.Ratio, r.What)
	}
	return r
}

// walkWidget moves the focus with Tab (or Shift+Tab) while it stays in the widget and
// reaches new controls, checks the focus indicator of each, and returns their names.
func (p *widgetPage) walkWidget(where string, back bool) []string {
	p.t.Helper()
	var seen []string
	for range 30 {
		if back {
			p.shiftTab()
		} else {
			p.press(kb.Tab)
		}
		name := p.focused()
		if strings.HasPrefix(name, "page:") || evalJS[bool](p, `__a11y.visit()`) {
			break
		}
		seen = append(seen, name)
		p.checkRing(where)
	}
	return seen
}

// walk checks the focus indicators of every control of the widget reachable from the
// focused one, backwards and forwards, and that the wanted ones were among them.
func (p *widgetPage) walk(where string, want ...string) {
	p.t.Helper()
	start := p.focused()
	p.checkRing(where)
	evalJS[bool](p, `__a11y.visit(true)`)
	seen := append([]string{start}, p.walkWidget(where, true)...)
	// Back to the start, then forwards.
	p.press(kb.Tab)
	for range 30 {
		if p.focused() == start {
			break
		}
		p.press(kb.Tab)
	}
	evalJS[bool](p, `__a11y.visit(true)`)
	seen = append(seen, p.walkWidget(where, false)...)
	for _, w := range want {
		if !slices.Contains(seen, w) {
			p.t.Errorf("%s: Tab never reached %s; it went through %v", where, w, seen)
		}
	}
}

// Every control of the widget and of the demo page shows a focus indicator of at least
// 2px and 3:1 against what is behind it: the page's links and code blocks, the
// launcher, the header's close button on the channel's colour, the message list, links
// in both sides' bubbles, the message box, Send, End, the rating card and the
// leave-a-message form; with the channel's colours, and with a pale button colour an
// admin might choose.
func TestWidgetFocusVisible(t *testing.T) {
	for _, size := range widths {
		t.Run(size.name, func(t *testing.T) {
			w := newWidgetSetup(t, nil)
			w.s.console(t, w.alice)
			pale := w.s.mustChannel(t, w.admin, map[string]any{"name": "Lemonade", "button_color": "#FFE066", "button_text_color": "#FFFFFF"})
			w.s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", pale), w.alice, nil)
			offline := w.s.mustChannel(t, w.admin, map[string]any{"name": "After hours", "button_color": "#1F6FEB", "button_text_color": "#FFFFFF"})

			// The demo page's own controls, up to the launcher.
			p := openDemoAt(t, w.s, w.ch, size.width, size.height)
			p.settled()
			var page []string
			for range 20 {
				p.press(kb.Tab)
				name := p.focused()
				page = append(page, name)
				p.checkRing("the demo page")
				if name == "launcher" {
					break
				}
			}
			for _, want := range []string{"page:open-chat", "page:pre", "launcher"} {
				if !slices.Contains(page, want) {
					t.Errorf("Tab through the demo page never reached %s: %v", want, page)
				}
			}

			for _, ch := range []int64{w.ch, pale} {
				where := fmt.Sprintf("channel %d", ch)
				if ch != w.ch {
					p = openDemoAt(t, w.s, ch, size.width, size.height)
				}
				p.click("launcher")
				p.waitFocus("input")
				p.press("Have a look: https://example.com/mine\n")
				p.waitText("operator-name", "Alice")
				w.s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", p.conversationID()), w.alice, map[string]string{"body": "Ours: https://example.com/ours"})
				p.waitMessage("operator", "Ours: https://example.com/ours")
				p.press("draft") // Send is enabled, hence focusable
				p.settled()
				want := []string{"close", "messages", "a", "input", "send", "end"}
				if !size.phone {
					want = append(want, "launcher")
				}
				p.walk(where+", in a conversation", want...)

				p.click("end")
				p.waitFocus("rate-good")
				p.press(" ")
				p.wait("comment", visible(byTestID("rating-comment")))
				p.walk(where+", the rating card", "rate-good", "rate-okay", "rate-bad", "rating-comment", "rating-submit")
			}

			p = openDemoAt(t, w.s, offline, size.width, size.height)
			p.click("launcher")
			p.waitFocus("offline-name")
			p.settled()
			p.walk("the leave-a-message form", "close", "offline-name", "offline-email", "offline-message", "offline-submit")
		})
	}
}

// A channel whose text colour does not read on its button colour still gets readable
// text: a colour a little short of 4.5:1 is shaded just enough, keeping the admin's
// text colour; a pale one keeps its colour and gets black text. Colours that read are
// kept as they are.
func TestWidgetReadableColours(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice)
	for _, tc := range []struct {
		name, bg, fg string
		want         func(bg, fg []float64) bool
	}{
		{"readable, kept", "#1F6FEB", "#FFFFFF", func(bg, fg []float64) bool {
			return same(bg, 31, 111, 235) && same(fg, 255, 255, 255)
		}},
		{"a little short, shaded", "#B5653B", "#FFFFFF", func(bg, fg []float64) bool {
			return same(fg, 255, 255, 255) && bg[0] < 181 && bg[0] > 150 // at most a quarter darker
		}},
		{"pale, black text", "#FFE066", "#FFFFFF", func(bg, fg []float64) bool {
			return same(bg, 255, 224, 102) && same(fg, 0, 0, 0)
		}},
		{"dark on dark, white text", "#2B2420", "#333333", func(bg, fg []float64) bool {
			return same(bg, 43, 36, 32) && same(fg, 255, 255, 255)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := w.s.mustChannel(t, w.admin, map[string]any{"name": "Colours", "button_color": tc.bg, "button_text_color": tc.fg})
			w.s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", ch), w.alice, nil)
			p := openDemoAt(t, w.s, ch, 1280, 800)
			p.click("launcher")
			p.typeInto("input", "Readable?\n")
			p.waitMessage("visitor", "Readable?")
			p.settled()
			evalJS[chromedp.Void](p, a11yJS)
			for _, el := range []struct{ name, js string }{
				{"header", byTestID("header")},
				{"visitor bubble", shadowJS + `.querySelector('[data-kind=visitor] [data-testid=message-body]')`},
				{"launcher", byTestID("launcher")},
			} {
				c := evalJS[struct {
					Fg    []float64 `json:"fg"`
					Bg    []float64 `json:"bg"`
					Ratio float64   `json:"ratio"`
				}](p, `((el) => {
  const fg = __a11y.rgba(getComputedStyle(el).color), bg = __a11y.background(el);
  return {fg, bg, ratio: __a11y.ratio(fg, bg)};
})(`+el.js+`)`)
				if c.Ratio < 4.5 || !tc.want(c.Bg, c.Fg) {
					t.Errorf("%s with %s on %s: text %v on %v, %.2f:1", el.name, tc.fg, tc.bg, c.Fg, c.Bg, c.Ratio)
				}
			}
			checkAccessible(t, p.ctx, "the widget in "+tc.fg+" on "+tc.bg)
		})
	}
}

// same tells whether the colour c is rgb(r, g, b).
func same(c []float64, r, g, b float64) bool {
	return len(c) >= 3 && c[0] == r && c[1] == g && c[2] == b
}

// The history is a labelled log that the keyboard reaches and scrolls: Shift+Tab from
// the message box focuses it, and PageUp and ArrowUp scroll it up.
func TestWidgetHistoryKeyboardScroll(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice)
	p := openDemoAt(t, w.s, w.ch, 1280, 800)
	p.click("launcher")
	p.waitFocus("input")
	p.press("Tell me everything.\n")
	p.waitText("operator-name", "Alice")
	conv := p.conversationID()
	for i := 1; i <= 30; i++ {
		w.s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), w.alice, map[string]string{"body": fmt.Sprintf("Part %d of the story.", i)})
	}
	p.waitMessage("operator", "Part 30 of the story.")
	p.wait("the history overflows and shows its end", `((m) => m.scrollHeight > m.clientHeight + 200 && m.scrollHeight - m.scrollTop - m.clientHeight < 2)(`+byTestID("messages")+`)`)
	if got := evalJS[string](p, `((m) => m.getAttribute('role') + ' ' + m.getAttribute('aria-label'))(`+byTestID("messages")+`)`); got != "log Messages" {
		t.Errorf("message list role and label %q, want a labelled log", got)
	}

	p.shiftTab()
	p.waitFocus("attach") // the paper clip, before the message box
	p.shiftTab()
	p.waitFocus("messages")
	bottom := evalJS[float64](p, byTestID("messages")+`.scrollTop`)
	p.press(kb.PageUp)
	p.wait("PageUp scrolled the history up", fmt.Sprintf(`%s.scrollTop < %f - 100`, byTestID("messages"), bottom))
	after := p.scrollStill("messages")
	p.press(kb.ArrowUp)
	p.wait("ArrowUp scrolled the history up", fmt.Sprintf(`%s.scrollTop < %f`, byTestID("messages"), after))
	p.waitFocus("messages")
}

// scrollStill waits until the element's scrolling (smooth, from the keyboard) is over and
// returns where it stopped.
func (p *widgetPage) scrollStill(id string) float64 {
	p.t.Helper()
	last := -1.0
	for range 100 {
		top := evalJS[float64](p, byTestID(id)+`.scrollTop`)
		if top == last {
			return top
		}
		last = top
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Fatalf("%s keeps scrolling", id)
	return 0
}

// At phone widths the open widget fills the screen and keeps the focus: the page behind
// is inert, Tab from the last control goes to the first and Shift+Tab back, and Escape
// closes it, gives the focus to the launcher and the page back (what the page had made
// inert itself stays so). At desktop widths the window is not modal.
func TestWidgetFocusTrap(t *testing.T) {
	for _, size := range widths {
		t.Run(size.name, func(t *testing.T) {
			w := newWidgetSetup(t, nil)
			w.s.console(t, w.alice)
			p := openDemoAt(t, w.s, w.ch, size.width, size.height)
			evalJS[chromedp.Void](p, `document.querySelector('footer').inert = true`)
			const inertJS = `Array.from(document.body.children).filter(el => el.id !== 'parley-widget').map(el => el.tagName.toLowerCase() + (el.inert ? ':inert' : ''))`
			before := evalJS[[]string](p, inertJS)

			p.click("launcher")
			p.waitFocus("input")
			p.press("Hello\n")
			p.waitText("operator-name", "Alice")
			p.wait("end", visible(byTestID("end")))
			modal := evalJS[string](p, `String(`+byTestID("window")+`.getAttribute('aria-modal'))`)
			others := evalJS[[]string](p, inertJS)
			if size.phone {
				if modal != "true" {
					t.Errorf("aria-modal %q on the full-screen window", modal)
				}
				for _, el := range others {
					if !strings.HasSuffix(el, ":inert") {
						t.Errorf("the page behind the full-screen widget is not inert: %v", others)
						break
					}
				}
			} else if modal == "true" || slices.Compare(others, before) != 0 {
				t.Errorf("the desktop window is modal (aria-modal %q) or made the page inert: %v", modal, others)
			}

			// From End, the last control, Tab goes to the first (phone) or on to the launcher.
			p.press(kb.Tab)
			p.waitFocus("end")
			p.press(kb.Tab)
			if size.phone {
				p.waitFocus("close")
				p.shiftTab()
				p.waitFocus("end")
				p.shiftTab()
				p.waitFocus("input")
			} else {
				p.waitFocus("launcher")
				p.shiftTab()
				p.waitFocus("end")
			}

			p.press(kb.Escape)
			p.wait("window closed", `!`+visible(byTestID("window")))
			p.waitFocus("launcher")
			if after := evalJS[[]string](p, inertJS); slices.Compare(after, before) != 0 {
				t.Errorf("after closing, the page is %v, want %v as it was", after, before)
			}
		})
	}
}

// The focus goes somewhere sensible after each action that removes the focused control:
// Send (it is disabled once the message leaves) keeps it in the message box, End gives
// it to the rating card, and so does the operator ending the chat while End has it;
// sending the rating gives it to the thanks; closing gives it to the launcher.
func TestWidgetFocusAfterActions(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice)
	p := openDemoAt(t, w.s, w.ch, 1280, 800)
	p.click("launcher")
	p.waitFocus("input")
	p.press("Clicked, not typed")
	p.click("send")
	p.waitMessage("visitor", "Clicked, not typed")
	p.waitFocus("input")

	// The operator ends the chat while the visitor is on End.
	p.waitText("operator-name", "Alice")
	p.wait("websocket", byTestID("root")+`.dataset.ws === 'open'`)
	p.press(kb.Tab)
	p.waitFocus("end")
	w.s.must(t, 200, "POST", fmt.Sprintf("/api/conversations/%d/end", p.conversationID()), w.alice, nil)
	p.waitMessage("system", "The operator ended the chat.")
	p.waitFocus("rate-good")

	// The visitor ends the next one with the mouse.
	p.click("input")
	p.press("Another question\n")
	p.wait("a new conversation", byTestID("root")+`.dataset.status === 'active'`)
	p.click("end")
	p.waitFocus("rate-good")
	p.click("rate-okay")
	p.click("rating-submit")
	p.waitFocus("rating-thanks")

	p.click("close")
	p.waitFocus("launcher")
}

// A visitor chats with the keyboard alone, at both widths: reaches the launcher, opens
// the chat, writes, reads the history, sends with the button, ends, rates with a
// comment, and closes; each step says where the focus is.
func TestWidgetKeyboardOnly(t *testing.T) {
	for _, size := range widths {
		t.Run(size.name, func(t *testing.T) {
			w := newWidgetSetup(t, nil)
			w.s.console(t, w.alice)
			p := openDemoAt(t, w.s, w.ch, size.width, size.height)

			// The launcher is the page's last control: Shift+Tab from the top reaches it.
			p.shiftTab()
			p.waitFocus("launcher")
			p.press(kb.Enter)
			p.wait("window open", visible(byTestID("window")))
			p.waitFocus("input")

			p.press("Hello from the keyboard\n")
			p.waitMessage("visitor", "Hello from the keyboard")
			p.waitFocus("input")
			p.waitText("operator-name", "Alice")
			conv := p.conversationID()
			p.wait("websocket", byTestID("root")+`.dataset.ws === 'open'`)
			w.s.console(t, w.alice).send(t, map[string]any{"type": "typing", "conversation_id": conv})
			w.s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", conv), w.alice, map[string]string{"body": "Hello! How can I help?"})
			p.waitMessage("operator", "Hello! How can I help?")

			// Back to the history and down again.
			p.shiftTab()
			p.waitFocus("attach")
			p.shiftTab()
			p.waitFocus("messages")
			p.press(kb.ArrowUp + kb.ArrowDown)
			p.press(kb.Tab)
			p.waitFocus("attach")
			p.press(kb.Tab)
			p.waitFocus("input")

			// The Send button, from the keyboard.
			p.press("Just testing")
			p.press(kb.Tab)
			p.waitFocus("send")
			p.press(" ")
			p.waitMessage("visitor", "Just testing")
			p.waitFocus("input")

			// End, then the rating card.
			p.press(kb.Tab)
			p.waitFocus("end")
			p.press(kb.Enter)
			p.waitMessage("system", "You ended the chat.")
			p.waitFocus("rate-good")
			p.press(kb.Tab)
			p.waitFocus("rate-okay")
			p.press(" ")
			p.wait("okay chosen", byTestID("rate-okay")+`.getAttribute('aria-pressed') === 'true'`)
			p.press(kb.Tab)
			p.waitFocus("rate-bad")
			p.press(kb.Tab)
			p.waitFocus("rating-comment")
			p.press("Fine")
			p.press(kb.Tab)
			p.waitFocus("rating-submit")
			p.press(kb.Enter)
			p.waitText("rating-thanks", "Thank you for your feedback!")
			p.waitFocus("rating-thanks")
			got := w.s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d", conv), w.alice, nil).object(t)
			if num(path(got, "rating", "score")) != 3 || path(got, "rating", "comment") != "Fine" {
				t.Errorf("rating stored = %v", got["rating"])
			}

			p.press(kb.Escape)
			p.wait("window closed", `!`+visible(byTestID("window")))
			p.waitFocus("launcher")
			if n := evalJS[int](p, `document.querySelectorAll('[inert]').length`); n != 0 {
				t.Errorf("%d elements of the page still inert after closing", n)
			}
			if alerts := evalJS[[]string](p, `window.__alerts`); len(alerts) != 0 {
				t.Errorf("alert was called: %v", alerts)
			}
		})
	}
}
