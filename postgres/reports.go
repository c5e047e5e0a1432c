package postgres

import (
	"context"
	"fmt"

	"github.com/parleychat/parley"
)

var _ parley.ReportStore = (*Store)(nil)

// reportQuery computes a report in one statement. Its parameters: $1, $2, $3 the days'
// keys, starts and ends (Unix microseconds; one element spanning the period when the
// rows are not days), $4 the channel (0: all), $5 the operator (0: all). The period's
// conversations are found by their start (conversations_created_at) day by day, each
// with its first operator message and its count of messages read from the primary key
// of messages (nothing on the message path keeps them); the rows and the total come
// from one aggregation (GROUPING SETS), the medians and 90th percentiles from
// percentile_cont.
const reportQuery = `WITH
conv AS (
	SELECT %s AS k, c.created_at, COALESCE(c.first_assigned_at, c.assigned_at) AS assigned_at,
		c.ended_at, c.rating_score, m.answered_at, m.messages
	FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS d (k, lo, hi)
	JOIN conversations c ON c.created_at >= d.lo AND c.created_at < d.hi
	CROSS JOIN LATERAL (
		SELECT min(m.created_at) FILTER (WHERE m.author_kind = 'operator') AS answered_at,
			count(*) FILTER (WHERE m.author_kind <> 'system') AS messages
		FROM messages m WHERE m.conversation_id = c.id
	) m
	WHERE ($4::bigint = 0 OR c.channel_id = $4) AND ($5::bigint = 0 OR c.operator_id = $5)
),
fig AS (
	SELECT k, assigned_at, ended_at, rating_score, answered_at, messages,
		assigned_at IS NULL OR assigned_at > created_at AS queued,
		(answered_at - created_at)::float8 AS first_answer,
		CASE WHEN assigned_at IS NULL OR assigned_at > created_at
			THEN (COALESCE(assigned_at, ended_at) - created_at)::float8 END AS wait,
		(ended_at - created_at)::float8 AS duration
	FROM conv
)
SELECT CASE WHEN GROUPING(k) = 1 THEN 'total' ELSE k END,
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
// day, its operator ("" for none) or its channel.
var reportQueries = map[parley.ReportGroup]string{
	parley.ReportByDay:      fmt.Sprintf(reportQuery, "d.k"),
	parley.ReportByOperator: fmt.Sprintf(reportQuery, "COALESCE(c.operator_id::text, '')"),
	parley.ReportByChannel:  fmt.Sprintf(reportQuery, "c.channel_id::text"),
}

// ConversationReport computes the figures of the conversations started in q's days.
func (s *Store) ConversationReport(ctx context.Context, q parley.ReportQuery) ([]parley.ReportRow, parley.ReportRow, error) {
	var total parley.ReportRow
	query, ok := reportQueries[q.Group]
	if !ok || len(q.Days) == 0 {
		return nil, total, parley.Errorf(parley.EINVALID, "A report needs a group (day, operator or channel) and a period.")
	}
	var keys []string
	var starts, ends []int64
	if q.Group == parley.ReportByDay {
		for _, d := range q.Days {
			keys, starts, ends = append(keys, d.Date), append(starts, d.Start.UnixMicro()), append(ends, d.End.UnixMicro())
		}
	} else {
		keys, starts, ends = []string{""}, []int64{q.Days[0].Start.UnixMicro()}, []int64{q.Days[len(q.Days)-1].End.UnixMicro()}
	}
	rows, err := s.pool.Query(ctx, query, keys, starts, ends, q.ChannelID, q.OperatorID)
	if err != nil {
		return nil, total, fmt.Errorf("report: %w", err)
	}
	defer rows.Close()
	list := []parley.ReportRow{}
	for rows.Next() {
		var r parley.ReportRow
		var firstP50, firstP90, waitP50, waitP90, durationP50 *float64
		if err := rows.Scan(&r.Key, &r.Conversations, &r.Answered, &r.Queued, &r.Ended, &r.Messages,
			&r.Rated, &r.Good, &r.Okay, &r.Bad, &r.Missed, &r.MissedInQueue,
			&firstP50, &firstP90, &waitP50, &waitP90, &durationP50); err != nil {
			return nil, total, fmt.Errorf("report: %w", err)
		}
		r.FirstAnswerMedian, r.FirstAnswerP90 = seconds(firstP50), seconds(firstP90)
		r.QueueWaitMedian, r.QueueWaitP90 = seconds(waitP50), seconds(waitP90)
		r.DurationMedian = seconds(durationP50)
		r.SetShares()
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
