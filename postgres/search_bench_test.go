package postgres_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/postgres/pgtest"
)

// BenchmarkSearch searches 200,000 messages (20,000 conversations of 10, in 10 channels)
// for a word in every conversation, a rare word, and a word of every conversation as an
// operator of one channel, a page of 20 each time.
func BenchmarkSearch(b *testing.B) {
	url := pgtest.URL(b)
	s := mustOpen(b, url)
	conn, err := pgx.Connect(b.Context(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(b.Context()) })
	for _, q := range []string{
		`INSERT INTO users (id, login, password_hash, name, role) VALUES (1, 'op', 'x', 'Olga', 'operator')`,
		`INSERT INTO channels (id, name, created_at) SELECT i, 'Channel ' || i, 0 FROM generate_series(1, 10) i`,
		`INSERT INTO channel_members (channel_id, user_id, joined_at) VALUES (3, 1, 0)`,
		`INSERT INTO visitors (id, token_hash, name, created_at) SELECT i, int8send(i), 'Visitor ' || i, 0 FROM generate_series(1, 20000) i`,
		`INSERT INTO conversations (id, channel_id, visitor_id, operator_id, status, created_at, assigned_at, ended_at, last_seq, last_message_at)
			SELECT id, 1 + id % 10, id, CASE WHEN id % 10 = 2 THEN 1 END, 'ended', id * 1000000, id * 1000000, id * 1000000 + 600000000, 10, id * 1000000 FROM visitors`,
		`INSERT INTO messages (conversation_id, seq, author_kind, author_id, author_name, body, created_at)
			SELECT c.id, n, CASE WHEN n % 2 = 1 THEN 'visitor' ELSE 'operator' END, CASE WHEN n % 2 = 0 THEN 1 END, 'x',
				CASE WHEN c.id % 5000 = 7 AND n = 4 THEN 'Do you ship zebras to Lisbon?'
				     ELSE 'Hello, I would like some help with my order number ' || (c.id * 10 + n) || ', please.' END,
				c.created_at + n * 1000000
			FROM conversations c, generate_series(1, 10) n`,
		`ANALYZE`,
	} {
		if _, err := conn.Exec(b.Context(), q); err != nil {
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
