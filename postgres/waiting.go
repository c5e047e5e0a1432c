package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

var _ parley.WaitStore = (*Store)(nil)

// WaitLimits returns a channel's limits on waiting in its queue.
func (s *Store) WaitLimits(ctx context.Context, channelID int64) (parley.WaitLimits, error) {
	var l parley.WaitLimits
	err := s.pool.QueryRow(ctx, `SELECT coalesce(l.max_wait_minutes, 0), coalesce(l.max_place, 0)
		FROM channels c LEFT JOIN channel_wait_limits l ON l.channel_id = c.id WHERE c.id = $1`, channelID).Scan(&l.MaxWaitMinutes, &l.MaxPlace)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, parley.Errorf(parley.ENOTFOUND, "Channel %d not found.", channelID)
	} else if err != nil {
		return l, fmt.Errorf("load wait limits of channel %d: %w", channelID, err)
	}
	return l, nil
}

// SetWaitLimits sets a channel's limits on waiting in its queue.
func (s *Store) SetWaitLimits(ctx context.Context, channelID int64, l parley.WaitLimits) error {
	n, err := affected(ctx, s.pool, `INSERT INTO channel_wait_limits (channel_id, max_wait_minutes, max_place)
		SELECT id, $1, $2 FROM channels WHERE id = $3
		ON CONFLICT (channel_id) DO UPDATE SET max_wait_minutes = excluded.max_wait_minutes, max_place = excluded.max_place`,
		l.MaxWaitMinutes, l.MaxPlace, channelID)
	if err != nil {
		return fmt.Errorf("set wait limits of channel %d: %w", channelID, err)
	}
	if n == 0 {
		return parley.Errorf(parley.ENOTFOUND, "Channel %d not found.", channelID)
	}
	return nil
}

// RecordWaitEstimate keeps the first estimate given for a conversation. Should it have
// been assigned since (between the start's commit and this), its assignment is read
// from the conversation, as the trigger would have recorded it.
func (s *Store) RecordWaitEstimate(ctx context.Context, e *parley.WaitEstimate) error {
	var estimate *int64
	if e.Estimated {
		sec := int64(e.Estimate / time.Second)
		estimate = &sec
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO wait_estimates (conversation_id, channel_id, place, estimate, queued_at, assigned_at)
		SELECT id, $1, $2, $3, $4, CASE WHEN status = 'active' THEN assigned_at END FROM conversations WHERE id = $5
		ON CONFLICT (conversation_id) DO NOTHING`,
		e.ChannelID, e.Place, estimate, dbTime(e.QueuedAt), e.ConversationID)
	if err != nil {
		return fmt.Errorf("record wait estimate of conversation %d: %w", e.ConversationID, err)
	}
	return nil
}

// QueueDepartures returns when the channel's latest estimated conversations left its
// queue by an assignment.
func (s *Store) QueueDepartures(ctx context.Context, channelID int64, since time.Time, limit int) ([]time.Time, error) {
	scan := func(row scanner) (time.Time, error) {
		var at *int64
		err := row.Scan(&at)
		return goTime(at), err
	}
	list, err := queryAll(ctx, s.pool, scan, `SELECT assigned_at FROM wait_estimates
		WHERE channel_id = $1 AND assigned_at >= $2 ORDER BY assigned_at DESC LIMIT $3`, channelID, since.UnixMicro(), limit)
	if err != nil {
		return nil, fmt.Errorf("list queue departures of channel %d: %w", channelID, err)
	}
	return list, nil
}

// WaitEstimates lists the estimates of the conversations assigned in [from, to).
func (s *Store) WaitEstimates(ctx context.Context, channelID int64, from, to time.Time) ([]*parley.WaitEstimate, error) {
	scan := func(row scanner) (*parley.WaitEstimate, error) {
		var e parley.WaitEstimate
		var estimate, queued, assigned *int64
		if err := row.Scan(&e.ConversationID, &e.ChannelID, &e.Place, &estimate, &queued, &assigned); err != nil {
			return nil, err
		}
		if estimate != nil {
			e.Estimate, e.Estimated = time.Duration(*estimate)*time.Second, true
		}
		e.QueuedAt, e.AssignedAt = goTime(queued), goTime(assigned)
		return &e, nil
	}
	list, err := queryAll(ctx, s.pool, scan, `SELECT conversation_id, channel_id, place, estimate, queued_at, assigned_at
		FROM wait_estimates WHERE assigned_at >= $1 AND assigned_at < $2 AND ($3 = 0 OR channel_id = $3)
		ORDER BY assigned_at, conversation_id`, from.UnixMicro(), to.UnixMicro(), channelID)
	if err != nil {
		return nil, fmt.Errorf("list wait estimates: %w", err)
	}
	return list, nil
}
