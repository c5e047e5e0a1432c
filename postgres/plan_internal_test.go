package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parleychat/parley/postgres/pgtest"
)

// openStore opens a store on a new database, closed when the test ends.
func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// planConn is a connection of a store on a new database, with setting run on it, to ask
// for plans; both are closed when the test ends.
func planConn(t *testing.T, setting string) *pgxpool.Conn {
	t.Helper()
	s := openStore(t)
	conn, err := s.pool.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Release)
	if _, err := conn.Exec(t.Context(), setting); err != nil {
		t.Fatal(err)
	}
	return conn
}

// explain is the plan that query (an EXPLAIN) prints on conn, one line a row.
func explain(t *testing.T, conn *pgxpool.Conn, query string, args ...any) string {
	t.Helper()
	rows, err := conn.Query(t.Context(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// TestBatchStatementsUseIndexes plans the group commit's statements, as the batchers'
// connections plan a prepared statement they reuse (a generic plan), and assignment's, on
// tables that were never analyzed: a new installation's empty ones, then with 1,000
// conversations. Each must look its rows up by index: a scan would read every message or
// conversation at each batch or start, and the batch's scans of a small table (a few
// pages, where a scan looks cheaper) were a large part of PostgreSQL's work under load.
func TestBatchStatementsUseIndexes(t *testing.T) {
	ctx := t.Context()
	s := openStore(t)
	batchConn, err := s.batchPool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(batchConn.Release)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Release)
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	type planCase struct {
		name, sql, args string
		lookup          string // what the plan must show: the lookup by key
	}
	batch := []planCase{
		{"lock conversations", sqlLockConversations, `('{1,2}')`, "conversations_pkey"},
		{"authors", sqlAuthors, `('{1,2}')`, "users_pkey"},
		{"stored keys", sqlStoredKeys, `('{1}', '{visitor}', '{k}')`, "Index Scan using messages_client_id"},
		{"move last seq", sqlMoveLastSeq, `('{1}', '{1}', '{1}')`, "conversations_pkey"},
	}
	assign := []planCase{
		{"candidates", candidatesQuery, `(1, 0)`, "Index Cond: ((operator_id = m.user_id)"},
	}
	// check plans cases on conn: none may scan the messages or the conversations, nor
	// any table when only is set (the batch reads nothing but rows by key).
	check := func(t *testing.T, conn *pgxpool.Conn, cases []planCase, only bool) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				name := strings.ReplaceAll(tc.name, " ", "_")
				if _, err := conn.Exec(ctx, `PREPARE `+name+` AS `+tc.sql); err != nil {
					t.Fatal(err)
				}
				defer conn.Exec(ctx, `DEALLOCATE `+name)
				text := explain(t, conn, `EXPLAIN EXECUTE `+name+tc.args)
				if strings.Contains(text, "Seq Scan on messages") || strings.Contains(text, "Seq Scan on conversations") ||
					only && strings.Contains(text, "Seq Scan") {
					t.Errorf("the generic plan scans a table:\n%s", text)
				}
				if !strings.Contains(text, tc.lookup) {
					t.Errorf("the generic plan does not look rows up by key (%s):\n%s", tc.lookup, text)
				}
			})
		}
	}
	t.Run("empty", func(t *testing.T) {
		check(t, batchConn, batch, true)
		check(t, conn, assign, false)
	})
	if _, err := s.pool.Exec(ctx, `
		WITH ch AS (INSERT INTO channels (name, created_at) VALUES ('Web', 0) RETURNING id),
		v AS (INSERT INTO visitors (token_hash, name, created_at)
			SELECT decode(md5(g::text), 'hex'), 'Visitor', 0 FROM generate_series(1, 1000) g RETURNING id)
		INSERT INTO conversations (channel_id, visitor_id, status, created_at, last_message_at)
		SELECT ch.id, v.id, 'active', 0, 0 FROM ch, v`); err != nil {
		t.Fatal(err)
	}
	t.Run("1,000 conversations", func(t *testing.T) {
		check(t, batchConn, batch, true)
		check(t, conn, assign, false)
	})
	// The webhooks have no index to use: the scan's added cost must not make PostgreSQL
	// compile the statement (JIT, about 150 ms) at each batch that reads the flag.
	t.Run("no compiling", func(t *testing.T) {
		if text := explain(t, batchConn, `EXPLAIN (ANALYZE) `+sqlMessageHooks); strings.Contains(text, "JIT") {
			t.Errorf("the batch's reading of the webhooks is compiled:\n%s", text)
		}
	})
}

// TestBatchConnectionsPlanOnce: the batchers' connections keep the generic plans that
// TestBatchStatementsUseIndexes checks, rather than planning each batch's statements anew.
func TestBatchConnectionsPlanOnce(t *testing.T) {
	s := openStore(t)
	var batch, other string
	if err := s.batchPool.QueryRow(t.Context(), `SHOW plan_cache_mode`).Scan(&batch); err != nil {
		t.Fatal(err)
	}
	if err := s.pool.QueryRow(t.Context(), `SHOW plan_cache_mode`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if batch != "force_generic_plan" || other != "auto" {
		t.Errorf("plan_cache_mode: %q for the batchers, %q for the rest; want force_generic_plan and auto", batch, other)
	}
}

// A store's batch connections are open, their statements prepared and planned, when Open
// returns: the first messages after a start do not wait for a new backend to open the
// tables and plan (TestBatchStatementsUseIndexes checks which plans).
func TestBatchConnectionsAreReadyAtOpen(t *testing.T) {
	ctx := t.Context()
	s := openStore(t)
	if n := s.batchPool.Stat().TotalConns(); n != batchers {
		t.Fatalf("%d batch connections open after Open, want %d", n, batchers)
	}
	conn, err := s.batchPool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for name, sql := range map[string]string{
		"lock":        sqlLockConversations,
		"stored keys": sqlStoredKeys,
		"authors":     sqlAuthors,
		"hooks":       sqlMessageHooks,
		"last seq":    sqlMoveLastSeq,
		"insert":      `INSERT INTO messages %`,
	} {
		var planned bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_prepared_statements
			WHERE (statement = $1 OR statement LIKE $1) AND generic_plans > 0)`, sql).Scan(&planned); err != nil {
			t.Fatal(err)
		}
		if !planned {
			t.Errorf("the batch's %s statement is not planned on its connection", name)
		}
	}
}
