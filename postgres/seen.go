package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

// OperatorReadSeq is how far the conversation's operator has read it: their read mark,
// or their own last message in it when later; 0 while no operator is assigned.
func (s *Store) OperatorReadSeq(ctx context.Context, conversationID int64) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, `
		SELECT CASE WHEN c.operator_id IS NULL THEN 0 ELSE GREATEST(
			COALESCE((SELECT r.last_read_seq FROM conversation_reads r
			          WHERE r.user_id = c.operator_id AND r.conversation_id = c.id), 0),
			COALESCE((SELECT o.seq FROM messages o
			          WHERE o.conversation_id = c.id AND o.author_kind = 'operator' AND o.author_id = c.operator_id
			          ORDER BY o.seq DESC LIMIT 1), 0)) END
		FROM conversations c WHERE c.id = $1`, conversationID).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		err = errConversationNotFound(conversationID)
	}
	if err != nil {
		return 0, fmt.Errorf("get read mark of the operator of conversation %d: %w", conversationID, err)
	}
	return seq, nil
}

// SeeVisitors records that the visitors were seen at now, in one statement whatever
// their number.
func (s *Store) SeeVisitors(ctx context.Context, visitorIDs []int64, now time.Time) error {
	if len(visitorIDs) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE visitors SET last_seen_at = GREATEST(COALESCE(last_seen_at, 0), $1)
		WHERE id = ANY($2)`, orNow(now).UnixMicro(), visitorIDs)
	if err != nil {
		return fmt.Errorf("see %d visitors: %w", len(visitorIDs), err)
	}
	return nil
}

// AbandonedConversations lists the conversations not ended whose visitor was last seen
// before since, or never, and wrote nothing since. A visitor's last message is found by
// a backward scan of their conversation's primary key, which stops at the first of theirs.
func (s *Store) AbandonedConversations(ctx context.Context, since time.Time) ([]*parley.Conversation, error) {
	list, err := queryConversations(ctx, s.pool, `
		WHERE c.status <> 'ended'
		  AND c.created_at < $1
		  AND COALESCE(v.last_seen_at, 0) < $1
		  AND COALESCE((SELECT m.created_at FROM messages m
		                WHERE m.conversation_id = c.id AND m.author_kind = 'visitor'
		                ORDER BY m.seq DESC LIMIT 1), 0) < $1
		ORDER BY c.id`, since.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("list abandoned conversations: %w", err)
	}
	return list, nil
}
