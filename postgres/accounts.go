package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

// LeaveChannels ends every membership of the user.
func (s *Store) LeaveChannels(ctx context.Context, userID int64) ([]int64, error) {
	var left []int64
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		if left, err = queryIDs(ctx, tx, `DELETE FROM channel_members WHERE user_id = $1 RETURNING channel_id`, userID); err != nil {
			return err
		}
		return withdrawOffers(ctx, tx, userID, 0)
	})
	if err != nil {
		return nil, fmt.Errorf("leave the channels of user %d: %w", userID, err)
	}
	return left, nil
}

// RequeueConversations puts the operator's active conversations back in the queue of
// their channels, where their age keeps them ahead of the conversations that came later.
// The conversations are locked in id order first, as a batch of messages locks them,
// so that the two never wait for each other in a cycle.
func (s *Store) RequeueConversations(ctx context.Context, operatorID int64) ([]*parley.Conversation, error) {
	var convs []*parley.Conversation
	err := s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT id FROM conversations WHERE operator_id = $1 AND status = 'active'
			ORDER BY id FOR NO KEY UPDATE`, operatorID); err != nil {
			return err
		}
		// queued_at: the live view's wait, a time shown, not one the rules read.
		ids, err := queryIDs(ctx, tx, `UPDATE conversations SET status = 'queued', operator_id = NULL, assigned_at = NULL, queued_at = $2
			WHERE operator_id = $1 AND status = 'active' RETURNING id`, operatorID, time.Now().UnixMicro())
		if err != nil {
			return err
		}
		slices.Sort(ids)
		for _, id := range ids {
			c, err := conversation(ctx, tx, id)
			if err != nil {
				return err
			}
			convs = append(convs, c)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("requeue the conversations of user %d: %w", operatorID, err)
	}
	return convs, nil
}
