package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parleychat/parley/postgres/pgtest"
)

// planConn is a connection of a store on a new database, with setting run on it, to ask
// for plans; both are closed when the test ends.
func planConn(t *testing.T, setting string) *pgxpool.Conn {
	t.Helper()
	s, err := Open(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
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

// TestBatchStatementsUseIndexes plans the group commit's statements, and assignment's, as PostgreSQL plans a
// prepared statement it reuses (a generic plan), on a new installation's empty tables that
// were never analyzed: each must look its rows up by index, not scan the table, whose
// every message or conversation each batch or start would otherwise read.
func TestBatchStatementsUseIndexes(t *testing.T) {
	ctx := t.Context()
	conn := planConn(t, `SET plan_cache_mode = force_generic_plan`)
	for _, tc := range []struct {
		name, sql, args string
		lookup          string // what the plan must show: the lookup by key
	}{
		{"stored keys", sqlStoredKeys, `('{1}', '{visitor}', '{k}')`, "Index Scan using messages_client_id"},
		{"move last seq", sqlMoveLastSeq, `('{1}', '{1}', '{1}')`, "conversations_pkey"},
		{"candidates", candidatesQuery, `(1, 0)`, "Index Cond: ((operator_id = m.user_id)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := strings.ReplaceAll(tc.name, " ", "_")
			if _, err := conn.Exec(ctx, `PREPARE `+name+` AS `+tc.sql); err != nil {
				t.Fatal(err)
			}
			rows, err := conn.Query(ctx, `EXPLAIN EXECUTE `+name+tc.args)
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
			text := strings.Join(plan, "\n")
			if strings.Contains(text, "Seq Scan on messages") || strings.Contains(text, "Seq Scan on conversations") {
				t.Errorf("the generic plan scans a table:\n%s", text)
			}
			if !strings.Contains(text, tc.lookup) {
				t.Errorf("the generic plan does not look rows up by key (%s):\n%s", tc.lookup, text)
			}
		})
	}
}

// TestBatchConnectionsPlanOnce: the batchers' connections keep the generic plans that
// TestBatchStatementsUseIndexes checks, rather than planning each batch's statements anew.
func TestBatchConnectionsPlanOnce(t *testing.T) {
	s, err := Open(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
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
