// Package postgres keeps Parley's data in PostgreSQL: it implements parley.Store on
// github.com/jackc/pgx/v5, for installations where several Parley servers share one
// database.
//
// Nothing that must hold across servers lives in a server's memory: message sequence
// numbers are taken under the conversation's row lock, a resent message is recognized
// by a unique index of its key, and an assignment decision is made and recorded under
// its channel's row lock.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/internal/groupcommit"
)

//go:embed migrations/*.sql
var migrations embed.FS

var _ parley.Store = (*Store)(nil)

// Store is a parley.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
	// batchPool holds the batchers' connections (batch.go), whose statements PostgreSQL
	// plans once: with plan_cache_mode = force_generic_plan. Left to choose, it planned
	// the batch's statements again at every execution (their arrays make a custom plan
	// look cheaper), a quarter of its CPU at 2,000 msg/s. Its plans look rows up by key
	// (enable_seqscan = off).
	batchPool *pgxpool.Pool

	queue *groupcommit.Queue // messages for the batchers (batch.go)
	hooks parley.WebhookFlag // whether a webhook wants messages (webhooks.go)

	closeOnce sync.Once
}

// Open connects to the database at url (a postgres:// URL or a key=value string, as
// pgx reads them) and brings its schema up to date. Several servers may open one
// database at once: they migrate one after the other.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if cfg.MaxConns < 4 {
		cfg.MaxConns = 4
	}
	batchCfg := cfg.Copy()
	// The batchers' connections stay open, and each is readied when it opens (warmBatchConn).
	batchCfg.MaxConns, batchCfg.MinConns = batchers, batchers
	batchCfg.AfterConnect = warmBatchConn
	batchCfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	// Every statement of a batch reads or writes rows by key. A table of a few pages
	// (1,000 conversations) looks cheaper to scan whole than to look up, and every batch
	// then scanned the conversations twice. The cost this adds to the scans that remain
	// (the few webhooks) must not make PostgreSQL compile them (JIT) at each execution.
	batchCfg.ConnConfig.RuntimeParams["enable_seqscan"] = "off"
	batchCfg.ConnConfig.RuntimeParams["jit"] = "off"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	batchPool, err := pgxpool.NewWithConfig(ctx, batchCfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	// Open the batchers' connections now, not at the first message.
	for range batchers {
		c, err := batchPool.Acquire(ctx)
		if err != nil {
			batchPool.Close()
			pool.Close()
			return nil, fmt.Errorf("open postgres store: %w", err)
		}
		defer c.Release()
	}
	s := &Store{pool: pool, batchPool: batchPool}
	s.queue = groupcommit.Start(batchers, maxBatch, s.addBatch)
	return s, nil
}

// migrate applies the embedded migrations that the database has not seen yet, under a
// session advisory lock so that servers starting together migrate one at a time.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(schemaLocker{}))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// schemaLocker is goose's session locker with a lock per schema, waited for rather than
// polled: servers of one installation wait for each other's migration, while
// installations (or tests) in other schemas of the same database do not.
type schemaLocker struct{}

// schemaLock is the advisory lock key of the current schema's migrations.
const schemaLock = `hashtextextended('parley migrations ' || current_schema(), 0)`

func (schemaLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+schemaLock+`)`)
	return err
}

func (schemaLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+schemaLock+`)`)
	return err
}

// Close stops the batchers, once the batches they are storing have committed, and
// closes the pool.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.queue.Close()
		s.batchPool.Close()
		s.pool.Close()
	})
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// querier is what a pool, a connection and a transaction offer, so that a helper serves
// inside a transaction as well as outside.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// write runs fn in a transaction, committed when fn returns nil.
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// dbTime encodes t as Unix microseconds; the zero time is NULL.
func dbTime(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	us := t.UnixMicro()
	return &us
}

// goTime decodes a time encoded by dbTime, in UTC.
func goTime(us *int64) time.Time {
	if us == nil {
		return time.Time{}
	}
	return time.UnixMicro(*us).UTC()
}

// orNow is t, or the current time when the caller gave none.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// isUnique reports whether err is the violation of a unique constraint.
func isUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// isForeignKey reports whether err is the violation of a foreign key.
func isForeignKey(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23503"
}

// exists reports whether query returns a row.
func exists(ctx context.Context, q querier, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRow(ctx, query, args...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func userExists(ctx context.Context, q querier, id int64) error {
	ok, err := exists(ctx, q, `SELECT 1 FROM users WHERE id = $1 AND deleted_at IS NULL`, id)
	if err != nil {
		return err
	} else if !ok {
		return errUserNotFound(id)
	}
	return nil
}

func channelExists(ctx context.Context, q querier, id int64) error {
	ok, err := exists(ctx, q, `SELECT 1 FROM channels WHERE id = $1`, id)
	if err != nil {
		return err
	} else if !ok {
		return errChannelNotFound(id)
	}
	return nil
}

func conversationExists(ctx context.Context, q querier, id int64) error {
	ok, err := exists(ctx, q, `SELECT 1 FROM conversations WHERE id = $1`, id)
	if err != nil {
		return err
	} else if !ok {
		return errConversationNotFound(id)
	}
	return nil
}

func errUserNotFound(id int64) error {
	return parley.Errorf(parley.ENOTFOUND, "User %d not found.", id)
}

func errChannelNotFound(id int64) error {
	return parley.Errorf(parley.ENOTFOUND, "Channel %d not found.", id)
}

func errConversationNotFound(id int64) error {
	return parley.Errorf(parley.ENOTFOUND, "Conversation %d not found.", id)
}

// nullString stores "" as NULL, so optional keys stay out of unique indexes.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// jsonList encodes a list of strings for a text column; nil is the empty list.
func jsonList(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list) // a []string always encodes
	return string(b)
}

// queryAll runs a query and scans every row with scan; no row is an empty, non-nil list.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	scan := func(row scanner) (int64, error) {
		var id int64
		err := row.Scan(&id)
		return id, err
	}
	return queryAll(ctx, q, scan, query, args...)
}
