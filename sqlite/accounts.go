package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/parleychat/parley"
)

// LeaveChannels ends every membership of the user.
func (s *Store) LeaveChannels(ctx context.Context, userID int64) ([]int64, error) {
	var left []int64
	err := s.write(ctx, func(tx *wtx) error {
		var err error
		if left, err = queryIDs(ctx, tx, `DELETE FROM channel_members WHERE user_id = ? RETURNING channel_id`, userID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE conversations SET offered_to = NULL, offer_expires_at = NULL
			WHERE offered_to = ? AND status = 'queued'`, userID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("leave the channels of user %d: %w", userID, err)
	}
	return left, nil
}

// RequeueConversations puts the operator's active conversations back in the queue of
// their channels, where their age keeps them ahead of the conversations that came later.
// The write is not tracked: the assignment snapshot and the writer's conversations are
// read again.
func (s *Store) RequeueConversations(ctx context.Context, operatorID int64) ([]*parley.Conversation, error) {
	var convs []*parley.Conversation
	err := s.write(ctx, func(tx *wtx) error {
		// queued_at: the live view's wait, a time shown, not one the rules read.
		ids, err := queryIDs(ctx, tx, `UPDATE conversations SET status = 'queued', operator_id = NULL, assigned_at = NULL, queued_at = ?
			WHERE operator_id = ? AND status = 'active' RETURNING id`, time.Now().UnixMicro(), operatorID)
		if err != nil {
			return err
		}
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
