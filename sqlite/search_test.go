package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/parleychat/parley/storetest"
)

// TestSearchAfterDeletes deletes messages and conversations with plain SQL on a second
// connection, as an erasure would: the FTS5 index follows by its triggers.
func TestSearchAfterDeletes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	s := mustOpen(t, path)
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.SearchAfterDeletes(t, s, func(ctx context.Context, query string, args ...any) error {
		_, err := db.ExecContext(ctx, query, args...)
		return err
	})
}
