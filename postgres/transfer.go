package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

// TransferConversation hands an active conversation to an operator of its channel, or
// to a channel, deciding in the transaction that records it (parley.Store). It takes
// the locks assignment takes: the channels' rows (the one the conversation leaves and
// the one it goes to, in id order, so that two transfers between the same channels
// never wait for each other), then the conversation's row. Of several servers assigning
// in a channel, one decides at a time, on what the others committed.
func (s *Store) TransferConversation(ctx context.Context, t parley.Transfer, choose parley.Chooser) (*parley.Conversation, *parley.Message, error) {
	now := orNow(t.Now).UTC().Truncate(time.Microsecond)
	var c *parley.Conversation
	var m *parley.Message
	err := s.write(ctx, hooked(ctx, &c, parley.WebhookTransferred, now, func(tx pgx.Tx) error {
		c, m = nil, nil
		var from int64 // the channel it leaves, read before the locks and checked after
		err := tx.QueryRow(ctx, `SELECT channel_id FROM conversations WHERE id = $1`, t.ConversationID).Scan(&from)
		if errors.Is(err, pgx.ErrNoRows) {
			return errConversationNotFound(t.ConversationID)
		} else if err != nil {
			return err
		}
		channelID := from
		if t.ToChannelID != 0 {
			channelID = t.ToChannelID
		}
		locks := []int64{from, channelID}
		slices.Sort(locks)
		caps := map[int64]int{}
		for _, id := range slices.Compact(locks) {
			capacity, found, err := lockChannel(ctx, tx, id)
			if err != nil {
				return err
			} else if !found {
				return errChannelNotFound(id)
			}
			caps[id] = capacity
		}

		var current, operatorID, visitorID int64
		var status parley.ConversationStatus
		var language string
		err = tx.QueryRow(ctx, `SELECT channel_id, COALESCE(operator_id, 0), visitor_id, status, language
			FROM conversations WHERE id = $1 FOR NO KEY UPDATE`, t.ConversationID).Scan(&current, &operatorID, &visitorID, &status, &language)
		if err != nil {
			return err
		}
		if err := t.Refused(status, operatorID); err != nil {
			return err
		}
		if current != from {
			return parley.Errorf(parley.ECONFLICT, "Conversation %d has just been moved to another channel.", t.ConversationID)
		}

		var route parley.Routing // route.OperatorID is the operator given it, 0 when it waits in the queue
		if t.ToOperatorID != 0 {
			route, err = handTo(ctx, tx, t, channelID, caps[channelID], operatorID, language, now, choose)
		} else {
			route, err = decide(ctx, tx, channelID, t.ConversationID, visitorID, caps[channelID], language, t.From, now, choose)
		}
		if err != nil {
			return err
		}
		to, offerTo, offerSeconds := route.OperatorID, int64(0), 0
		if t.ToOperatorID == 0 && to != 0 {
			if offerSeconds, err = channelOfferSeconds(ctx, tx, channelID); err != nil {
				return err
			}
			if offerSeconds > 0 {
				// Offered: it waits in the channel's queue until the operator accepts.
				offerTo, to = to, 0
				route.Offer = parley.OfferMade
			}
		}
		if err := recordRouting(ctx, tx, t.ConversationID, parley.RoutingTransfer, now, &route); err != nil {
			return err
		}

		if to == 0 {
			_, err = tx.Exec(ctx, `UPDATE conversations
				SET channel_id = $1, status = 'queued', operator_id = NULL, assigned_at = NULL, handed_over_by = $2, queued_at = $4
				WHERE id = $3`, channelID, t.From, t.ConversationID, now.UnixMicro())
			if err != nil {
				return err
			}
			if offerTo != 0 {
				if err := makeOffer(ctx, tx, t.ConversationID, offerTo, offerSeconds, now); err != nil {
					return err
				}
			}
			c, err = conversation(ctx, tx, t.ConversationID)
			return err
		}
		var seq int64
		err = tx.QueryRow(ctx, `UPDATE conversations
			SET channel_id = $1, operator_id = $2, assigned_at = $3, handed_over_by = $4,
				last_seq = last_seq + 1, last_message_at = $3
			WHERE id = $5 RETURNING last_seq`, channelID, to, now.UnixMicro(), t.From, t.ConversationID).Scan(&seq)
		if err != nil {
			return err
		}
		c, m, err = joined(ctx, tx, t.ConversationID, channelID, to, seq, now)
		return err
	}))
	if err != nil {
		return nil, nil, fmt.Errorf("transfer conversation %d: %w", t.ConversationID, err)
	}
	return c, m, nil
}

// handTo decides within tx, which holds the channel's lock, whether the operator t names
// may be handed a conversation of the channel, held by current, now: they must be
// another enabled member, available as choose finds them alone.
func handTo(ctx context.Context, tx pgx.Tx, t parley.Transfer, channelID int64, capacity int, current int64, language string, now time.Time, choose parley.Chooser) (parley.Routing, error) {
	var none parley.Routing
	var name string
	var disabled, deleted bool
	err := tx.QueryRow(ctx, `SELECT COALESCE(NULLIF(chat_name, ''), name), disabled, deleted_at IS NOT NULL
		FROM users WHERE id = $1`, t.ToOperatorID).Scan(&name, &disabled, &deleted)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && deleted) {
		return none, errUserNotFound(t.ToOperatorID)
	} else if err != nil {
		return none, err
	}
	if t.ToOperatorID == current {
		return none, parley.Errorf(parley.ECONFLICT, "%s already holds this conversation.", name)
	}
	if disabled {
		return none, parley.Errorf(parley.ECONFLICT, "%s's account is disabled.", name)
	}
	list, err := candidates(ctx, tx, channelID, now)
	if err != nil {
		return none, err
	}
	for _, c := range list {
		if c.OperatorID != t.ToOperatorID {
			continue
		}
		one := []parley.Candidate{c}
		req := parley.AssignRequest{Cap: capacity, Language: language, Exclude: t.From}
		// Their standing offers count against the cap here too, and so does being away
		// for missed offers.
		if err := withOffers(ctx, tx, channelID, 0, one, &req); err != nil {
			return none, err
		}
		route := choose(req, one)
		id := route.OperatorID
		if id == 0 {
			return none, parley.TransferRefusal(name, &one[0], capacity)
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

// joined records, within tx, that operator to was given conversation id of the channel by
// hand (a transfer, an assignment, a take), and tells the visitor with a system notice
// numbered seq, which the caller took with the conversation's row: the conversation as it
// now is, and the notice.
func joined(ctx context.Context, tx pgx.Tx, id, channelID, to, seq int64, now time.Time) (*parley.Conversation, *parley.Message, error) {
	if err := recordAssignment(ctx, tx, channelID, to, now); err != nil {
		return nil, nil, err
	}
	c, err := conversation(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	m := &parley.Message{
		ConversationID: id,
		Seq:            seq,
		Author:         parley.Author{Kind: parley.AuthorSystem},
		Body:           parley.JoinedMessage(c.OperatorName),
		CreatedAt:      now,
	}
	if err := insertMessage(ctx, tx, m); err != nil {
		return nil, nil, err
	}
	return c, m, nil
}
