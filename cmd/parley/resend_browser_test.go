package main

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// When the answer to a message is lost (the server stored it, the browser saw a network
// error), the widget sends it again with the same client_id: the visitor sees it once,
// and it is stored once.
func TestWidgetResendsAfterALostAnswer(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice)
	p := openDemo(t, w.s, w.ch, "en-US", "en")
	p.click("launcher")
	p.typeInto("input", "first message\n")
	p.waitMessage("visitor", "first message")
	conv := p.conversationID()

	// From now on the browser loses the answer to the first message it posts.
	var mu sync.Mutex
	lost, posts := 0, 0
	chromedp.Listen(p.ctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		go func() {
			mu.Lock()
			if e.Request.Method == "POST" {
				posts++ // paused at the response stage: the server has answered it
			}
			drop := e.Request.Method == "POST" && lost == 0
			if drop {
				lost++
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
		URLPattern: fmt.Sprintf("*/livechat/conversations/%d/messages*", conv), RequestStage: fetch.RequestStageResponse,
	}}}); err != nil {
		t.Fatal(err)
	}

	p.typeInto("input", "second message\n")
	p.waitMessage("visitor", "second message")
	// The message may show at once (it came back over the WebSocket); wait for the resend.
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := posts
		mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the widget posted %d times; it did not resend after the lost answer", n)
		}
		time.Sleep(20 * time.Millisecond)
	}

	var msgs []map[string]any
	w.s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", conv), w.alice, nil).decode(t, &msgs)
	count := 0
	for _, m := range msgs {
		if m["body"] == "second message" {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("the resent message is stored %d times, want once: %v", count, msgs)
	}
	if n := evalJS[int](p, shadowJS+`.querySelectorAll('[data-testid=message][data-kind=visitor]').length`); n != 2 {
		t.Fatalf("the widget shows %d visitor messages, want 2", n)
	}
}
