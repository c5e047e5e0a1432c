// Package sqlite keeps Parley's data in an embedded SQLite file: it implements
// parley.Store on modernc.org/sqlite (pure Go, no cgo), the default database of a
// single-machine installation.
//
// All writes go through one connection, held by the store while it is open, so write
// transactions are serialized: that is what makes an assignment decision and its
// recording atomic. Plain reads use a separate pool of read-only connections, which WAL
// mode lets run beside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	sqlitedriver "modernc.org/sqlite"
	sqlitelib "modernc.org/sqlite/lib"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/internal/groupcommit"
)

//go:embed migrations/*.sql
var migrations embed.FS

var _ parley.Store = (*Store)(nil)

// Store is a parley.Store on one SQLite file.
type Store struct {
	writer *sql.DB     // a pool of one connection, wconn
	wconn  *sql.Conn   // the writer's connection: every write, in order, under wmu
	wdb    stmtDB      // wconn with prepared statements
	reader *sql.DB     // read-only connections for plain reads
	read   stmtDB      // the reader with prepared statements
	assign assignState // the writer's assignment snapshot
	wmu    sync.Mutex  // held by every write
	live   liveConvs   // the writer's conversations (live.go), under wmu

	// Whether a webhook wants messages (webhooks.go): read by the batcher.
	hooks parley.WebhookFlag

	queue        *groupcommit.Queue // messages for the batcher (batch.go)
	quit         chan struct{}      // closed by Close: the checkpointer and the search indexer stop
	checkpointed chan struct{}      // closed by the checkpointer when it has stopped
	indexed      chan struct{}      // closed by the search indexer when it has stopped
	closeOnce    sync.Once
	closeErr     error
	serverLock   *os.File // held by a server's store (OpenServer), nil otherwise
}

// busyTimeout is how long a connection waits for a lock (a WAL checkpoint, another
// process) before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// OpenServer opens the database at path as Open does, for a server: one server at a
// time may use a file, since the store keeps in memory what its writer needs (the next
// sequence numbers and message keys, the assignment snapshot), which a second writer
// would make wrong. A second server is refused with a clear error; the command-line
// tools (Open) still work beside a running server.
func OpenServer(ctx context.Context, path string) (*Store, error) {
	if err := makeDir(path); err != nil {
		return nil, err
	}
	lock, err := lockServer(path)
	if err != nil {
		return nil, err
	}
	s, err := Open(ctx, path)
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, err
	}
	s.serverLock = lock
	return s, nil
}

// serverRunning is the refusal of a second server on one database file.
func serverRunning(path, pid string) error {
	if pid != "" {
		pid = " (process " + pid + ")"
	}
	return fmt.Errorf("another Parley server%s is using the database %s: run one server per SQLite file (several servers need PostgreSQL)", pid, path)
}

func makeDir(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("open sqlite store: %w", err)
		}
	}
	return nil
}

// Open opens the database file at path, creating it and its directory if missing, and
// brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open sqlite store: empty path")
	}
	if err := makeDir(path); err != nil {
		return nil, err
	}

	pragmas := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		for _, p := range extra {
			q.Add("_pragma", p)
		}
		return q.Encode()
	}
	writer, err := sql.Open("sqlite", path+"?"+pragmas("journal_mode(WAL)", "wal_autocheckpoint(0)", "cache_size(-65536)"))
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)

	// The writer runs first: it creates the file and switches it to WAL before any
	// reader opens it.
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	if err := fillLoginKeys(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}

	// The store holds the writer's one connection and runs its transactions itself,
	// with prepared BEGIN and COMMIT statements: database/sql's Tx would compile both
	// anew, start a goroutine and copy every prepared statement into each transaction.
	wconn, err := writer.Conn(ctx)
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", path+"?"+pragmas("query_only(1)"))
	if err != nil {
		wconn.Close()
		writer.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	if err := reader.PingContext(ctx); err != nil {
		wconn.Close()
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	s := &Store{
		writer:       writer,
		wconn:        wconn,
		wdb:          stmtDB{newStmtCache(wconn)},
		reader:       reader,
		read:         stmtDB{newStmtCache(reader)},
		quit:         make(chan struct{}),
		checkpointed: make(chan struct{}),
		indexed:      make(chan struct{}),
	}
	s.queue = groupcommit.Start(1, maxBatch, s.addBatch) // one writer: one batcher
	go s.checkpointer(path + "?" + pragmas())
	go s.searchIndexer()
	return s, nil
}

// migrate applies the embedded migrations that db has not seen yet.
func migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Close stops the batcher, once the batch it is storing has committed, and closes both
// pools.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.queue.Close()
		close(s.quit)
		<-s.checkpointed
		<-s.indexed
		s.read.c.close()
		s.wdb.c.close()
		s.closeErr = errors.Join(s.reader.Close(), s.wconn.Close(), s.writer.Close())
		if s.serverLock != nil {
			s.closeErr = errors.Join(s.closeErr, s.serverLock.Close()) // closing drops the flock
		}
	})
	return s.closeErr
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// write runs fn in a write transaction, committed when fn returns nil.
func (s *Store) write(ctx context.Context, fn func(tx *wtx) error) error {
	return s.writeTx(ctx, false, fn)
}

