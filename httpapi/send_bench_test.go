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
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/httpapi"
)

// BenchmarkHTTPSend posts messages (POST …/messages) to a real server on loopback, from 64
// keep-alive connections at once, each in a conversation of its own: the HTTP send path
// of the widget's fallback, integrations and bots, with the SQLite store's group commit
// behind it. The clients write prepared requests on raw connections, so that most of
// the time measured is the server's; run it pinned to one core (taskset -c 0) to see what
// a message costs the server's core.
func BenchmarkHTTPSend(b *testing.B) {
	for _, side := range []string{"visitor", "operator"} {
		b.Run(side, func(b *testing.B) {
			const conns = 64
			ctx := context.Background()
			svc, store, channelID := mustChatService(b)
			admin := &parley.User{Role: parley.RoleAdmin}
			op, err := svc.CreateUser(ctx, admin, chat.NewUser{Login: "alice", Password: "password-alice", Name: "Alice"})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := svc.JoinChannel(ctx, op, channelID); err != nil {
				b.Fatal(err)
			}
			svc.ConsoleOpened(ctx, op.ID)
			opToken, _, err := svc.Login(ctx, "alice", "password-alice", chat.Client{})
			if err != nil {
				b.Fatal(err)
			}
			ts := httptest.NewServer(httpapi.New(svc, store, slog.New(slog.DiscardHandler), httpapi.Options{}).Handler())
			b.Cleanup(ts.Close)

			type target struct{ path, token string }
			targets := make([]target, conns)
			for i := range targets {
				started, err := svc.StartConversation(ctx, chat.StartRequest{ChannelID: channelID, Body: "hi"})
				if err != nil {
					b.Fatal(err)
				}
				if started.Conversation.Status != parley.StatusActive {
					b.Fatalf("conversation %d is %s, want active", started.Conversation.ID, started.Conversation.Status)
				}
				if side == "visitor" {
					targets[i] = target{fmt.Sprintf("/livechat/conversations/%d/messages", started.Conversation.ID), started.VisitorToken}
				} else {
					targets[i] = target{fmt.Sprintf("/api/conversations/%d/messages", started.Conversation.ID), opToken}
				}
			}
			host := strings.TrimPrefix(ts.URL, "http://")
			var next, seq atomic.Int64
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((conns + procs - 1) / procs) // conns goroutines, whatever GOMAXPROCS
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				t := targets[int(next.Add(1)-1)%conns]
				conn, err := net.Dial("tcp", host)
				if err != nil {
					b.Error(err)
					return
				}
				defer conn.Close()
				br := bufio.NewReader(conn)
				var req []byte
				for pb.Next() {
					body := fmt.Sprintf(`{"body":"a message of about the length people type","client_id":"bench-%d"}`, seq.Add(1))
					req = fmt.Appendf(req[:0], "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
						"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", t.path, host, t.token, len(body), body)
					if _, err := conn.Write(req); err != nil {
						b.Error(err)
						return
					}
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						b.Errorf("status %d, want 201", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}
