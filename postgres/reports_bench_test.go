package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/postgres"
	"github.com/parleychat/parley/postgres/pgtest"
)

// Report sizes: a year of a busy installation, 100,000 conversations of 10 messages.
const (
	benchReportConversations = 100_000
	benchReportMessages      = 10 // per conversation
	benchReportOperators     = 10
	benchReportChannels      = 3
)

// BenchmarkConversationReport computes reports over a year of generated data, a million
// messages, written by SQL straight into the schema (not through the store: it would
// take minutes): ms/report is one report's time. Skipped without PARLEY_TEST_POSTGRES.
func BenchmarkConversationReport(b *testing.B) {
	url := pgtest.URL(b)
	s := mustOpen(b, url)
	channels := generateReportYear(b, s, url)
	for _, bc := range []struct {
		name      string
		group     parley.ReportGroup
		from, to  string
		channelID int64
	}{
		{"year/day", parley.ReportByDay, "2025-01-01", "2025-12-31", 0},
		{"year/operator", parley.ReportByOperator, "2025-01-01", "2025-12-31", 0},
		{"year/channel", parley.ReportByChannel, "2025-01-01", "2025-12-31", 0},
		{"year/day/one-channel", parley.ReportByDay, "2025-01-01", "2025-12-31", channels[1]},
		{"month/day", parley.ReportByDay, "2025-06-01", "2025-06-30", 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			q, err := parley.NewReportQuery(bc.from, bc.to, "Europe/Paris", string(bc.group), bc.channelID, 0, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			var total parley.ReportRow
			for b.Loop() {
				if _, total, err = s.ConversationReport(b.Context(), q); err != nil {
					b.Fatal(err)
				}
			}
			if total.Conversations == 0 {
				b.Fatal("no conversations in the report")
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
		})
	}
}

// generateReportYear writes a year of conversations into the store's empty schema at
// url and returns the ids of its channels.
func generateReportYear(tb testing.TB, s *postgres.Store, url string) []int64 {
	tb.Helper()
	ctx := tb.Context()
	var ops []int64
	for i := range benchReportOperators {
		u := &parley.User{Login: fmt.Sprintf("op%d", i), Name: fmt.Sprintf("Operator %d", i), Role: parley.RoleOperator}
		if err := s.CreateUser(ctx, u, "hash"); err != nil {
			tb.Fatal(err)
		}
		ops = append(ops, u.ID)
	}
	var channels []int64
	for i := range benchReportChannels {
		ch := &parley.Channel{Name: fmt.Sprintf("Channel %d", i)}
		if err := s.CreateChannel(ctx, ch); err != nil {
			tb.Fatal(err)
		}
		channels = append(channels, ch.ID)
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	began := time.Now()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	step := int64(365*24*time.Hour/time.Microsecond) / benchReportConversations
	// The same conversations as SQLite's benchmark: conversation i in channel i%3, with
	// operator i%10, none for one in 20 (queued, then ended unanswered); one in 7 waited
	// in the queue (i%300 s); lasts 5 to 15 minutes; rated good, okay, bad or not at all
	// in turn. Its messages: one every 30 s, the visitor's and the operator's in turn.
	all := []any{benchReportConversations, start, step, channels[0], benchReportChannels, ops[0], benchReportOperators, benchReportMessages}
	for _, st := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO visitors (id, token_hash, name, created_at)
		SELECT i, decode(md5(i::text), 'hex'), 'Visitor', $2::bigint FROM generate_series(1, $1::bigint) i`, all[:2]},
		{`INSERT INTO conversations (id, channel_id, visitor_id, operator_id, status, created_at, assigned_at, ended_at,
			last_seq, last_message_at, rating_score, rating_comment)
		SELECT i, $4::bigint + i % $5::bigint, i, CASE WHEN i % 20 = 0 THEN NULL ELSE $6::bigint + i % $7::bigint END, 'ended',
			$2::bigint + i * $3::bigint,
			CASE WHEN i % 20 = 0 THEN NULL ELSE $2::bigint + i * $3::bigint + CASE WHEN i % 7 = 0 THEN (i % 300) * 1000000 ELSE 0 END END,
			$2::bigint + i * $3::bigint + (300 + i % 600) * 1000000,
			$8::bigint, $2::bigint + i * $3::bigint + ($8::bigint - 1) * 30000000,
			CASE i % 4 WHEN 0 THEN 5 WHEN 1 THEN 3 WHEN 2 THEN 1 END, ''
		FROM generate_series(1, $1::bigint) i`, all},
		{`INSERT INTO messages (conversation_id, seq, author_kind, author_id, author_name, body, created_at)
		SELECT c.id, q.seq,
			CASE WHEN c.operator_id IS NULL OR q.seq % 2 = 1 THEN 'visitor' ELSE 'operator' END,
			CASE WHEN c.operator_id IS NOT NULL AND q.seq % 2 = 0 THEN c.operator_id END,
			'Someone', 'A message of about the length of a chat line.', c.created_at + (q.seq - 1) * 30000000
		FROM conversations c, generate_series(1, $1::bigint) q (seq) ORDER BY c.id, q.seq`, all[7:]},
	} {
		if _, err := conn.Exec(ctx, st.sql, st.args...); err != nil {
			tb.Fatalf("%v\n%s", err, st.sql)
		}
	}
	for _, q := range []string{`VACUUM ANALYZE visitors`, `VACUUM ANALYZE conversations`, `VACUUM ANALYZE messages`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Logf("generated %d conversations, %d messages in %v", benchReportConversations,
		benchReportConversations*benchReportMessages, time.Since(began).Round(time.Millisecond))

	return channels
}
