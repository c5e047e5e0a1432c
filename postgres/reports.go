package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

var _ parley.ReportStore = (*Store)(nil)

// reportQuery computes a report in one statement. Its parameters: @starts, the starts
// of the days (Unix microseconds, in order), @from and @to, the period, @channel and
// @operator (0: all). The period's conversations are found by their start
// (conversations_created_at), first, alone (MATERIALIZED: otherwise the planner reads
// every conversation's messages before it looks at the period), each given its day by
// width_bucket (a binary search in @starts), then its first operator message and its
// count of messages are read from messages (nothing on the message path keeps them) by
// a join the planner chooses: for a month, by the primary key, conversation by
// conversation; for a year, one pass over the table, hashed; the rows and the total (key -1) come from one aggregation
// (GROUPING SETS), the medians and 90th percentiles from percentile_cont. Keys are
// integers: a day's index, an operator's id (0 for none), a channel's id.
const reportQuery = `WITH
conv AS MATERIALIZED (
	SELECT %s AS k, c.id, c.created_at, COALESCE(c.first_assigned_at, c.assigned_at) AS assigned_at,
		c.ended_at, c.rating_score
	FROM conversations c
	WHERE c.created_at >= @from AND c.created_at < @to
		AND (@channel::bigint = 0 OR c.channel_id = @channel) AND (@operator::bigint = 0 OR c.operator_id = @operator)
),
msg AS (
	SELECT m.conversation_id,
		min(m.created_at) FILTER (WHERE m.author_kind = 'operator') AS answered_at,
		count(*) FILTER (WHERE m.author_kind <> 'system') AS messages
	FROM conv c JOIN messages m ON m.conversation_id = c.id
	GROUP BY m.conversation_id
),
fig AS (
	SELECT c.k, c.assigned_at, c.ended_at, c.rating_score, m.answered_at, m.messages,
		c.assigned_at IS NULL OR c.assigned_at > c.created_at AS queued,
		(m.answered_at - c.created_at)::float8 AS first_answer,
		CASE WHEN c.assigned_at IS NULL OR c.assigned_at > c.created_at
			THEN (COALESCE(c.assigned_at, c.ended_at) - c.created_at)::float8 END AS wait,
		(c.ended_at - c.created_at)::float8 AS duration
	FROM conv c
	LEFT JOIN msg m ON m.conversation_id = c.id
)
SELECT CASE WHEN GROUPING(k) = 1 THEN -1 ELSE k END,
	count(*), count(answered_at), count(*) FILTER (WHERE queued), count(ended_at),
	COALESCE(sum(messages), 0)::bigint,
	count(rating_score), count(*) FILTER (WHERE rating_score = 5),
	count(*) FILTER (WHERE rating_score = 3), count(*) FILTER (WHERE rating_score = 1),
	count(*) FILTER (WHERE ended_at IS NOT NULL AND answered_at IS NULL),
	count(*) FILTER (WHERE ended_at IS NOT NULL AND answered_at IS NULL AND assigned_at IS NULL),
	percentile_cont(0.5) WITHIN GROUP (ORDER BY first_answer),
	percentile_cont(0.9) WITHIN GROUP (ORDER BY first_answer),
	percentile_cont(0.5) WITHIN GROUP (ORDER BY wait),
	percentile_cont(0.9) WITHIN GROUP (ORDER BY wait),
	percentile_cont(0.5) WITHIN GROUP (ORDER BY duration)
FROM fig
GROUP BY GROUPING SETS ((k), ())`

// reportQueries are reportQuery for each group, by the key each conversation gets: its
// day's index, its operator (0 for none) or its channel.
var reportQueries = map[parley.ReportGroup]string{
	parley.ReportByDay:      fmt.Sprintf(reportQuery, "width_bucket(c.created_at, @starts::bigint[]) - 1"),
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
	starts := make([]int64, len(q.Days))
	for i, d := range q.Days {
		starts[i] = d.Start.UnixMicro()
	}
	args := pgx.NamedArgs{
		"from": starts[0], "to": q.Days[len(q.Days)-1].End.UnixMicro(),
		"channel": q.ChannelID, "operator": q.OperatorID,
	}
	if q.Group == parley.ReportByDay {
		args["starts"] = starts
	}
	// A report reads many rows once: compiling it (JIT), which its cost asks for, takes
	// longer than it saves. SET LOCAL holds for the transaction alone.
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, total, fmt.Errorf("report: %w", err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off`); err != nil {
		return nil, total, fmt.Errorf("report: %w", err)
	}
	rows, err := tx.Query(ctx, query, args)
	if err != nil {
		return nil, total, fmt.Errorf("report: %w", err)
	}
	defer rows.Close()
	list := []parley.ReportRow{}
	for rows.Next() {
		var r parley.ReportRow
		var key int64
		var firstP50, firstP90, waitP50, waitP90, durationP50 *float64
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
func seconds(v *float64) *float64 {
	if v == nil {
		return nil
	}
	return parley.ReportSeconds(*v)
}
