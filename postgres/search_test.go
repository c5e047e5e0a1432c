package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/postgres/pgtest"
	"github.com/parleychat/parley/storetest"
)

// TestSearchAfterDeletes deletes messages and conversations with plain SQL on another
// connection, as an erasure would: the expression index follows the rows.
func TestSearchAfterDeletes(t *testing.T) {
	url := pgtest.URL(t)
	s := mustOpen(t, url)
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	storetest.SearchAfterDeletes(t, s, func(ctx context.Context, query string, args ...any) error {
		_, err := conn.Exec(ctx, query, args...)
		return err
	})
}
