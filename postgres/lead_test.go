package postgres_test

import (
	"testing"

	"github.com/parleychat/parley/postgres/pgtest"
)

// TestLead checks that of two servers, one leads a job at a time, and that the other
// takes over once the leader lets go or stops.
func TestLead(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	a, b := mustOpen(t, url), mustOpen(t, url)

	release, ok, err := a.Lead(ctx, "sweep")
	if err != nil || !ok {
		t.Fatalf("first Lead: ok %v, %v", ok, err)
	}
	if _, ok, err := b.Lead(ctx, "sweep"); err != nil || ok {
		t.Fatalf("second server leads too: ok %v, %v", ok, err)
	}
	if _, ok, err := a.Lead(ctx, "sweep"); err != nil || ok {
		t.Fatalf("the leader leads a second time: ok %v, %v", ok, err)
	}
	releaseQueue, ok, err := b.Lead(ctx, "queue")
	if err != nil || !ok {
		t.Fatalf("another job: ok %v, %v", ok, err)
	}
	releaseQueue()

	release()
	release() // twice is harmless
	releaseB, ok, err := b.Lead(ctx, "sweep")
	if err != nil || !ok {
		t.Fatalf("Lead after release: ok %v, %v", ok, err)
	}
	if _, ok, err := a.Lead(ctx, "sweep"); err != nil || ok {
		t.Fatalf("the old leader leads again while the new one does: ok %v, %v", ok, err)
	}

	// A server that stops gives its lead up with its connection.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	releaseB() // after Close: harmless
	if _, ok, err := a.Lead(ctx, "sweep"); err != nil || !ok {
		t.Fatalf("Lead after the leader closed: ok %v, %v", ok, err)
	}
}

// TestLeadSchemas checks that a lead is per installation: the same job in another
// schema of the same database has a leader of its own.
func TestLeadSchemas(t *testing.T) {
	ctx := t.Context()
	a, b := mustOpen(t, pgtest.URL(t)), mustOpen(t, pgtest.URL(t))
	if _, ok, err := a.Lead(ctx, "sweep"); err != nil || !ok {
		t.Fatalf("a: ok %v, %v", ok, err)
	}
	if _, ok, err := b.Lead(ctx, "sweep"); err != nil || !ok {
		t.Fatalf("b, in another schema: ok %v, %v", ok, err)
	}
}
