package chat

import (
	"testing"
	"time"
)

// A value read from the store before a notice dropped its key is not kept after it:
// the notice would otherwise be undone by a read that was under way when it arrived.
func TestCachePutSinceSkipsWhatANoticeDropped(t *testing.T) {
	now := time.Now()
	c := newCache[string, int](10, 0)
	gen := c.generation()
	c.delete("visitor") // the notice arrives while the store is read
	c.putSince("visitor", 1, now, gen)
	if _, ok := c.get("visitor", now); ok {
		t.Fatal("a value read before the notice was kept after it")
	}
	gen = c.generation()
	c.putSince("visitor", 2, now, gen)
	if v, ok := c.get("visitor", now); !ok || v != 2 {
		t.Fatalf("a value read after the notice: %v, %v; want 2, kept", v, ok)
	}
}
