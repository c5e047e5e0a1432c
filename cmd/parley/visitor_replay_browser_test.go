package main

import (
	"fmt"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The widget of a first-time visitor loses the answer to its first message (the server
// stored it): it sends it again, still without a token, and goes on in the same
// conversation with the token of the second answer. The operator sees one conversation.
func TestWidgetResendsAFirstMessageWithoutToken(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice)
	p := openDemo(t, w.s, w.ch, "en-US", "en")

	var mu sync.Mutex
	starts := 0
	chromedp.Listen(p.ctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		go func() {
			mu.Lock()
			drop := e.Request.Method == "POST" && starts == 0
			if e.Request.Method == "POST" {
				starts++ // paused at the response stage: the server has answered it
			}
			mu.Unlock()
			if drop {
				chromedp.Call(p.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
				return
			}
			chromedp.Call(p.ctx, fetch.ContinueResponse, fetch.ContinueResponseParams{RequestID: e.RequestID})
		}()
	})
	if _, err := chromedp.Call(p.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{
		URLPattern: fmt.Sprintf("*/livechat/channels/%d/conversations*", w.ch), RequestStage: fetch.RequestStageResponse,
	}}}); err != nil {
		t.Fatal(err)
	}

	p.click("launcher")
	p.typeInto("input", "first message\n")
	p.waitMessage("visitor", "first message")
	p.wait("no message pending", shadowJS+`.querySelectorAll('[data-pending]').length === 0`)
	mu.Lock()
	if starts != 2 {
		t.Errorf("the widget posted its first message %d times, want 2 (one answer lost)", starts)
	}
	mu.Unlock()
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
