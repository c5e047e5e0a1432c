package httpapi

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A connection hijacked for a WebSocket keeps no read deadline of its request (a request
// with a body gets one, Server.limitBody): a WebSocket may stay quiet for as long as it
// answers pings.
func TestHijackedConnectionHasNoReadDeadline(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
			t.Error(err)
			return
		}
		h := &wsHijacker{ResponseWriter: w}
		conn, brw, err := h.Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		buf := make([]byte, 5)
		if _, err := io.ReadFull(brw, buf); err != nil {
			got <- err.Error()
			return
		}
		got <- string(buf)
	}))
	defer srv.Close()
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: parley\r\nContent-Length: 5\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // past the request's deadline
	if _, err := io.WriteString(c, "hello"); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "hello" {
			t.Fatalf("the hijacked connection read %q, want hello", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the hijacked connection read nothing")
	}
}
