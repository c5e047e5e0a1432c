// Package pgtest gives tests a PostgreSQL database of their own: a new, empty schema in
// the database that PARLEY_TEST_POSTGRES names, dropped when the test ends, so that
// tests run in parallel on one server.
package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that names the test database, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const Env = "PARLEY_TEST_POSTGRES"

// URL returns the URL of a new, empty schema for t (as the connection's search_path),
// and drops the schema and everything in it when t ends: close what uses it in a
// cleanup registered after URL returns. It skips t when PARLEY_TEST_POSTGRES is not set.
func URL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(Env)
	if base == "" {
		tb.Skip(Env + " not set: no PostgreSQL to test against")
	}
	schema := "test_" + strings.ToLower(rand.Text()[:16])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("pgtest: drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(tb, base, schema)
}

// withSearchPath adds the search_path parameter to a postgres:// URL or a key=value
// connection string.
func withSearchPath(tb testing.TB, base, schema string) string {
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return fmt.Sprintf("%s search_path=%s", base, schema)
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("pgtest: %s: %v", Env, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
