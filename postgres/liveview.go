package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

// liveColumns follow conversationColumns for the live view: when a queued conversation
// entered the queue, and since when the visitor of an active one has waited for an
// answer (their first and last messages after the operator's last).
const liveColumns = `,
	CASE WHEN c.status = 'queued' THEN COALESCE(c.queued_at, c.created_at) END,
	CASE WHEN c.status = 'active' THEN (
		SELECT MIN(w.created_at) FROM messages w
		WHERE w.conversation_id = c.id AND w.author_kind = 'visitor' AND w.seq > ` + answeredSeq + `) END,
	CASE WHEN c.status = 'active' THEN (
		SELECT MAX(w.created_at) FROM messages w
		WHERE w.conversation_id = c.id AND w.author_kind = 'visitor' AND w.seq > ` + answeredSeq + `) END`

// answeredSeq is the number of the operator's last message in conversation c, 0 for none.
const answeredSeq = `COALESCE((
	SELECT MAX(o.seq) FROM messages o WHERE o.conversation_id = c.id AND o.author_kind = 'operator'), 0)`

func scanLive(row scanner) (*parley.LiveConversation, error) {
	var queued, waiting, last *int64
	c, err := scanConversation(row, &queued, &waiting, &last)
	if err != nil {
		return nil, err
	}
	return &parley.LiveConversation{Conversation: *c, QueuedSince: goTime(queued), WaitingSince: goTime(waiting), LastUnansweredAt: goTime(last)}, nil
}

// LiveConversations lists the conversations that have not ended, by id.
func (s *Store) LiveConversations(ctx context.Context) ([]*parley.LiveConversation, error) {
	list, err := queryAll(ctx, s.pool, scanLive, `SELECT `+conversationColumns+liveColumns+conversationJoins+`
		WHERE c.status <> 'ended' ORDER BY c.id`)
	if err != nil {
		return nil, fmt.Errorf("list live conversations: %w", err)
	}
	return list, nil
}

// LiveConversation returns one conversation as the live view shows it.
func (s *Store) LiveConversation(ctx context.Context, id int64) (*parley.LiveConversation, error) {
	c, err := scanLive(s.pool.QueryRow(ctx, `SELECT `+conversationColumns+liveColumns+conversationJoins+` WHERE c.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		err = errConversationNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("get live conversation %d: %w", id, err)
	}
	return c, nil
}

// AssignConversation gives a queued conversation to an operator by hand, deciding in the
// transaction that records it (parley.LiveStore), under the locks an assignment takes:
// the channel's row, then the conversation's. Of several servers assigning in the
// channel, one decides at a time, on what the others committed; a second hand
// assignment of the conversation finds it active.
func (s *Store) AssignConversation(ctx context.Context, a parley.HandAssignment, choose parley.Chooser) (*parley.Conversation, *parley.Message, error) {
	now := orNow(a.Now).UTC().Truncate(time.Microsecond)
	var c *parley.Conversation
	var m *parley.Message
	err := s.write(ctx, hooked(ctx, &c, parley.WebhookAssigned, now, func(tx pgx.Tx) error {
		c, m = nil, nil
		var channelID int64 // read before the lock, checked after it
		err := tx.QueryRow(ctx, `SELECT channel_id FROM conversations WHERE id = $1`, a.ConversationID).Scan(&channelID)
		if errors.Is(err, pgx.ErrNoRows) {
			return errConversationNotFound(a.ConversationID)
		} else if err != nil {
			return err
		}
		if _, found, err := lockChannel(ctx, tx, channelID); err != nil {
			return err
		} else if !found {
			return errChannelNotFound(channelID)
		}
		var current, operatorID int64
		var status parley.ConversationStatus
		var language, holder string
		err = tx.QueryRow(ctx, `SELECT c.channel_id, COALESCE(c.operator_id, 0), c.status, c.language,
				COALESCE(NULLIF(u.chat_name, ''), u.name, '')
			FROM conversations c LEFT JOIN users u ON u.id = c.operator_id
			WHERE c.id = $1 FOR NO KEY UPDATE OF c`, a.ConversationID).Scan(&current, &operatorID, &status, &language, &holder)
		if err != nil {
			return err
		}
		if err := a.Refused(status, operatorID, holder); err != nil {
			return err
		}
		if current != channelID {
			return parley.Errorf(parley.ECONFLICT, "Conversation %d has just been moved to another channel.", a.ConversationID)
		}
		route, err := handAssign(ctx, tx, a, channelID, language, now, choose)
		if err != nil {
			return err
		}
		to := route.OperatorID
		if err := recordRouting(ctx, tx, a.ConversationID, parley.RoutingHand, now, &route); err != nil {
			return err
		}
		var seq int64
		err = tx.QueryRow(ctx, `UPDATE conversations
			SET status = 'active', operator_id = $1, assigned_at = $2, last_seq = last_seq + 1, last_message_at = $2
			WHERE id = $3 RETURNING last_seq`, to, now.UnixMicro(), a.ConversationID).Scan(&seq)
		if err != nil {
			return err
		}
		c, m, err = joined(ctx, tx, a.ConversationID, channelID, to, seq, now)
		return err
	}))
	if err != nil {
		return nil, nil, fmt.Errorf("assign conversation %d by hand: %w", a.ConversationID, err)
	}
	return c, m, nil
}

// handAssign decides within tx, which holds the channel's lock, whether the operator a
// names may be given a conversation of the channel by hand: an enabled member, available
// as choose finds them alone, with no cap asked.
func handAssign(ctx context.Context, tx pgx.Tx, a parley.HandAssignment, channelID int64, language string, now time.Time, choose parley.Chooser) (parley.Routing, error) {
	var none parley.Routing
	var name string
	var disabled, deleted bool
	err := tx.QueryRow(ctx, `SELECT COALESCE(NULLIF(chat_name, ''), name), disabled, deleted_at IS NOT NULL
		FROM users WHERE id = $1`, a.OperatorID).Scan(&name, &disabled, &deleted)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && deleted) {
		return none, errUserNotFound(a.OperatorID)
	} else if err != nil {
		return none, err
	}
	if disabled {
		return none, parley.Errorf(parley.ECONFLICT, "%s's account is disabled.", name)
	}
	list, err := candidates(ctx, tx, channelID, now)
	if err != nil {
		return none, err
	}
	for _, c := range list {
		if c.OperatorID != a.OperatorID {
			continue
		}
		one := []parley.Candidate{c}
		route := choose(parley.AssignRequest{Language: language}, one)
		id := route.OperatorID
		if id == 0 {
			return none, parley.TransferRefusal(name, &one[0], 0)
		}
		if id != c.OperatorID {
			return none, fmt.Errorf("chooser picked user %d, not user %d who was asked for", id, c.OperatorID)
		}
		return route, nil
	}
	var channel string
	if err := tx.QueryRow(ctx, `SELECT name FROM channels WHERE id = $1`, channelID).Scan(&channel); err != nil {
		return none, err
	}
	return none, parley.Errorf(parley.ECONFLICT, "%s is not a member of %s.", name, channel)
}