// writeTracked is write for a transaction that keeps the assignment snapshot true (see
// assign.go): it changes nothing the snapshot mirrors, or updates it as it goes.
func (s *Store) writeTracked(ctx context.Context, fn func(tx *wtx) error) error {
	return s.writeTx(ctx, true, fn)
}

func (s *Store) writeTx(ctx context.Context, tracked bool, fn func(tx *wtx) error) error {
	// The lock keeps the writer's connection to one transaction at a time, and a failed
	// one's clean-up (dropping what it changed in memory) ahead of the next transaction.
	s.wmu.Lock()
	defer s.wmu.Unlock()
	// BEGIN IMMEDIATE takes the write lock at the start of a transaction, so a write
	// transaction never fails half-way when upgrading from a read lock.
	if _, err := s.wdb.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	if !tracked {
		s.assign.invalidate() // while no other transaction can read it
		s.live.reset()
	}
	// Once BEGIN has run, the transaction ends whatever ctx does: COMMIT and ROLLBACK
	// run without it.
	end := context.WithoutCancel(ctx)
	err := fn(&wtx{stmtDB: s.wdb, a: &s.assign, live: &s.live})
	if err == nil {
		if _, err = s.wdb.ExecContext(end, `COMMIT`); err == nil {
			return nil
		}
	}
	s.assign.invalidate()
	s.live.reset()
	// A failed COMMIT may leave the transaction open; a statement that failed may have
	// ended it already, and then ROLLBACK fails harmlessly.
	s.wdb.ExecContext(end, `ROLLBACK`)
	return err
}

// exec runs one statement on the writer's connection outside any transaction of the
// store's: SQLite commits it on its own. The statement changes nothing the writer's
// memory mirrors.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.wdb.ExecContext(ctx, query, args...)
}

// querier is what *sql.DB, *sql.Conn and the store's stmtDB and wtx offer, so that a
// read helper serves inside a write transaction as well as on the reader pool.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// dbTime encodes t as Unix microseconds; the zero time is NULL.
func dbTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// goTime decodes a time encoded by dbTime, in UTC.
func goTime(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
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
	var e *sqlitedriver.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlitelib.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlitelib.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports whether err is the violation of a foreign key.
func isForeignKey(err error) bool {
	var e *sqlitedriver.Error
	return errors.As(err, &e) && e.Code() == sqlitelib.SQLITE_CONSTRAINT_FOREIGNKEY
}

// exists reports whether query returns a row.
func exists(ctx context.Context, q querier, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func userExists(ctx context.Context, q querier, id int64) error {
	ok, err := exists(ctx, q, `SELECT 1 FROM users WHERE id = ? AND deleted_at IS NULL`, id)
	if err != nil {
		return err
	} else if !ok {
		return errUserNotFound(id)
	}
	return nil
}

func channelExists(ctx context.Context, q querier, id int64) error {
	ok, err := exists(ctx, q, `SELECT 1 FROM channels WHERE id = ?`, id)
	if err != nil {
		return err
	} else if !ok {
		return errChannelNotFound(id)
	}
	return nil
}

func conversationExists(ctx context.Context, q querier, id int64) error {
	ok, err := exists(ctx, q, `SELECT 1 FROM conversations WHERE id = ?`, id)
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
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonList encodes a list of strings for a TEXT column; nil is the empty list.
func jsonList(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list) // a []string always encodes
	return string(b)
}

// queryAll runs a query and scans every row with scan; no row is an empty, non-nil list.
func queryAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
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
