package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/parleychat/parley"
)

var _ parley.ReportStore = (*Store)(nil)

// reportQuery computes a report in one statement on a reader. Its parameters: ?1 the
// days, a JSON array of [index, start, end] (Unix microseconds; one element spanning the
// period when the rows are not days), ?2 the channel (0: all), ?3 the operator (0: all).
// Every key is an integer, which SQLite's sorter compares much faster than text: a day's
// index, an operator's id (0 for none), a channel's id, and -1 for the total.
//
//   - conv: the period's conversations, found by their start (conversations_created_at)
//     day by day, each with its first operator message and its count of messages, read
//     from the primary key of messages (one range of a few rows per conversation);
//     nothing on the message path keeps them.
//   - vals, ranked, pct: the percentiles of each figure (first answer, queue wait,
//     duration; g = key·4 + figure), of each key and of the total. SQLite has no
//     percentile function: the values of each g are numbered in order by one window
//     (one sort), and the continuous percentile p of n values is read as PostgreSQL's
//     percentile_cont computes it, v[i] + (v[i+1] - v[i])·(p(n-1) - i) with
//     i = floor(p(n-1)), the same arithmetic in doubles, so that both stores give the
//     same figures. Only the rows at i and i+1 go on to the aggregation.
//   - counts: the counts per key, and of the total.
const reportQuery = `WITH
days (k, lo, hi) AS (
	SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?1)
),
conv AS MATERIALIZED (
	SELECT %s AS k, c.created_at, COALESCE(c.first_assigned_at, c.assigned_at) AS assigned_at,
		c.ended_at, c.rating_score,
		(SELECT MIN(m.created_at) FROM messages m WHERE m.conversation_id = c.id AND m.author_kind = 'operator') AS answered_at,
		(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.author_kind <> 'system') AS messages
	FROM days d
	JOIN conversations c ON c.created_at >= d.lo AND c.created_at < d.hi
	WHERE (?2 = 0 OR c.channel_id = ?2) AND (?3 = 0 OR c.operator_id = ?3)
),
vals (g, v) AS (
	SELECT k * 4 + 1, answered_at - created_at FROM conv WHERE answered_at IS NOT NULL
	UNION ALL
	SELECT k * 4 + 2, COALESCE(assigned_at, ended_at) - created_at FROM conv
	WHERE (assigned_at IS NULL OR assigned_at > created_at) AND COALESCE(assigned_at, ended_at) IS NOT NULL
	UNION ALL
	SELECT k * 4 + 3, ended_at - created_at FROM conv WHERE ended_at IS NOT NULL
),
ranked AS (
	SELECT g, v, ROW_NUMBER() OVER w - 1 AS i,
		COUNT(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n,
		COALESCE(LEAD(v) OVER w, v) AS next
	FROM (SELECT g, v FROM vals UNION ALL SELECT g %% 4 - 4, v FROM vals)
	WINDOW w AS (PARTITION BY g ORDER BY v)
),
pct AS MATERIALIZED (
	SELECT g,
		MAX(CASE WHEN i = CAST(0.5 * (n - 1) AS INTEGER) THEN v + (next - v) * (0.5 * (n - 1) - i) END) AS p50,
		MAX(CASE WHEN i = CAST(0.9 * (n - 1) AS INTEGER) THEN v + (next - v) * (0.9 * (n - 1) - i) END) AS p90
	FROM ranked
	WHERE i = CAST(0.5 * (n - 1) AS INTEGER) OR i = CAST(0.9 * (n - 1) AS INTEGER)
	GROUP BY g
),
counts AS (
	SELECT k, COUNT(*) AS conversations,
		SUM(answered_at IS NOT NULL) AS answered,
		SUM(assigned_at IS NULL OR assigned_at > created_at) AS queued,
		SUM(ended_at IS NOT NULL) AS ended,
		SUM(messages) AS messages,
		COUNT(rating_score) AS rated,
		SUM(rating_score IS 5) AS good, SUM(rating_score IS 3) AS okay, SUM(rating_score IS 1) AS bad,
		SUM(ended_at IS NOT NULL AND answered_at IS NULL) AS missed,
		SUM(ended_at IS NOT NULL AND answered_at IS NULL AND assigned_at IS NULL) AS missed_in_queue
	FROM conv
	GROUP BY k
	UNION ALL
	SELECT -1, COUNT(*), SUM(answered_at IS NOT NULL), SUM(assigned_at IS NULL OR assigned_at > created_at),
		SUM(ended_at IS NOT NULL), SUM(messages), COUNT(rating_score),
		SUM(rating_score IS 5), SUM(rating_score IS 3), SUM(rating_score IS 1),
		SUM(ended_at IS NOT NULL AND answered_at IS NULL),
		SUM(ended_at IS NOT NULL AND answered_at IS NULL AND assigned_at IS NULL)
	FROM conv
	HAVING COUNT(*) > 0
)
SELECT c.k, c.conversations, c.answered, c.queued, c.ended, c.messages, c.rated, c.good, c.okay, c.bad,
	c.missed, c.missed_in_queue, f.p50, f.p90, w.p50, w.p90, d.p50
FROM counts c
LEFT JOIN pct f ON f.g = c.k * 4 + 1
LEFT JOIN pct w ON w.g = c.k * 4 + 2
LEFT JOIN pct d ON d.g = c.k * 4 + 3`

