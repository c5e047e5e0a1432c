package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

// Offer and accept (parley.OfferStore, offers.go at the root). Every change to an offer
// takes its channel's row lock first, as assignment does: the offers count against the
// cap, and of several servers expiring, accepting or declining one offer at once, one
// decides, and the others find it gone.

// withOffers adds to the candidates what the offers change: a standing offer counts as
// an ongoing conversation of its operator (in its channel and in their load), an
// operator set away for missed offers is marked so, and those who missed or declined
// this conversation's offer are passed over (req.Passed).
func withOffers(ctx context.Context, tx pgx.Tx, channelID, conversationID int64, candidates []parley.Candidate, req *parley.AssignRequest) error {
	rows, err := tx.Query(ctx, `
		SELECT offered_to, channel_id, false FROM conversations WHERE offered_to IS NOT NULL AND status = 'queued'
		UNION ALL
		SELECT id, 0, true FROM users WHERE offers_away_since IS NOT NULL`)
	if err != nil {
		return err
	}
	defer rows.Close()
	type offered struct {
		here, all int
		away      bool
	}
	var found map[int64]*offered // by user: none at all, most of the time
	for rows.Next() {
		var userID, inChannel int64
		var away bool
		if err := rows.Scan(&userID, &inChannel, &away); err != nil {
			return err
		}
		if found == nil {
			found = map[int64]*offered{}
		}
		o := found[userID]
		if o == nil {
			o = &offered{}
			found[userID] = o
		}
		switch {
		case away:
			o.away = true
		case inChannel == channelID:
			o.here++
			o.all++
		default:
			o.all++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range candidates {
		if o := found[candidates[i].OperatorID]; o != nil {
			c := &candidates[i]
			c.Ongoing, c.Load, c.OffersAway = c.Ongoing+o.here, c.Load+o.all, o.away
		}
	}
	if conversationID == 0 {
		return nil
	}
	passed, err := queryIDs(ctx, tx, `SELECT operator_id FROM offer_passes WHERE conversation_id = $1`, conversationID)
	if len(passed) > 0 {
		req.Passed = passed
	}
	return err
}

// channelOfferSeconds reads the channel's offer_seconds within tx.
func channelOfferSeconds(ctx context.Context, tx pgx.Tx, channelID int64) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT offer_seconds FROM channels WHERE id = $1`, channelID).Scan(&n)
	return n, err
}

// makeOffer records, within tx, the offer of conversation id to the operator for seconds
// from now.
func makeOffer(ctx context.Context, tx pgx.Tx, id, operatorID int64, seconds int, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE conversations SET offered_to = $1, offer_expires_at = $2 WHERE id = $3`,
		operatorID, now.Add(time.Duration(seconds)*time.Second).UnixMicro(), id)
	return err
}

// endOffer records how the conversation's standing offer ended: in its routing decision,
// and by withdrawing it unless accepted.
func endOffer(ctx context.Context, tx pgx.Tx, id int64, outcome string) error {
	_, err := tx.Exec(ctx, `UPDATE conversation_routing SET routing = jsonb_set(routing::jsonb, '{offer}', to_jsonb($1::text))::text
		WHERE id = (SELECT MAX(id) FROM conversation_routing WHERE conversation_id = $2)
		  AND routing::jsonb ->> 'offer' = $3`, outcome, id, parley.OfferMade)
	if err != nil || outcome == parley.OfferAccepted {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE conversations SET offered_to = NULL, offer_expires_at = NULL WHERE id = $1`, id)
	return err
}

// lockOffered takes the lock of the conversation's channel, then its row, and returns it
// as it then is, with the channel's cap and offer_seconds.
func lockOffered(ctx context.Context, tx pgx.Tx, conversationID int64) (c *parley.Conversation, capacity, offerSeconds int, err error) {
	var channelID int64
	err = tx.QueryRow(ctx, `SELECT channel_id FROM conversations WHERE id = $1`, conversationID).Scan(&channelID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, 0, errConversationNotFound(conversationID)
	} else if err != nil {
		return nil, 0, 0, err
	}
	capacity, offerSeconds, _, err = lockChannelOffers(ctx, tx, channelID)
	if err != nil {
		return nil, 0, 0, err
	}
	if _, err = tx.Exec(ctx, `SELECT 1 FROM conversations WHERE id = $1 FOR NO KEY UPDATE`, conversationID); err != nil {
		return nil, 0, 0, err
	}
	if c, err = conversation(ctx, tx, conversationID); err != nil {
		return nil, 0, 0, err
	}
	if c.ChannelID != channelID {
		return nil, 0, 0, parley.Errorf(parley.ECONFLICT, "Conversation %d has just been moved to another channel.", conversationID)
	}
	return c, capacity, offerSeconds, nil
}

// AcceptOffer makes the conversation offered to userID theirs.
func (s *Store) AcceptOffer(ctx context.Context, conversationID, userID int64, now time.Time) (*parley.Conversation, error) {
	now = orNow(now)
	var c *parley.Conversation
	err := s.write(ctx, func(tx pgx.Tx) error {
		cur, _, _, err := lockOffered(ctx, tx, conversationID)
		if err != nil {
			return err
		}
		if e := parley.OfferRefused(cur, userID, now); e != nil {
			return e
		}
		if err := endOffer(ctx, tx, conversationID, parley.OfferAccepted); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE conversations
			SET status = 'active', operator_id = $1, assigned_at = $2, offered_to = NULL, offer_expires_at = NULL
			WHERE id = $3`, userID, now.UnixMicro(), conversationID)
		if err != nil {
			return err
		}
		if err := recordAssignment(ctx, tx, cur.ChannelID, userID, now); err != nil {
			return err
		}
		if err := answeredOffer(ctx, tx, userID); err != nil {
			return err
		}
		if c, err = conversation(ctx, tx, conversationID); err != nil {
			return err
		}
		return enqueueWebhook(ctx, tx, parley.WebhookAssigned, parley.ConversationEvent(parley.WebhookAssigned, c, now), now)
	})
	if err != nil {
		return nil, fmt.Errorf("accept offer of conversation %d: %w", conversationID, err)
	}
	return c, nil
}

