package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// A queued visitor reads their place and the estimated wait, updated as the line moves;
// past the channel's limit the widget also offers the leave-a-message form, and the
// visitor may go back to their place, or leave a message instead, which ends the chat.
//
// Test ids: queue-position (the place and estimate), leave-message (the switch to the
// form and back).
func TestWidgetHonestWaiting(t *testing.T) {
	w := newWidgetSetup(t, map[string]any{"max_ongoing_per_operator": 1})
	w.s.must(t, 200, "PUT", fmt.Sprintf("/api/channels/%d/wait-limits", w.ch), w.admin, map[string]any{"max_place": 1})
	// Two visitors wait; Alice comes online and takes the first: one assignment out of
	// the queue, from which the estimates are made.
	for _, body := range []string{"first!", "second!"} {
		w.s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", w.ch), "", map[string]any{"body": body})
	}
	w.s.console(t, w.alice)
	waiting := w.s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", w.ch), "", map[string]any{"body": "third!"}).object(t)
	if num(path(waiting, "conversation", "estimated_wait")) == 0 {
		t.Fatalf("no estimate after an assignment out of the queue: %v", waiting)
	}

	p := openDemo(t, w.s, w.ch, "en-US")
	p.click("launcher")
	p.wait("chat mode", byTestID("root")+`.dataset.mode === 'chat'`)
	p.typeInto("input", "Is anyone there?\n")
	p.waitText("queue-position", "You are number 3 in line, about 3 min")
	p.wait("leave a message offered", visible(byTestID("leave-message")))
	p.waitText("leave-message", "Leave a message instead")

	// The one ahead leaves: the widget is told its new place at once.
	p.wait("websocket", byTestID("root")+`.dataset.ws === 'open'`)
	w.s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", num(path(waiting, "conversation", "id"))), waiting["visitor_token"].(string), nil)
	p.waitText("queue-position", "You are number 2 in line, about 2 min")

	// To the form and back: the conversation keeps its place.
	p.click("leave-message")
	p.wait("offline form", visible(byTestID("offline-form")))
	p.waitText("leave-message", "Keep my place in line")
	p.click("leave-message")
	p.wait("chat again", visible(byTestID("input")))
	p.wait("still queued", byTestID("root")+`.dataset.status === 'queued'`)

	// A message left instead ends the queued chat.
	p.click("leave-message")
	p.typeInto("offline-name", "Ann Visitor")
	p.typeInto("offline-email", "ann@example.com")
	p.typeInto("offline-message", "Call me back, please.")
	// The place in line above the form leaves it less room: the button is scrolled to.
	evalJS[chromedp.Void](p, byTestID("offline-submit")+`.scrollIntoView({ block: 'nearest' })`)
	p.click("offline-submit")
	p.wait("thanks", visible(byTestID("offline-thanks")))
	p.wait("ended", byTestID("root")+`.dataset.status === 'ended'`)
	// Back in the chat, its end says the message was sent, in the visitor's words.
	p.click("close")
	p.click("launcher")
	p.waitMessage("system", "Thank you! Your message has been sent. We will answer you by email.")
	var msgs []map[string]any
	w.s.must(t, 200, "GET", "/api/offline-messages", w.admin, nil).decode(t, &msgs)
	conv := evalJS[string](p, byTestID("root")+`.dataset.conversation`)
	if len(msgs) != 1 || fmt.Sprint(num(msgs[0]["conversation_id"])) != conv {
		t.Fatalf("offline messages = %v, want one naming conversation %s", msgs, conv)
	}
}
