package main

import (
	"fmt"
	"testing"
)

// The widget of a first-time visitor loses the answer to its first message (the server
// stored it): it sends it again, still without a token, and goes on in the same
// conversation with the token of the second answer. The operator sees one conversation.
func TestWidgetResendsAFirstMessageWithoutToken(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice)
	p := openDemo(t, w.s, w.ch, "en-US", "en")

	starts := loseFirstAnswer(t, p, fmt.Sprintf("*/livechat/channels/%d/conversations*", w.ch))

	p.click("launcher")
	p.typeInto("input", "first message\n")
	p.waitMessage("visitor", "first message")
	p.wait("no message pending", shadowJS+`.querySelectorAll('[data-pending]').length === 0`)
	if n := starts(); n != 2 {
		t.Errorf("the widget posted its first message %d times, want 2 (one answer lost)", n)
	}
	conv := p.conversationID()
	p.typeInto("input", "second message\n")
	p.waitMessage("visitor", "second message")

	list := w.operatorConversations(t, w.alice)
	if len(list) != 1 || num(list[0]["id"]) != conv {
		t.Fatalf("the operator has %d conversations (%v), want the widget's one, %d", len(list), list, conv)
	}
	var msgs []map[string]any
	w.s.must(t, 200, "GET", fmt.Sprintf("/livechat/conversations/%d/messages", conv), p.visitorToken(w.ch), nil).decode(t, &msgs)
	if len(msgs) != 2 || msgs[0]["body"] != "first message" || msgs[1]["body"] != "second message" {
		t.Fatalf("stored messages: %v", msgs)
	}
}