// DeclineOffer withdraws the offer and decides the channel's queue again.
func (s *Store) DeclineOffer(ctx context.Context, conversationID, userID int64, now time.Time, choose parley.Chooser) ([]*parley.Conversation, error) {
	now = orNow(now)
	var assigned []*parley.Conversation
	err := s.write(ctx, func(tx pgx.Tx) error {
		cur, capacity, offerSeconds, err := lockOffered(ctx, tx, conversationID)
		if err != nil {
			return err
		}
		if e := parley.OfferRefused(cur, userID, now); e != nil {
			return e
		}
		if err := passOffer(ctx, tx, conversationID, userID, parley.OfferDeclined); err != nil {
			return err
		}
		if err := answeredOffer(ctx, tx, userID); err != nil {
			return err
		}
		assigned, err = drainQueue(ctx, tx, cur.ChannelID, capacity, offerSeconds, now, choose)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("decline offer of conversation %d: %w", conversationID, err)
	}
	return assigned, nil
}

// answeredOffer ends the operator's misses in a row: they accepted or declined an offer.
func answeredOffer(ctx context.Context, tx pgx.Tx, userID int64) error {
	_, err := tx.Exec(ctx, `UPDATE users SET offers_missed = 0 WHERE id = $1 AND offers_missed <> 0`, userID)
	return err
}

// passOffer ends the offer of the conversation to the operator who missed or declined
// it, who is never offered it again.
func passOffer(ctx context.Context, tx pgx.Tx, conversationID, userID int64, outcome string) error {
	if err := endOffer(ctx, tx, conversationID, outcome); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO offer_passes (conversation_id, operator_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		conversationID, userID)
	return err
}

// ExpireOffers takes the offers expired at now, a channel at a time under its lock: of
// servers expiring at once, the first takes them and the others find them gone.
func (s *Store) ExpireOffers(ctx context.Context, now time.Time, choose parley.Chooser) (*parley.OfferExpiry, error) {
	now = orNow(now)
	out := &parley.OfferExpiry{}
	channels, err := queryIDs(ctx, s.pool, `SELECT DISTINCT channel_id FROM conversations
		WHERE offered_to IS NOT NULL AND offer_expires_at <= $1 ORDER BY channel_id`, now.UnixMicro())
	if err != nil || len(channels) == 0 {
		return out, err
	}
	// Offers of conversations no longer queued (ended, given by hand) are only cleared.
	if _, err := s.pool.Exec(ctx, `UPDATE conversations SET offered_to = NULL, offer_expires_at = NULL
		WHERE offered_to IS NOT NULL AND status <> 'queued'`); err != nil {
		return nil, fmt.Errorf("expire offers: %w", err)
	}
	for _, channelID := range channels {
		var missed []parley.MissedOffer
		var assigned []*parley.Conversation
		err := s.write(ctx, func(tx pgx.Tx) error {
			missed, assigned = nil, nil
			capacity, offerSeconds, found, err := lockChannelOffers(ctx, tx, channelID)
			if err != nil || !found {
				return err
			}
			missed, err = queryAll(ctx, tx, func(row scanner) (parley.MissedOffer, error) {
				m := parley.MissedOffer{ChannelID: channelID}
				err := row.Scan(&m.ConversationID, &m.OperatorID)
				return m, err
			}, `SELECT id, offered_to FROM conversations
				WHERE channel_id = $1 AND status = 'queued' AND offered_to IS NOT NULL AND offer_expires_at <= $2
				ORDER BY id FOR NO KEY UPDATE`, channelID, now.UnixMicro())
			if err != nil || len(missed) == 0 {
				return err
			}
			// Rows are locked in id order, as the batcher and the requeue lock them; the
			// users' rows below in theirs.
			slices.SortFunc(missed, func(a, b parley.MissedOffer) int {
				return cmp.Or(cmp.Compare(a.OperatorID, b.OperatorID), cmp.Compare(a.ConversationID, b.ConversationID))
			})
			for i := range missed {
				m := &missed[i]
				if err := passOffer(ctx, tx, m.ConversationID, m.OperatorID, parley.OfferMissed); err != nil {
					return err
				}
				var count int
				err := tx.QueryRow(ctx, `UPDATE users SET offers_missed = offers_missed + 1,
					offers_away_since = CASE WHEN offers_missed + 1 >= $1 THEN COALESCE(offers_away_since, $2) END
					WHERE id = $3 RETURNING offers_missed`,
					parley.MissedOffersAway, now.UnixMicro(), m.OperatorID).Scan(&count)
				if err != nil {
					return err
				}
				m.SetAway = count == parley.MissedOffersAway
			}
			assigned, err = drainQueue(ctx, tx, channelID, capacity, offerSeconds, now, choose)
			return err
		})
		if err != nil {
			return out, fmt.Errorf("expire offers of channel %d: %w", channelID, err)
		}
		out.Missed = append(out.Missed, missed...)
		out.Assigned = append(out.Assigned, assigned...)
	}
	return out, nil
}

// Offers lists the offers standing for userID.
func (s *Store) Offers(ctx context.Context, userID int64, now time.Time) ([]*parley.Offer, bool, error) {
	now = orNow(now)
	var away bool
	err := s.pool.QueryRow(ctx, `SELECT offers_away_since IS NOT NULL FROM users WHERE id = $1`, userID).Scan(&away)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, errUserNotFound(userID)
	} else if err != nil {
		return nil, false, fmt.Errorf("offers of user %d: %w", userID, err)
	}
	offers, err := queryAll(ctx, s.pool, scanOffer, `
		SELECT c.id, c.channel_id, ch.name, v.name,
			EXISTS (SELECT 1 FROM visitor_identities vi WHERE vi.visitor_id = c.visitor_id AND vi.channel_id = c.channel_id),
			c.language, COALESCE((SELECT m.body FROM messages m WHERE m.conversation_id = c.id AND m.author_kind = 'visitor' ORDER BY m.seq LIMIT 1), ''),
			c.offer_expires_at, ch.offer_seconds
		FROM conversations c
		JOIN channels ch ON ch.id = c.channel_id
		JOIN visitors v ON v.id = c.visitor_id
		WHERE c.offered_to = $1 AND c.status = 'queued' AND c.offer_expires_at > $2
		ORDER BY c.id`, userID, now.UnixMicro())
	if err != nil {
		return nil, false, fmt.Errorf("offers of user %d: %w", userID, err)
	}
	return offers, away, nil
}

