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

// The widget sends messages on its WebSocket. When the answer to a message is lost (the
// socket closed after the server stored it, then the HTTP resend's answer was lost too),
// the widget sends it again with the same client_id: the visitor sees it once, and it
// is stored once.
func TestWidgetResendsAfterALostAnswer(t *testing.T) {
	w := newWidgetSetup(t, nil)
	w.s.console(t, w.alice)
	p := openDemo(t, w.s, w.ch, "en-US", "en")
	p.click("launcher")
	p.typeInto("input", "first message\n")
	p.waitMessage("visitor", "first message")
	conv := p.conversationID()

	// From now on the browser loses the answer to the first message it posts.
	posts := loseFirstAnswer(t, p, fmt.Sprintf("*/livechat/conversations/%d/messages*", conv))

	// While the socket is open, a message goes over it: no POST.
	p.typeInto("input", "over the socket\n")
	p.waitMessage("visitor", "over the socket")
	if n := posts(); n != 0 {
		t.Errorf("a message sent while the WebSocket was open was posted %d times", n)
	}

	// The next send frame leaves, then the socket closes before its answer comes back.
	evalJS[bool](p, `(() => {
		const send = WebSocket.prototype.send;
		let once = true;
		WebSocket.prototype.send = function (data) {
			send.call(this, data);
			if (once && String(data).includes('"type":"send"')) {
				once = false;
				this.close();
			}
		};
		return true;
	})()`)
	p.typeInto("input", "second message\n")
	p.waitMessage("visitor", "second message")
	// The widget falls back to HTTP, whose answer is lost too, then sends again (over HTTP,
	// or over the socket once it has reconnected) until an answer comes: the message is
	// no longer pending.
	deadline := time.Now().Add(15 * time.Second)
	for {
		n := posts()
		if n >= 1 && evalJS[int](p, shadowJS+`.querySelectorAll('[data-pending]').length`) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the widget posted %d times and still shows the message pending; it did not resend after the lost answers", n)
		}
		time.Sleep(20 * time.Millisecond)
	}

	var msgs []map[string]any
	w.s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", conv), w.alice, nil).decode(t, &msgs)
	count := map[any]int{}
	for _, m := range msgs {
		count[m["body"]]++
	}
	if count["second message"] != 1 || count["over the socket"] != 1 {
		t.Fatalf("stored messages: %v; want each once", msgs)
	}
	if n := evalJS[int](p, shadowJS+`.querySelectorAll('[data-testid=message][data-kind=visitor]').length`); n != 3 {
		t.Fatalf("the widget shows %d visitor messages, want 3", n)
	}
}

// loseFirstAnswer makes the browser lose the answer to the first POST to a URL matching
// pattern (the server has stored it: the request is failed at the response stage, as a
// connection reset), and lets every later one through. It returns the count of such
// POSTs answered so far.
func loseFirstAnswer(t *testing.T, p *widgetPage, pattern string) (posts func() int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	chromedp.Listen(p.ctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		go func() {
			mu.Lock()
			drop := e.Request.Method == "POST" && n == 0
			if e.Request.Method == "POST" {
				n++
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
		URLPattern: pattern, RequestStage: fetch.RequestStageResponse,
	}}}); err != nil {
		t.Fatal(err)
	}
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}
