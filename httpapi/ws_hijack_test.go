package httpapi

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// writeCounter is a connection that records each write and write deadline it is given.
type writeCounter struct {
	net.Conn
	mu        sync.Mutex
	writes    []string
	deadlines []time.Time
}

func (w *writeCounter) SetWriteDeadline(t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.deadlines = append(w.deadlines, t)
	return nil
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
	c := &corkedConn{Conn: under, timeout: wsWriteTimeout}
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

// A write to a client that takes nothing fails once the deadline passes, and the
// connection can be closed; one the client takes is not held to a deadline left from
// before an idle spell.
func TestCorkedConnWriteDeadline(t *testing.T) {
	t.Run("stalled client", func(t *testing.T) {
		server, client := net.Pipe() // writes wait until the other end reads
		defer client.Close()
		defer server.Close()
		c := &corkedConn{Conn: server, timeout: 20 * time.Millisecond}
		done := make(chan error, 1)
		go func() {
			_, err := c.Write([]byte("event"))
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("write to a stalled client: %v, want a deadline error", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a write to a client that reads nothing never failed")
		}
	})
	t.Run("after an idle spell", func(t *testing.T) {
		server, client := net.Pipe()
		defer client.Close()
		defer server.Close()
		go io.Copy(io.Discard, client)
		c := &corkedConn{Conn: server, timeout: 10 * time.Millisecond}
		if _, err := c.Write([]byte("first")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // past the deadline the first write set
		if _, err := c.Write([]byte("second")); err != nil {
			t.Fatalf("write after an idle spell: %v", err)
		}
		c.cork()
		c.Write([]byte("held"))
		time.Sleep(50 * time.Millisecond)
		if err := c.uncork(); err != nil {
			t.Fatalf("uncork after an idle spell: %v", err)
		}
	})
	t.Run("moved only when running out", func(t *testing.T) {
		under := &writeCounter{}
		c := &corkedConn{Conn: under, timeout: time.Hour}
		start := time.Now()
		for range 100 {
			c.Write([]byte("x"))
		}
		if len(under.deadlines) != 1 {
			t.Fatalf("%d deadlines set for 100 writes within the timeout, want 1", len(under.deadlines))
		}
		if d := under.deadlines[0].Sub(start); d < time.Hour {
			t.Fatalf("deadline %s after the first write, want at least the timeout", d)
		}
		c.deadline = time.Now().Add(time.Hour - time.Second) // less than the timeout left
		c.Write([]byte("y"))
		if len(under.deadlines) != 2 {
			t.Fatalf("deadline not moved with less than the timeout left")
		}
	})
}