func scanOffer(row scanner) (*parley.Offer, error) {
	var o parley.Offer
	var expires *int64
	if err := row.Scan(&o.ConversationID, &o.ChannelID, &o.ChannelName, &o.Visitor.Name, &o.Visitor.Verified,
		&o.Language, &o.FirstMessage, &expires, &o.Seconds); err != nil {
		return nil, err
	}
	o.ExpiresAt = goTime(expires)
	return &o, nil
}

// OffersAway lists the operators set away for missed offers.
func (s *Store) OffersAway(ctx context.Context) ([]int64, error) {
	ids, err := queryIDs(ctx, s.pool, `SELECT id FROM users WHERE offers_away_since IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("operators away for missed offers: %w", err)
	}
	return ids, nil
}

// Back clears the operator's away for missed offers.
func (s *Store) Back(ctx context.Context, userID int64) (bool, error) {
	var was bool
	err := s.write(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT offers_away_since IS NOT NULL FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&was)
		if errors.Is(err, pgx.ErrNoRows) {
			return errUserNotFound(userID)
		} else if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE users SET offers_missed = 0, offers_away_since = NULL WHERE id = $1`, userID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("back from missed offers, user %d: %w", userID, err)
	}
	return was, nil
}

// withdrawOffers takes back, within tx, the offers standing for userID in the channel (0:
// in every channel), neither passed nor missed: they left it. The rows are locked in id
// order first, as a batch of messages locks them.
func withdrawOffers(ctx context.Context, tx pgx.Tx, userID, channelID int64) error {
	if _, err := tx.Exec(ctx, `SELECT id FROM conversations
		WHERE offered_to = $1 AND status = 'queued' AND ($2 = 0 OR channel_id = $2) ORDER BY id FOR NO KEY UPDATE`, userID, channelID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE conversations SET offered_to = NULL, offer_expires_at = NULL
		WHERE offered_to = $1 AND status = 'queued' AND ($2 = 0 OR channel_id = $2)`, userID, channelID)
	return err
}
