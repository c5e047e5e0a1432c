package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/httpapi"
	"github.com/parleychat/parley/inmem"
	"github.com/parleychat/parley/sqlite"
)

// An idle WebSocket is pinged, and a peer that never answers is disconnected: a dead
// client does not hold its connection for ever.
func TestDeadWebSocketIsClosed(t *testing.T) {
	svc, store, channelID := mustChatService(t)
	srv := httpapi.New(svc, store, slog.New(slog.DiscardHandler), httpapi.Options{PingInterval: 100 * time.Millisecond})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	conn, br := dialDeadVisitor(t, ts.URL, svc, channelID, "hi")
	defer conn.Close()
	// Read (and ignore) whatever comes until the server hangs up.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatalf("the server did not close the dead connection within 5 s: %v", err)
	}
	t.Logf("dead connection closed after %v", time.Since(start).Round(time.Millisecond))
}

// Shutting down closes the WebSockets side by side: clients that never answer the close
// do not hold it up one after another (each may take the library's 5 s).
func TestCloseWebSocketsDoesNotWaitForDeadClientsInTurn(t *testing.T) {
	svc, store, channelID := mustChatService(t)
	srv := httpapi.New(svc, store, slog.New(slog.DiscardHandler), httpapi.Options{})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	const dead = 4
	for i := range dead {
		conn, _ := dialDeadVisitor(t, ts.URL, svc, channelID, fmt.Sprintf("hi %d", i))
		defer conn.Close()
	}
	start := time.Now()
	srv.CloseWebSockets()
	// One after another, the four would take 20 s; side by side, about 5.
	if took := time.Since(start); took > 3*5*time.Second {
		t.Fatalf("closing %d dead WebSockets took %v: they were closed in turn", dead, took.Round(time.Millisecond))
	}
}

// mustChatService is a chat service on a fresh SQLite file, with one channel.
func mustChatService(tb testing.TB) (*chat.Service, *sqlite.Store, int64) {
	tb.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "parley.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	svc := chat.New(store, inmem.NewBus(), slog.New(slog.DiscardHandler), parley.DefaultInactivityTimeout, nil)
	ch, err := svc.CreateChannel(ctx, &parley.User{Role: parley.RoleAdmin}, chat.NewChannel{Name: "Website"})
	if err != nil {
		tb.Fatal(err)
	}
	return svc, store, ch.ID
}

// dialDeadVisitor starts a conversation and opens its visitor's WebSocket with a raw
// client that completes the handshake, then never reads nor answers anything by itself.
func dialDeadVisitor(t *testing.T, baseURL string, svc *chat.Service, channelID int64, body string) (net.Conn, *bufio.Reader) {
	t.Helper()
	started, err := svc.StartConversation(context.Background(), chat.StartRequest{ChannelID: channelID, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET /livechat/ws?token="+started.VisitorToken+" HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"+
		"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		conn.Close()
		t.Fatalf("handshake: %v %v", resp, err)
	}
	return conn, br
}
