package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/sqlite"
	"github.com/pressly/goose/v3"
)

// TestMigrateMessageTimes checks migrations 7 to 9 on a database written by version 6:
// the messages are kept, each conversation keeps its last seq and the time of its last
// activity (its last message, or its assignment when that came later), a resend of a
// message stored before the upgrade is still recognized (without the client_id index),
// the next message takes the next seq, and going back down writes the two dropped
// columns again from the messages.
func TestMigrateMessageTimes(t *testing.T) {
	ctx := t.Context()
	path, db, p := mustDatabaseAt(t, 6)
	t0 := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	at := func(minutes int) int64 { return t0.Add(time.Duration(minutes) * time.Minute).UnixMicro() }
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (id, login, password_hash, name, role) VALUES (1, 'op', 'x', 'Olga', 'operator')`, nil},
		{`INSERT INTO channels (id, name, created_at) VALUES (1, 'Website', ?)`, []any{at(0)}},
		{`INSERT INTO visitors (id, token_hash, name, created_at) VALUES (1, x'01', 'Vi', ?), (2, x'02', 'Ve', ?)`, []any{at(0), at(0)}},
		// Answered: the operator's message at minute 2 is the last activity.
		{`INSERT INTO conversations (id, channel_id, visitor_id, operator_id, status, created_at, assigned_at, last_message_at, last_seq)
			VALUES (1, 1, 1, 1, 'active', ?, ?, ?, 2)`, []any{at(0), at(1), at(2)}},
		// Queued until minute 3, after its only message.
		{`INSERT INTO conversations (id, channel_id, visitor_id, operator_id, status, created_at, assigned_at, last_message_at, last_seq)
			VALUES (2, 1, 2, 1, 'active', ?, ?, ?, 1)`, []any{at(0), at(3), at(3)}},
		{`INSERT INTO messages (conversation_id, seq, author_kind, author_id, author_name, body, created_at, client_id) VALUES
			(1, 1, 'visitor', NULL, 'Vi', 'Hello', ?, 'hello-key'), (1, 2, 'operator', 1, 'Olga', 'Hi', ?, NULL),
			(2, 1, 'visitor', NULL, 'Ve', 'Anyone?', ?, NULL)`, []any{at(0), at(2), at(0)}},
	} {
		if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}

	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]struct {
		seq  int64
		last int64
	}{1: {2, at(2)}, 2: {1, at(3)}}
	for id, w := range want {
		c, err := s.Conversation(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.LastSeq != w.seq || c.LastMessageAt.UnixMicro() != w.last {
			t.Errorf("conversation %d after migrating: last seq %d, last message at %v; want %d, %v",
				id, c.LastSeq, c.LastMessageAt, w.seq, time.UnixMicro(w.last).UTC())
		}
	}
	msgs, err := s.Messages(ctx, 1, 0, 0)
	if err != nil || len(msgs) != 2 || msgs[0].Body != "Hello" || msgs[1].Body != "Hi" || msgs[1].Author.ID != 1 {
		t.Fatalf("messages after migrating: %+v, %v; want Hello and Olga's Hi", msgs, err)
	}
	m, created, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: 1, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"},
		Body: "Hello again", ClientID: "hello-key", Now: t0.Add(4 * time.Minute)})
	if err != nil || created || m.Seq != 1 || m.Body != "Hello" {
		t.Fatalf("resend of a message stored before the upgrade: %+v, created %v, %v; want the stored seq 1", m, created, err)
	}
	m, created, err = s.AddMessage(ctx, parley.NewMessage{ConversationID: 1, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"},
		Body: "Thanks", Now: t0.Add(4 * time.Minute)})
	if err != nil || !created || m.Seq != 3 {
		t.Fatalf("next message: %+v, created %v, %v; want seq 3", m, created, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := p.DownTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	want[1] = struct{ seq, last int64 }{3, at(4)}
	for id, w := range want {
		var seq, last int64
		if err := db.QueryRowContext(ctx, `SELECT last_seq, last_message_at FROM conversations WHERE id = ?`, id).Scan(&seq, &last); err != nil {
			t.Fatal(err)
		}
		if seq != w.seq || last != w.last {
			t.Errorf("conversation %d after going back: last seq %d, last message at %d; want %d, %d", id, seq, last, w.seq, w.last)
		}
	}
}

// mustDatabaseAt makes a database file migrated up to version, with the migration files
// the store embeds, read from the package's directory; it returns the file's path, an
// open handle and the migration provider, for a test to write old rows and migrate on.
func mustDatabaseAt(t *testing.T, version int64) (string, *sql.DB, *goose.Provider) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "parley.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectSQLite3, db, os.DirFS("migrations"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(t.Context(), version); err != nil {
		t.Fatal(err)
	}
	return path, db, p
}
