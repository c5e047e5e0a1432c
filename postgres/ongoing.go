package postgres

import (
	"context"
	"fmt"
	"time"
)

// ChannelOngoing counts each operator's ongoing conversations in the channel.
func (s *Store) ChannelOngoing(ctx context.Context, channelID int64, since time.Time) (map[int64]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT COALESCE(operator_id, offered_to) AS op, COUNT(*) FROM conversations
		WHERE channel_id = $1 AND (status = 'active' AND operator_id IS NOT NULL
		  AND GREATEST(COALESCE(assigned_at, 0), last_message_at) > $2
		  OR status = 'queued' AND offered_to IS NOT NULL)
		GROUP BY op`, channelID, since.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("count ongoing conversations of channel %d: %w", channelID, err)
	}
	defer rows.Close()
	counts := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("count ongoing conversations of channel %d: %w", channelID, err)
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count ongoing conversations of channel %d: %w", channelID, err)
	}
	return counts, nil
}
