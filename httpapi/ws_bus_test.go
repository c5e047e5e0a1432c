package httpapi_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/httpapi"
	"github.com/parleychat/parley/natsbus"
	"github.com/parleychat/parley/sqlite"
)

// ResyncWebSockets tells every open WebSocket to reconnect, with the status of a
// restart, and the server goes on serving: a new WebSocket is served and gets events.
func TestResyncWebSocketsTellsClientsToReconnect(t *testing.T) {
	svc, store, channelID := mustChatService(t)
	srv := httpapi.New(svc, store, slog.New(slog.DiscardHandler), httpapi.Options{})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url, topic := mustVisitor(t, svc, ts.URL, channelID)

	old := mustDialServed(t, ctx, url)
	srv.ResyncWebSockets()
	_, _, err := old.Read(ctx)
	if code := websocket.CloseStatus(err); code != websocket.StatusServiceRestart {
		t.Fatalf("open WebSocket ended with %v, want close status 1012 (reconnect)", err)
	}

	fresh := mustDialServed(t, ctx, url)
	if err := svc.Bus().Publish(ctx, topic, []byte(`{"type":"resynced"}`)); err != nil {
		t.Fatal(err)
	}
	if _, data, err := fresh.Read(ctx); err != nil || string(data) != `{"type":"resynced"}` {
		t.Fatalf("new WebSocket after the resync: got %s, %v; want the published event", data, err)
	}
}

// A WebSocket whose subscription the bus refuses is refused before the upgrade: 503 and
// a JSON error, which a client retries later.
func TestWebSocketRefusedWhenTheBusRefuses(t *testing.T) {
	natsURL := os.Getenv("PARLEY_TEST_NATS")
	if natsURL == "" {
		t.Skip("PARLEY_TEST_NATS not set: e.g. nats://127.0.0.1:4222")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus, err := natsbus.Open(natsURL, natsbus.Prefix("parleytest.httpapi"))
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := chat.New(store, bus, slog.New(slog.DiscardHandler), parley.DefaultInactivityTimeout, nil)
	ch, err := svc.CreateChannel(ctx, &parley.User{Role: parley.RoleAdmin}, chat.NewChannel{Name: "Website"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(httpapi.New(svc, store, slog.New(slog.DiscardHandler), httpapi.Options{}).Handler())
	defer ts.Close()
	url, _ := mustVisitor(t, svc, ts.URL, ch.ID)
	mustDialServed(t, ctx, url).Close(websocket.StatusNormalClosure, "")

	bus.Close() // the broker is gone for good
	conn, resp, err := websocket.Dial(ctx, url, nil)
	if err == nil {
		conn.CloseNow()
		t.Fatal("WebSocket opened on a bus that refuses to subscribe")
	}
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("refused with %v, want 503", err)
	}
	var body struct {
		Error struct{ Code, Message string }
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &body); err != nil || body.Error.Code != parley.EINTERNAL || body.Error.Message == "" {
		t.Fatalf("503 body %s: want a JSON error with code EINTERNAL and a message", b)
	}
}

// Two servers on one store and one NATS: what a visitor sends through the first reaches
// their WebSocket on the second.
func TestEventsReachWebSocketsOnAnotherServer(t *testing.T) {
	natsURL := os.Getenv("PARLEY_TEST_NATS")
	if natsURL == "" {
		t.Skip("PARLEY_TEST_NATS not set: e.g. nats://127.0.0.1:4222")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	prefix := natsbus.Prefix("parleytest." + rand.Text())
	var svcs [2]*chat.Service
	for i := range svcs {
		bus, err := natsbus.Open(natsURL, prefix)
		if err != nil {
			t.Fatal(err)
		}
		defer bus.Close()
		svcs[i] = chat.New(store, bus, slog.New(slog.DiscardHandler), parley.DefaultInactivityTimeout, nil)
	}
	a, b := svcs[0], svcs[1]
	ts := httptest.NewServer(httpapi.New(b, store, slog.New(slog.DiscardHandler), httpapi.Options{}).Handler())
	defer ts.Close()

	ch, err := a.CreateChannel(ctx, &parley.User{Role: parley.RoleAdmin}, chat.NewChannel{Name: "Website"})
	if err != nil {
		t.Fatal(err)
	}
	started, err := a.StartConversation(ctx, chat.StartRequest{ChannelID: ch.ID, Body: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.AuthenticateVisitor(ctx, started.VisitorToken)
	if err != nil {
		t.Fatal(err)
	}
	conn := mustDialServed(t, ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/livechat/ws?token="+started.VisitorToken)
	if _, _, err := a.SendVisitorMessage(ctx, v, started.Conversation.ID, "through NATS", "c1"); err != nil {
		t.Fatal(err)
	}
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("the message sent through the other server never came: %v", err)
		}
		var ev parley.Event
		json.Unmarshal(data, &ev)
		if ev.Type == parley.EventMessage && ev.Message != nil && ev.Message.Body == "through NATS" {
			return
		}
	}
}

// mustVisitor starts a conversation: it returns its visitor's WebSocket address and topic.
func mustVisitor(tb testing.TB, svc *chat.Service, baseURL string, channelID int64) (url, topic string) {
	tb.Helper()
	ctx := context.Background()
	started, err := svc.StartConversation(ctx, chat.StartRequest{ChannelID: channelID, Body: "hi"})
	if err != nil {
		tb.Fatal(err)
	}
	v, err := svc.AuthenticateVisitor(ctx, started.VisitorToken)
	if err != nil {
		tb.Fatal(err)
	}
	return "ws" + strings.TrimPrefix(baseURL, "http") + "/livechat/ws?token=" + started.VisitorToken, parley.VisitorTopic(v.ID)
}

// mustDialServed opens a WebSocket and waits until the server serves its frames: a
// frame of an unknown type is answered with an error frame.
func mustDialServed(tb testing.TB, ctx context.Context, url string) *websocket.Conn {
	tb.Helper()
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.CloseNow() })
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"nonsense"}`)); err != nil {
		tb.Fatal(err)
	}
	_, data, err := conn.Read(ctx)
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		tb.Fatalf("WebSocket closed instead of being served: %v", err)
	}
	if err != nil || !strings.Contains(string(data), `"type":"error"`) {
		tb.Fatalf("got %s, %v; want an error frame", data, err)
	}
	return conn
}
