package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// BenchmarkReadFrame reads send frames as a server's WebSocket does: with conn.Read, a
// buffer of its own for every frame, against readFrame's shared buffers (allocs/op).
func BenchmarkReadFrame(b *testing.B) {
	frame := []byte(`{"type":"send","conversation_id":42,"client_id":"c-0001","body":"` + strings.Repeat("x", 64) + `"}`)
	for _, bc := range []struct {
		name string
		read func(context.Context, *websocket.Conn) error
	}{
		{"conn.Read", func(ctx context.Context, c *websocket.Conn) error {
			_, data, err := c.Read(ctx)
			if err == nil {
				_, err = parseFrame(data)
			}
			return err
		}},
		{"readFrame", func(ctx context.Context, c *websocket.Conn) error {
			buf, err := readFrame(ctx, c)
			if err == nil {
				_, err = parseFrame(buf.Bytes())
				putFrameBuffer(buf)
			}
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			read := make(chan error, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, err := websocket.Accept(w, r, nil)
				if err != nil {
					read <- err
					return
				}
				defer c.CloseNow()
				for range b.N {
					if err := bc.read(ctx, c); err != nil {
						read <- err
						return
					}
				}
				read <- nil
			}))
			defer srv.Close()
			c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseNow()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := c.Write(ctx, websocket.MessageText, frame); err != nil {
					b.Fatal(err)
				}
			}
			if err := <-read; err != nil {
				b.Fatal(err)
			}
		})
	}
}
