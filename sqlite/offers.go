package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/parleychat/parley"
)

// Offer and accept (parley.OfferStore, offers.go at the root). The standing offers are
// read by SQL at each decision rather than kept in the writer's assignment snapshot:
// there are few, and a partial index finds them, so the snapshot stays as it is.

// withOffers adds to the candidates what the offers change: a standing offer counts as
// an ongoing conversation of its operator (in its channel and in their load), an
// operator set away for missed offers is marked so, and those who missed or declined
// this conversation's offer are passed over (req.Passed).
func withOffers(ctx context.Context, tx *wtx, channelID, conversationID int64, candidates []parley.Candidate, req *parley.AssignRequest) error {
	rows, err := tx.QueryContext(ctx, `
		SELECT offered_to, channel_id, 0 FROM conversations WHERE offered_to IS NOT NULL AND status = 'queued'
		UNION ALL
		SELECT id, 0, 1 FROM users WHERE offers_away_since IS NOT NULL`)
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
	passed, err := queryIDs(ctx, tx, `SELECT operator_id FROM offer_passes WHERE conversation_id = ?`, conversationID)
	if len(passed) > 0 {
		req.Passed = passed
	}
	return err
}

// makeOffer records, within tx, the offer of conversation id to the operator for seconds
// from now.
func makeOffer(ctx context.Context, tx *wtx, id, operatorID int64, seconds int, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE conversations SET offered_to = ?, offer_expires_at = ? WHERE id = ?`,
		operatorID, now.Add(time.Duration(seconds)*time.Second).UnixMicro(), id)
	return err
}

// endOffer records how the conversation's standing offer ended: in its routing decision,
// and by withdrawing it unless accepted.
func endOffer(ctx context.Context, tx *wtx, id int64, outcome string) error {
	_, err := tx.ExecContext(ctx, `UPDATE conversation_routing SET routing = json_set(routing, '$.offer', ?)
		WHERE id = (SELECT MAX(id) FROM conversation_routing WHERE conversation_id = ?)
		  AND json_extract(routing, '$.offer') = ?`, outcome, id, parley.OfferMade)
	if err != nil || outcome == parley.OfferAccepted {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE conversations SET offered_to = NULL, offer_expires_at = NULL WHERE id = ?`, id)
	return err
}

