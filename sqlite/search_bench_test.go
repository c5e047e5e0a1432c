package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/parleychat/parley"
)

// BenchmarkSearch searches 200,000 messages (20,000 conversations of 10, in 10 channels)
// for a word in every conversation, a rare word, and a word of every conversation as an
// operator of one channel, a page of 20 each time.
func BenchmarkSearch(b *testing.B) {
	path := filepath.Join(b.TempDir(), "parley.db")
	s := mustOpen(b, path)
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	for _, q := range []string{
		`INSERT INTO users (id, login, password_hash, name, role) VALUES (1, 'op', 'x', 'Olga', 'operator')`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
			INSERT INTO channels (id, name, created_at) SELECT i, 'Channel ' || i, 0 FROM n`,
		`INSERT INTO channel_members (channel_id, user_id, joined_at) VALUES (3, 1, 0)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
			INSERT INTO visitors (id, token_hash, name, created_at) SELECT i, randomblob(16), 'Visitor ' || i, 0 FROM n`,
		`INSERT INTO conversations (id, channel_id, visitor_id, operator_id, status, created_at, assigned_at, ended_at)
			SELECT id, 1 + id % 10, id, CASE WHEN id % 10 = 2 THEN 1 END, 'ended', id * 1000000, id * 1000000, id * 1000000 + 600000000 FROM visitors`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
			INSERT INTO messages (conversation_id, seq, author_kind, author_id, author_name, body, created_at)
			SELECT c.id, n.i, CASE WHEN n.i % 2 = 1 THEN 'visitor' ELSE 'operator' END, CASE WHEN n.i % 2 = 0 THEN 1 END, 'x',
				CASE WHEN c.id % 5000 = 7 AND n.i = 4 THEN 'Do you ship zebras to Lisbon?'
				     ELSE 'Hello, I would like some help with my order number ' || (c.id * 10 + n.i) || ', please.' END,
				c.created_at + n.i * 1000000
			FROM conversations c, n`,
		`INSERT INTO message_search (rowid, body) SELECT (conversation_id << 32) + seq, body FROM messages`,
	} {
		if _, err := db.ExecContext(b.Context(), q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	for _, bc := range []struct {
		name string
		q    parley.SearchQuery
		want int
	}{
		{"common word", parley.SearchQuery{Words: []string{"help"}, Limit: 21}, 21},
		{"common prefix", parley.SearchQuery{Words: []string{"h"}, Limit: 21}, 21},
		{"rare word", parley.SearchQuery{Words: []string{"zebra"}, Limit: 21}, 4},
		{"common word, one channel's operator", parley.SearchQuery{Words: []string{"order"}, ReaderID: 1, Limit: 21}, 21},
		{"filters only", parley.SearchQuery{ChannelID: 4, Limit: 21}, 21},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				found, err := s.SearchConversations(b.Context(), bc.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(found) != bc.want {
					b.Fatalf("%d found, want %d", len(found), bc.want)
				}
			}
		})
	}
}
