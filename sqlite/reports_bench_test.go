package sqlite_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// Report sizes: a year of a busy installation, 100,000 conversations of 10 messages.
const (
	benchReportConversations = 100_000
	benchReportMessages      = 10 // per conversation
	benchReportOperators     = 10
	benchReportChannels      = 3
)

// benchReportYear is the year the generated conversations start in, evenly.
var benchReportYear = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkConversationReport computes reports over a year of generated data, a million
// messages, written by SQL straight into the file (not through the store: it would take
// minutes): ms/report is one report's time, cpu-ms/report the CPU time it took (on a
// machine shared with other work, the figure to compare).
func BenchmarkConversationReport(b *testing.B) {
	path := filepath.Join(b.TempDir(), "parley.db")
	channels := generateReportYear(b, path)
	s := mustOpen(b, path)
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
			cpu := cpuMicros()
			for b.Loop() {
				if _, total, err = s.ConversationReport(b.Context(), q); err != nil {
					b.Fatal(err)
				}
			}
			if total.Conversations == 0 {
				b.Fatal("no conversations in the report")
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
			if cpu != 0 {
				b.ReportMetric(float64(cpuMicros()-cpu)/1000/float64(b.N), "cpu-ms/report")
			}
		})
	}
}

// generateReportYear writes a year of conversations into a new store's file at path and
// returns the ids of its channels.
func generateReportYear(tb testing.TB, path string) []int64 {
	tb.Helper()
	s := mustOpen(tb, path) // the schema
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
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}

	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(0)&_pragma=synchronous(OFF)")
	if err != nil {
		tb.Fatal(err)
	}
	began := time.Now()
	start := benchReportYear.UnixMicro()
	step := int64(365*24*time.Hour/time.Microsecond) / benchReportConversations
	// Conversation i: channel i%3; operator i%10, none for one in 20 (queued, then
	// ended unanswered); one in 7 waited in the queue (i%300 s); lasts 5 to 15 minutes;
	// rated good, okay, bad or not at all in turn. Its messages: one every 30 s, the
	// visitor's and the operator's in turn (the visitor's alone when none answered).
	for _, q := range []string{
		`BEGIN`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
		INSERT INTO visitors (id, token_hash, name, created_at) SELECT i, randomblob(16), 'Visitor', ?2 FROM n`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
		INSERT INTO conversations (id, channel_id, visitor_id, operator_id, status, created_at, assigned_at, ended_at, rating_score, rating_comment)
		SELECT i, ?4 + i % ?5, i, CASE WHEN i % 20 = 0 THEN NULL ELSE ?6 + i % ?7 END, 'ended',
			?2 + i * ?3,
			CASE WHEN i % 20 = 0 THEN NULL ELSE ?2 + i * ?3 + CASE WHEN i % 7 = 0 THEN (i % 300) * 1000000 ELSE 0 END END,
			?2 + i * ?3 + (300 + i % 600) * 1000000,
			CASE i % 4 WHEN 0 THEN 5 WHEN 1 THEN 3 WHEN 2 THEN 1 END, ''
		FROM n`,
		`WITH RECURSIVE q(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM q WHERE seq < ?8)
		INSERT INTO messages (conversation_id, seq, author_kind, author_id, author_name, body, created_at)
		SELECT c.id, q.seq,
			CASE WHEN c.operator_id IS NULL OR q.seq % 2 = 1 THEN 'visitor' ELSE 'operator' END,
			CASE WHEN c.operator_id IS NOT NULL AND q.seq % 2 = 0 THEN c.operator_id END,
			'Someone', 'A message of about the length of a chat line.', c.created_at + (q.seq - 1) * 30000000
		FROM conversations c, q ORDER BY c.id, q.seq`,
		`COMMIT`,
		`ANALYZE`,
	} {
		if _, err := db.ExecContext(ctx, q, benchReportConversations, start, step, channels[0], benchReportChannels, ops[0], benchReportOperators, benchReportMessages); err != nil {
			tb.Fatalf("%v\n%s", err, q)
		}
	}
	var n int64
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages`).Scan(&n); err != nil || n != benchReportConversations*benchReportMessages {
		tb.Fatalf("%d messages, %v", n, err)
	}
	db.Close()
	tb.Logf("generated %d conversations, %d messages in %v", benchReportConversations, n, time.Since(began).Round(time.Millisecond))

	return channels
}
