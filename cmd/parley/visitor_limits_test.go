package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// The budget of one address for visitors' messages, as httpapi/ratelimit.go sets it.
const (
	addrMessageRate  = 10 // a second
	addrMessageBurst = 40
)

// One address that makes many visitors gets no more messages accepted than its own
// budget, whatever each visitor's budget allows.
func TestMessagesLimitedPerAddress(t *testing.T) {
	s := mustStart(t, "", func(c *Config) { c.RateLimit = true })
	admin := s.adminToken(t)
	ch := s.mustChannel(t, admin, map[string]any{"name": "Website"})
	type visitor struct {
		token string
		conv  int64
	}
	const visitors, each = 20, 20 // each visitor stays within its own burst
	vs := make([]visitor, visitors)
	for i := range vs {
		out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hello"}).object(t)
		vs[i] = visitor{out["visitor_token"].(string), num(path(out, "conversation", "id"))}
	}

	var mu sync.Mutex
	accepted, refused := 0, 0
	begin := time.Now()
	var wg sync.WaitGroup
	for _, v := range vs {
		wg.Go(func() {
			for j := range each {
				r := s.call(t, "POST", fmt.Sprintf("/livechat/conversations/%d/messages", v.conv), v.token, map[string]any{"body": "spam", "client_id": fmt.Sprintf("m-%d", j)})
				mu.Lock()
				switch {
				case r.Status == 201:
					accepted++
				case r.Status == 429 && r.errorCode(t) == "ETOOMANY" && r.Header.Get("Retry-After") != "":
					refused++
				default:
					t.Errorf("send answered %d %s", r.Status, r.Body)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	budget := addrMessageBurst + int(elapsed.Seconds()*addrMessageRate) + 1
	t.Logf("%d of %d messages accepted in %v; the address's budget was %d", accepted, visitors*each, elapsed, budget)
	if accepted > budget || accepted+refused != visitors*each {
		t.Fatalf("%d messages accepted (%d refused) from one address in %v, over its budget of %d", accepted, refused, elapsed, budget)
	}
	if accepted < addrMessageBurst {
		t.Fatalf("only %d messages accepted: the address's burst is %d", accepted, addrMessageBurst)
	}
}

// Typing notices are coalesced per conversation and side: a hundred sockets of one
// visitor sending typing frames as fast as their frame limit allows reach the operator
// about once a second, and so does an operator's console sending them in a burst. The
// frames beyond are dropped silently: no error comes back.
func TestTypingCoalesced(t *testing.T) {
	s := mustStart(t, "", func(c *Config) { c.RateLimit = true })
	_, _, ch, aliceWS := s.mustAliceOnline(t)
	out := s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "Hello"}).object(t)
	token, conv := out["visitor_token"].(string), num(path(out, "conversation", "id"))
	aliceWS.expect(t, "message", nil)

	const sockets, frames = 100, 29 // and one more below: each socket's frame burst of 30
	conns := make([]*wsClient, sockets)
	for i := range conns {
		conns[i] = s.dial(t, "/livechat/ws?token="+token, nil)
	}
	begin := time.Now()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			for range frames {
				c.send(t, map[string]any{"type": "typing", "conversation_id": conv})
			}
		})
	}
	wg.Wait()
	// Every frame has been read once a frame sent after them on the same socket is answered.
	for _, c := range conns {
		c.send(t, map[string]any{"type": "typing"})
		c.expect(t, "error", nil)
	}
	elapsed := time.Since(begin)
	time.Sleep(200 * time.Millisecond) // events published last are on their way
	typing := 0
	for done := false; !done; {
		select {
		case ev := <-aliceWS.events:
			if ev["type"] == "typing" {
				typing++
			}
		default:
			done = true
		}
	}
	allowed := int((elapsed + 200*time.Millisecond).Seconds()) + 2 // one a second, at both ends of the run
	t.Logf("%d typing frames in %v reached the operator as %d typing events", sockets*frames, elapsed, typing)
	if typing < 1 || typing > allowed {
		t.Fatalf("%d typing frames in %v reached the operator as %d typing events, want 1 to %d", sockets*frames, elapsed, typing, allowed)
	}
	for _, c := range conns {
		select {
		case ev := <-c.events:
			if ev["type"] == "error" {
				t.Fatalf("a typing frame was answered %v", ev)
			}
		default:
		}
	}

	// The operator's side, in a burst on one console.
	visitorWS := s.dial(t, "/livechat/ws?token="+token, nil)
	begin = time.Now()
	for range 25 {
		aliceWS.send(t, map[string]any{"type": "typing", "conversation_id": conv})
	}
	aliceWS.send(t, map[string]any{"type": "send", "conversation_id": conv, "body": "Hi", "client_id": "op-1"})
	visitorWS.expect(t, "message", nil) // typing frames before it are handled
	elapsed = time.Since(begin)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	<-ctx.Done()
	typing = 0
	for done := false; !done; {
		select {
		case ev := <-visitorWS.events:
			if ev["type"] == "typing" {
				typing++
			}
		default:
			done = true
		}
	}
	if allowed := int((elapsed + 200*time.Millisecond).Seconds()) + 2; typing > allowed {
		t.Fatalf("25 typing frames of the console reached the visitor as %d typing events, want at most %d", typing, allowed)
	}
}
