package sqlite_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley/sqlite"
)

// TestMigrateVisitorsSeen checks migration 16 on a database of version 11: the visitor
// of a conversation going on at the upgrade counts as seen then, so their long quiet
// conversation is not abandoned at once, only after the limit; going back down works.
func TestMigrateVisitorsSeen(t *testing.T) {
	ctx := t.Context()
	path, db, p := mustDatabaseAt(t, 11)
	long := time.Now().Add(-48 * time.Hour).UnixMicro()
	for _, q := range []string{
		`INSERT INTO users (id, login, password_hash, name, role) VALUES (1, 'op', 'x', 'Olga', 'operator')`,
		`INSERT INTO channels (id, name, created_at) VALUES (1, 'Website', ?1)`,
		`INSERT INTO visitors (id, token_hash, name, created_at) VALUES (1, x'01', 'Vi', ?1)`,
		`INSERT INTO conversations (id, channel_id, visitor_id, operator_id, status, created_at, assigned_at)
			VALUES (1, 1, 1, 1, 'active', ?1, ?1)`,
		`INSERT INTO messages (conversation_id, seq, author_kind, author_id, author_name, body, created_at) VALUES (1, 1, 'visitor', NULL, 'Vi', 'Hello', ?1)`,
	} {
		if _, err := db.ExecContext(ctx, q, long); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	before := time.Now()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if list, err := s.AbandonedConversations(ctx, before.Add(-time.Minute)); err != nil || len(list) != 0 {
		t.Fatalf("abandoned a minute before the upgrade: %v, %v; want none (seen at the upgrade)", list, err)
	}
	if list, err := s.AbandonedConversations(ctx, time.Now().Add(time.Minute)); err != nil || len(list) != 1 {
		t.Fatalf("abandoned a minute after now: %v, %v; want the conversation", list, err)
	}
	s.Close()
	if _, err := p.DownTo(ctx, 11); err != nil {
		t.Fatalf("down to 11: %v", err)
	}
}