// reportQueries are reportQuery for each group, by the key each conversation gets: its
// day's index, its operator (0 for none) or its channel.
var reportQueries = map[parley.ReportGroup]string{
	parley.ReportByDay:      fmt.Sprintf(reportQuery, "d.k"),
	parley.ReportByOperator: fmt.Sprintf(reportQuery, "COALESCE(c.operator_id, 0)"),
	parley.ReportByChannel:  fmt.Sprintf(reportQuery, "c.channel_id"),
}

// ConversationReport computes the figures of the conversations started in q's days.
func (s *Store) ConversationReport(ctx context.Context, q parley.ReportQuery) ([]parley.ReportRow, parley.ReportRow, error) {
	var total parley.ReportRow
	query, ok := reportQueries[q.Group]
	if !ok || len(q.Days) == 0 {
		return nil, total, parley.Errorf(parley.EINVALID, "A report needs a group (day, operator or channel) and a period.")
	}
	days := make([][3]int64, 0, len(q.Days))
	if q.Group == parley.ReportByDay {
		for i, d := range q.Days {
			days = append(days, [3]int64{int64(i), d.Start.UnixMicro(), d.End.UnixMicro()})
		}
	} else {
		days = append(days, [3]int64{0, q.Days[0].Start.UnixMicro(), q.Days[len(q.Days)-1].End.UnixMicro()})
	}
	arg, err := json.Marshal(days)
	if err != nil {
		return nil, total, fmt.Errorf("report: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, query, string(arg), q.ChannelID, q.OperatorID)
	if err != nil {
		return nil, total, fmt.Errorf("report: %w", err)
	}
	defer rows.Close()
	list := []parley.ReportRow{}
	for rows.Next() {
		var r parley.ReportRow
		var key int64
		var firstP50, firstP90, waitP50, waitP90, durationP50 sql.NullFloat64
		if err := rows.Scan(&key, &r.Conversations, &r.Answered, &r.Queued, &r.Ended, &r.Messages,
			&r.Rated, &r.Good, &r.Okay, &r.Bad, &r.Missed, &r.MissedInQueue,
			&firstP50, &firstP90, &waitP50, &waitP90, &durationP50); err != nil {
			return nil, total, fmt.Errorf("report: %w", err)
		}
		r.FirstAnswerMedian, r.FirstAnswerP90 = seconds(firstP50), seconds(firstP90)
		r.QueueWaitMedian, r.QueueWaitP90 = seconds(waitP50), seconds(waitP90)
		r.DurationMedian = seconds(durationP50)
		r.SetShares()
		switch {
		case key == -1:
			r.Key = parley.ReportTotalKey
		case q.Group == parley.ReportByDay && key >= 0 && key < int64(len(q.Days)):
			r.Key = q.Days[key].Date
		case q.Group == parley.ReportByOperator && key == 0:
			r.Key = ""
		default:
			r.Key = strconv.FormatInt(key, 10)
		}
		if r.Key == parley.ReportTotalKey {
			total = r
			continue
		}
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, total, fmt.Errorf("report: %w", err)
	}
	if total.Key == "" {
		total = parley.ReportRow{Key: parley.ReportTotalKey}
	}
	return list, total, nil
}

// seconds is a time in microseconds as a report gives it, nil for none.
func seconds(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	return parley.ReportSeconds(v.Float64)
}
