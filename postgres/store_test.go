package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/postgres"
	"github.com/parleychat/parley/postgres/pgtest"
	"github.com/parleychat/parley/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) parley.Store {
		return mustOpen(t, pgtest.URL(t))
	})
}

func mustOpen(tb testing.TB, url string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(tb.Context(), url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// TestShared runs the contract of a store shared by several servers: two stores, each
// with its own pool, on one schema.
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (a, b parley.Store) {
		url := pgtest.URL(t)
		return mustOpen(t, url), mustOpen(t, url)
	})
}

// TestOpenTogether opens several stores on one empty schema at once, as servers started
// together would: the migrations run once, and every store works.
func TestOpenTogether(t *testing.T) {
	url := pgtest.URL(t)
	const n = 4
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), url) })
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		t.Cleanup(func() { s.Close() })
	}
	for i, s := range stores {
		ch := &parley.Channel{Name: fmt.Sprintf("Channel %d", i)}
		if err := s.CreateChannel(t.Context(), ch); err != nil {
			t.Fatal(err)
		}
	}
	list, err := stores[0].Channels(t.Context())
	if err != nil || len(list) != n {
		t.Fatalf("%d channels (%v), want %d", len(list), err, n)
	}
}

// TestOpenWaitsForMigration checks that a server opening a database that another server
// is migrating waits for it to finish, rather than migrate at the same time.
func TestOpenWaitsForMigration(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	other, err := pgx.Connect(ctx, url) // the server migrating
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	var key int64
	if err := other.QueryRow(ctx, `SELECT hashtextextended('parley migrations ' || current_schema(), 0)`).Scan(&key); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		t.Fatal(err)
	}

	opened := make(chan error, 1)
	done := make(chan struct{})
	t.Cleanup(func() { <-done }) // before the schema is dropped; other's deferred Close lets Open go on
	go func() {
		defer close(done)
		s, err := postgres.Open(context.WithoutCancel(ctx), url)
		if err == nil {
			s.Close()
		}
		opened <- err
	}()
	for waiting := false; !waiting; {
		err := other.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND (classid::bigint << 32 | objid::bigint) = $1)`, key).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-opened:
			t.Fatalf("Open returned (%v) while another server held the migration lock", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if _, err := other.Exec(ctx, `SELECT pg_advisory_unlock($1)`, key); err != nil {
		t.Fatal(err)
	}
	if err := <-opened; err != nil {
		t.Fatal(err)
	}
}
