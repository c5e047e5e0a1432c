package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley"
)

// TransferConversation hands an active conversation to an operator of its channel, or
// to a channel, deciding in the write transaction that records it (parley.Store). Like
// an assignment, it reads the writer's snapshot (assign.go) and keeps it true.
func (s *Store) TransferConversation(ctx context.Context, t parley.Transfer, choose parley.Chooser) (*parley.Conversation, *parley.Message, error) {
	now := orNow(t.Now).UTC().Truncate(time.Microsecond)
	var c *parley.Conversation
	var m *parley.Message
	err := s.writeTracked(ctx, hooked(ctx, &c, parley.WebhookTransferred, now, func(tx *wtx) error {
		c, m = nil, nil
		var channelID, operatorID, visitorID int64
		var status parley.ConversationStatus
		var language string
		err := tx.QueryRowContext(ctx, `SELECT channel_id, COALESCE(operator_id, 0), visitor_id, status, language
			FROM conversations WHERE id = ?`, t.ConversationID).Scan(&channelID, &operatorID, &visitorID, &status, &language)
		if errors.Is(err, sql.ErrNoRows) {
			return errConversationNotFound(t.ConversationID)
		} else if err != nil {
			return err
		}
		if err := t.Refused(status, operatorID); err != nil {
			return err
		}

		var route parley.Routing // route.OperatorID is the operator given it, 0 when it waits in the queue
		var offerSeconds int     // the channel's, when transferred to a channel (offers.go)
		if t.ToOperatorID != 0 {
			if route, err = handTo(ctx, tx, t, channelID, operatorID, language, now, choose); err != nil {
				return err
			}
		} else {
			channelID = t.ToChannelID
			var capacity int
			err := tx.QueryRowContext(ctx, `SELECT max_ongoing_per_operator, offer_seconds FROM channels WHERE id = ?`, channelID).Scan(&capacity, &offerSeconds)
			if errors.Is(err, sql.ErrNoRows) {
				return errChannelNotFound(channelID)
			} else if err != nil {
				return err
			}
			if route, err = decide(ctx, tx, channelID, t.ConversationID, visitorID, capacity, language, t.From, now, choose); err != nil {
				return err
			}
		}
		to, offerTo := route.OperatorID, int64(0)
		if to != 0 && offerSeconds > 0 {
			// Offered: it waits in the channel's queue until the operator accepts.
			offerTo, to = to, 0
			route.Offer = parley.OfferMade
		}
		if err := recordRouting(ctx, tx, t.ConversationID, parley.RoutingTransfer, now, &route); err != nil {
			return err
		}

		tx.live.drop(t.ConversationID)
		tx.a.ended(t.ConversationID, operatorID) // no longer counts for the operator who handed it over
		if to == 0 {
			_, err = tx.ExecContext(ctx, `UPDATE conversations
				SET channel_id = ?, status = 'queued', operator_id = NULL, assigned_at = NULL, handed_over_by = ?, queued_at = ?
				WHERE id = ?`, channelID, t.From, now.UnixMicro(), t.ConversationID)
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
		_, err = tx.ExecContext(ctx, `UPDATE conversations
			SET channel_id = ?, operator_id = ?, assigned_at = ?, handed_over_by = ?
			WHERE id = ?`, channelID, to, now.UnixMicro(), t.From, t.ConversationID)
		if err != nil {
			return err
		}
		c, m, err = joined(ctx, tx, t.ConversationID, channelID, to, now)
		return err
	}))
	if err != nil {
		return nil, nil, fmt.Errorf("transfer conversation %d: %w", t.ConversationID, err)
	}
	return c, m, nil
}

// handTo decides within tx whether the operator t names may be handed a conversation of
// the channel, held by current, now: they must be another enabled member, available
// as choose finds them alone.
func handTo(ctx context.Context, tx *wtx, t parley.Transfer, channelID, current int64, language string, now time.Time, choose parley.Chooser) (parley.Routing, error) {
	var none parley.Routing
	var name string
	var disabled, deleted bool
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(NULLIF(chat_name, ''), name), disabled, deleted_at IS NOT NULL
		FROM users WHERE id = ?`, t.ToOperatorID).Scan(&name, &disabled, &deleted)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && deleted) {
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
	var capacity int
	var channel string
	if err := tx.QueryRowContext(ctx, `SELECT max_ongoing_per_operator, name FROM channels WHERE id = ?`, channelID).
		Scan(&capacity, &channel); err != nil {
		return none, err
	}
	candidates, err := tx.a.candidates(ctx, tx, channelID, now)
	if err != nil {
		return none, err
	}
	for _, c := range candidates {
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
	return none, parley.Errorf(parley.ECONFLICT, "%s is not a member of %s.", name, channel)
}

// joined records, within tx, that operator to was given conversation id of the channel by
// hand (a transfer, an assignment, a take), and tells the visitor with a system notice:
// the conversation as it now is, and the notice.
func joined(ctx context.Context, tx *wtx, id, channelID, to int64, now time.Time) (*parley.Conversation, *parley.Message, error) {
	if err := recordAssignment(ctx, tx, channelID, to, now); err != nil {
		return nil, nil, err
	}
	tx.a.assigned(id, channelID, to, now)
	c, err := conversation(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	m := &parley.Message{
		ConversationID: id,
		Author:         parley.Author{Kind: parley.AuthorSystem},
		Body:           parley.JoinedMessage(c.OperatorName),
		CreatedAt:      now,
	}
	if err := appendMessage(ctx, tx, m); err != nil {
		return nil, nil, err
	}
	c.LastSeq, c.LastMessageAt = m.Seq, now
	return c, m, nil
}
