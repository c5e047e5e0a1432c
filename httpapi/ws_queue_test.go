package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/httpapi"
)

// Events reach the client in the order they were published, none lost nor repeated,
// whether they come one at a time (the writer starts and ends for each) or in bursts.
func TestWebSocketDeliversEventsInOrder(t *testing.T) {
	bus, url, topic := mustVisitorSocketServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	next := 0
	read := func(until int) {
		t.Helper()
		for ; next < until; next++ {
			_, data, err := conn.Read(ctx)
			if err != nil {
				t.Fatalf("event %d: %v", next, err)
			}
			if want := fmt.Sprintf(`{"n":%d}`, next); string(data) != want {
				t.Fatalf("got %s, want %s", data, want)
			}
		}
	}
	n := 0
	for range 20 { // one at a time
		bus.Publish(ctx, topic, fmt.Appendf(nil, `{"n":%d}`, n))
		n++
		read(n)
	}
	for range 10 { // bursts, below the queue's bound
		for range 100 {
			bus.Publish(ctx, topic, fmt.Appendf(nil, `{"n":%d}`, n))
			n++
		}
		read(n)
	}
}

// A client that lets more events wait than the queue holds is dropped with 1008, and
// the others are not held up meanwhile.
func TestSlowWebSocketIsDropped(t *testing.T) {
	bus, url, topic := mustVisitorSocketServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(-1)

	// More than the socket buffers take, so that the writer is stuck while this client
	// does not read, and the queue fills.
	big := fmt.Appendf(nil, `{"pad":"%s"}`, bytes.Repeat([]byte("x"), 64<<10))
	// The client reads nothing until every publish has returned: a publish that waited
	// for it would never return (the test's deadline ends the wait, not a speed bound).
	published := make(chan struct{})
	go func() {
		defer close(published)
		for range 400 {
			bus.Publish(ctx, topic, big)
		}
	}()
	select {
	case <-published:
	case <-ctx.Done():
		t.Fatal("publishing to a stuck client blocked")
	}
	for {
		_, _, err := conn.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || !strings.Contains(ce.Reason, "Too slow") {
			t.Fatalf("slow client closed with %v, want 1008 Too slow", err)
		}
		return
	}
}

// mustVisitorSocketServer serves a Parley with one visitor, whose WebSocket address
// and topic it returns with the bus.
func mustVisitorSocketServer(tb testing.TB) (bus parley.Bus, url, topic string) {
	tb.Helper()
	ctx := context.Background()
	svc, store, channelID := mustChatService(tb)
	started, err := svc.StartConversation(ctx, chat.StartRequest{ChannelID: channelID, Body: "hi"})
	if err != nil {
		tb.Fatal(err)
	}
	v, err := svc.AuthenticateVisitor(ctx, started.VisitorToken)
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(httpapi.New(svc, store, slog.New(slog.DiscardHandler), httpapi.Options{}).Handler())
	tb.Cleanup(ts.Close)
	url = "ws" + strings.TrimPrefix(ts.URL, "http") + "/livechat/ws?token=" + started.VisitorToken
	return svc.Bus(), url, parley.VisitorTopic(v.ID)
}
