package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// SQLite compiles every statement before it runs it; for the short queries of a chat
// message that compilation costs more than the query itself. Every query string of this
// package is a constant, so each pool keeps its statements prepared, one per query string,
// for as long as the store is open.

// stmtCache holds the prepared statements of one pool, by query string.
type stmtCache struct {
	pool  *sql.DB
	stmts sync.Map // string → *sql.Stmt
}

func newStmtCache(pool *sql.DB) *stmtCache { return &stmtCache{pool: pool} }

// lookup returns the statement of query if it was prepared.
func (c *stmtCache) lookup(query string) (*sql.Stmt, bool) {
	st, ok := c.stmts.Load(query)
	if !ok {
		return nil, false
	}
	return st.(*sql.Stmt), true
}

// prepare returns the statement of query, preparing it on first use. It takes a
// connection of the pool: never call it while holding the pool's only connection.
func (c *stmtCache) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.lookup(query); ok {
		return st, nil
	}
	st, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// close closes every statement.
func (c *stmtCache) close() {
	c.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		c.stmts.Delete(k)
		return true
	})
}

// readDB is the reader pool with prepared statements: a querier.
type readDB struct{ c *stmtCache }

func (r readDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := r.c.prepare(ctx, query)
	if err != nil {
		return r.c.pool.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (r readDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := r.c.prepare(ctx, query)
	if err != nil {
		return r.c.pool.QueryContext(ctx, query, args...) // reports the error of the query
	}
	return st.QueryContext(ctx, args...)
}

func (r readDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := r.c.prepare(ctx, query)
	if err != nil {
		return r.c.pool.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// wtx is a write transaction whose queries use the writer's prepared statements. The
// transaction holds the writer's only connection, so a query not prepared yet runs as is
// and is prepared once the transaction is over (see Store.write).
type wtx struct {
	tx      *sql.Tx
	c       *stmtCache
	stmts   map[string]*sql.Stmt // the transaction's own, for a batch's repeated queries
	pending []string
	a       *assignState
	live    *liveConvs
}

func (t *wtx) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.stmts[query]; ok {
		return st
	}
	st, ok := t.c.lookup(query)
	if !ok {
		t.pending = append(t.pending, query)
		return nil
	}
	st = t.tx.StmtContext(ctx, st)
	if t.stmts == nil {
		t.stmts = make(map[string]*sql.Stmt)
	}
	t.stmts[query] = st
	return st
}

func (t *wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *wtx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t *wtx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}
