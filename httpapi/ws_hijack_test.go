package httpapi

import (
	"net"
	"sync"
	"testing"
)

// writeCounter is a connection that records each write it is given.
type writeCounter struct {
	net.Conn
	mu     sync.Mutex
	writes []string
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(p))
	return len(p), nil
}

// A corked connection holds what is written to it and sends it in one write when
// uncorked, in order; uncorked, each write goes straight through.
func TestCorkedConnWritesOnceWhenUncorked(t *testing.T) {
	under := &writeCounter{}
	c := &corkedConn{Conn: under}
	if _, err := c.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	c.cork()
	for _, p := range []string{"b", "cd", "e"} {
		if n, err := c.Write([]byte(p)); err != nil || n != len(p) {
			t.Fatalf("corked write %q: %d, %v", p, n, err)
		}
	}
	if len(under.writes) != 1 {
		t.Fatalf("writes while corked reached the connection: %q", under.writes)
	}
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("f")); err != nil {
		t.Fatal(err)
	}
	if err := c.uncork(); err != nil { // nothing held: no write
		t.Fatal(err)
	}
	want := []string{"a", "bcde", "f"}
	if len(under.writes) != len(want) {
		t.Fatalf("writes %q, want %q", under.writes, want)
	}
	for i := range want {
		if under.writes[i] != want[i] {
			t.Fatalf("writes %q, want %q", under.writes, want)
		}
	}
}