// AcceptOffer makes the conversation offered to userID theirs.
func (s *Store) AcceptOffer(ctx context.Context, conversationID, userID int64, now time.Time) (*parley.Conversation, error) {
	now = orNow(now)
	var c *parley.Conversation
	err := s.writeTracked(ctx, func(tx *wtx) error {
		cur, err := conversation(ctx, tx, conversationID)
		if err != nil {
			return err
		}
		if e := parley.OfferRefused(cur, userID, now); e != nil {
			return e
		}
		if err := endOffer(ctx, tx, conversationID, parley.OfferAccepted); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE conversations
			SET status = 'active', operator_id = ?, assigned_at = ?, offered_to = NULL, offer_expires_at = NULL
			WHERE id = ?`, userID, now.UnixMicro(), conversationID)
		if err != nil {
			return err
		}
		tx.live.drop(conversationID)
		if err := recordAssignment(ctx, tx, cur.ChannelID, userID, now); err != nil {
			return err
		}
		tx.a.assigned(conversationID, cur.ChannelID, userID, now)
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
	err := s.writeTracked(ctx, func(tx *wtx) error {
		cur, err := conversation(ctx, tx, conversationID)
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
		assigned, err = drainQueue(ctx, tx, cur.ChannelID, now, choose)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("decline offer of conversation %d: %w", conversationID, err)
	}
	return assigned, nil
}

// answeredOffer ends the operator's misses in a row: they accepted or declined an
// offer. The snapshot does not mirror users' misses: writing them only when there were
// any keeps it valid.
func answeredOffer(ctx context.Context, tx *wtx, userID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET offers_missed = 0 WHERE id = ? AND offers_missed <> 0`, userID)
	return err
}

// passOffer ends the offer of the conversation to the operator who missed or declined
// it, who is never offered it again.
func passOffer(ctx context.Context, tx *wtx, conversationID, userID int64, outcome string) error {
	if err := endOffer(ctx, tx, conversationID, outcome); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO offer_passes (conversation_id, operator_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		conversationID, userID)
	return err
}

// ExpireOffers takes the offers expired at now, in the one writer's transaction, so each
// is taken once.
func (s *Store) ExpireOffers(ctx context.Context, now time.Time, choose parley.Chooser) (*parley.OfferExpiry, error) {
	now = orNow(now)
	out := &parley.OfferExpiry{}
	// Most calls find nothing: a read on the pool says so without taking the writer.
	var due bool
	err := s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM conversations
		WHERE offered_to IS NOT NULL AND offer_expires_at <= ?)`, now.UnixMicro()).Scan(&due)
	if err != nil || !due {
		return out, err
	}
	// Untracked: the users' misses and aways are not mirrored by the snapshot.
	err = s.write(ctx, func(tx *wtx) error {
		out = &parley.OfferExpiry{}
		// Offers of conversations no longer queued (ended, given by hand) are only cleared.
		if _, err := tx.ExecContext(ctx, `UPDATE conversations SET offered_to = NULL, offer_expires_at = NULL
			WHERE offered_to IS NOT NULL AND status <> 'queued'`); err != nil {
			return err
		}
		missed, err := queryAll(ctx, tx, func(row scanner) (parley.MissedOffer, error) {
			var m parley.MissedOffer
			err := row.Scan(&m.ConversationID, &m.ChannelID, &m.OperatorID)
			return m, err
		}, `SELECT id, channel_id, offered_to FROM conversations
			WHERE offered_to IS NOT NULL AND offer_expires_at <= ? ORDER BY id`, now.UnixMicro())
		if err != nil {
			return err
		}
		var channels []int64
		for i := range missed {
			m := &missed[i]
			if err := passOffer(ctx, tx, m.ConversationID, m.OperatorID, parley.OfferMissed); err != nil {
				return err
			}
			var count int
			var awaySince sql.NullInt64
			err := tx.QueryRowContext(ctx, `UPDATE users SET offers_missed = offers_missed + 1,
				offers_away_since = CASE WHEN offers_missed + 1 >= ? THEN COALESCE(offers_away_since, ?) END
				WHERE id = ? RETURNING offers_missed, offers_away_since`,
				parley.MissedOffersAway, now.UnixMicro(), m.OperatorID).Scan(&count, &awaySince)
			if err != nil {
				return err
			}
			m.SetAway = count == parley.MissedOffersAway
			if !slices.Contains(channels, m.ChannelID) {
				channels = append(channels, m.ChannelID)
			}
		}
		out.Missed = missed
		for _, ch := range channels {
			assigned, err := drainQueue(ctx, tx, ch, now, choose)
			if err != nil {
				return err
			}
			out.Assigned = append(out.Assigned, assigned...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("expire offers: %w", err)
	}
	return out, nil
}

// Offers lists the offers standing for userID.
func (s *Store) Offers(ctx context.Context, userID int64, now time.Time) ([]*parley.Offer, bool, error) {
	now = orNow(now)
	var away bool
	err := s.read.QueryRowContext(ctx, `SELECT offers_away_since IS NOT NULL FROM users WHERE id = ?`, userID).Scan(&away)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, errUserNotFound(userID)
	} else if err != nil {
		return nil, false, fmt.Errorf("offers of user %d: %w", userID, err)
	}
	offers, err := queryAll(ctx, s.read, scanOffer, `
		SELECT c.id, c.channel_id, ch.name, v.name,
			EXISTS (SELECT 1 FROM visitor_identities vi WHERE vi.visitor_id = c.visitor_id AND vi.channel_id = c.channel_id),
			c.language, COALESCE((SELECT m.body FROM messages m WHERE m.conversation_id = c.id AND m.author_kind = 'visitor' ORDER BY m.seq LIMIT 1), ''),
			c.offer_expires_at, ch.offer_seconds
		FROM conversations c
		JOIN channels ch ON ch.id = c.channel_id
		JOIN visitors v ON v.id = c.visitor_id
		WHERE c.offered_to = ? AND c.status = 'queued' AND c.offer_expires_at > ?
		ORDER BY c.id`, userID, now.UnixMicro())
	if err != nil {
		return nil, false, fmt.Errorf("offers of user %d: %w", userID, err)
	}
	return offers, away, nil
}

func scanOffer(row scanner) (*parley.Offer, error) {
	var o parley.Offer
	var expires sql.NullInt64
	if err := row.Scan(&o.ConversationID, &o.ChannelID, &o.ChannelName, &o.Visitor.Name, &o.Visitor.Verified,
		&o.Language, &o.FirstMessage, &expires, &o.Seconds); err != nil {
		return nil, err
	}
	o.ExpiresAt = goTime(expires)
	return &o, nil
}

// OffersAway lists the operators set away for missed offers.
func (s *Store) OffersAway(ctx context.Context) ([]int64, error) {
	ids, err := queryIDs(ctx, s.read, `SELECT id FROM users WHERE offers_away_since IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("operators away for missed offers: %w", err)
	}
	return ids, nil
}

// Back clears the operator's away for missed offers.
func (s *Store) Back(ctx context.Context, userID int64) (bool, error) {
	var was bool
	err := s.write(ctx, func(tx *wtx) error {
		err := tx.QueryRowContext(ctx, `SELECT offers_away_since IS NOT NULL FROM users WHERE id = ?`, userID).Scan(&was)
		if errors.Is(err, sql.ErrNoRows) {
			return errUserNotFound(userID)
		} else if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET offers_missed = 0, offers_away_since = NULL WHERE id = ?`, userID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("back from missed offers, user %d: %w", userID, err)
	}
	return was, nil
}
