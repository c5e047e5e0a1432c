package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// SQLite compiles every statement before it runs it; for the short queries of a chat
// message that compilation costs more than the query itself. Every query string of this
// package is a constant, so the reader pool and the writer's connection each keep their
// statements prepared, one per query string, for as long as the store is open.

// preparer is a *sql.DB (the reader pool) or a *sql.Conn (the writer's connection).
type preparer interface {
	querier
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// stmtCache holds the prepared statements of one pool or connection, by query string.
type stmtCache struct {
	db    preparer
	stmts sync.Map // string → *sql.Stmt
}

func newStmtCache(db preparer) *stmtCache { return &stmtCache{db: db} }

// prepare returns the statement of query, preparing it on first use. On the writer's
// connection it runs under the writer's lock, inside a transaction or not: SQLite
// prepares a statement on a connection in the middle of a transaction as well.
func (c *stmtCache) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := c.db.PrepareContext(ctx, query)
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

// stmtDB runs queries with the prepared statements of its cache: a querier. A query
// that fails to prepare runs as is, which reports its error.
type stmtDB struct{ c *stmtCache }

func (d stmtDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := d.c.prepare(ctx, query)
	if err != nil {
		return d.c.db.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (d stmtDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := d.c.prepare(ctx, query)
	if err != nil {
		return d.c.db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (d stmtDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := d.c.prepare(ctx, query)
	if err != nil {
		return d.c.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// wtx is a write transaction: the queries of the writer's connection between the BEGIN
// and the COMMIT that Store.writeTx runs, and the writer's memory that they keep true.
type wtx struct {
	stmtDB
	a    *assignState
	live *liveConvs
}
