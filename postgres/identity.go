package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

var _ parley.IdentityStore = (*Store)(nil)

// SetIdentitySecret sets or removes the channel's identity secret.
func (s *Store) SetIdentitySecret(ctx context.Context, channelID int64, secret string, now time.Time) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM channels WHERE id = $1`, channelID).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return parley.Errorf(parley.ENOTFOUND, "Channel %d not found.", channelID)
		} else if err != nil {
			return err
		}
		if secret == "" {
			_, err := tx.Exec(ctx, `DELETE FROM channel_identity_secrets WHERE channel_id = $1`, channelID)
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO channel_identity_secrets (channel_id, secret, set_at) VALUES ($1, $2, $3)
			ON CONFLICT (channel_id) DO UPDATE SET secret = excluded.secret, set_at = excluded.set_at`,
			channelID, secret, orNow(now).UnixMicro())
		return err
	})
	if err != nil {
		return fmt.Errorf("set identity secret of channel %d: %w", channelID, err)
	}
	return nil
}

// IdentitySecret returns the channel's identity secret, "" when it has none.
func (s *Store) IdentitySecret(ctx context.Context, channelID int64) (string, time.Time, error) {
	var secret string
	var at *int64
	err := s.pool.QueryRow(ctx, `SELECT secret, set_at FROM channel_identity_secrets WHERE channel_id = $1`, channelID).Scan(&secret, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", time.Time{}, nil
	} else if err != nil {
		return "", time.Time{}, fmt.Errorf("get identity secret of channel %d: %w", channelID, err)
	}
	return secret, goTime(at), nil
}

// IdentifyVisitor links a browser to a verified identity (see parley.IdentityStore). Of
// two servers linking the same user at once, the identity's row decides: the second
// insert finds it and is refused, and the browser tries again.
func (s *Store) IdentifyVisitor(ctx context.Context, id parley.Identify) (*parley.Identified, error) {
	now := orNow(id.Now).UTC().Truncate(time.Microsecond)
	var out *parley.Identified
	err := s.write(ctx, func(tx pgx.Tx) error {
		out = nil
		if _, err := tx.Exec(ctx, `DELETE FROM identity_token_ids WHERE expires_at <= $1`, now.UnixMicro()); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO identity_token_ids (channel_id, jti, expires_at) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, id.ChannelID, id.JTI, id.Expires.UnixMicro())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return parley.ErrIdentityReplayed
		}
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM channels WHERE id = $1`, id.ChannelID).Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return parley.Errorf(parley.ENOTFOUND, "Channel %d not found.", id.ChannelID)
		} else if err != nil {
			return err
		}
		res := &parley.Identified{}
		var known int64
		err = tx.QueryRow(ctx, `SELECT visitor_id FROM visitor_identities WHERE channel_id = $1 AND user_id = $2 FOR UPDATE`,
			id.ChannelID, id.UserID).Scan(&known)
		switch {
		case err == nil:
			if known != id.VisitorID {
				if _, err := tx.Exec(ctx, `INSERT INTO visitor_device_tokens (token_hash, visitor_id, created_at) VALUES ($1, $2, $3)`,
					id.TokenHash, known, now.UnixMicro()); err != nil {
					return err
				}
				res.TokenUsed = true
			}
		case errors.Is(err, pgx.ErrNoRows):
			// The browser's visitor becomes the user's, unless it is another user's here.
			known = id.VisitorID
			if known != 0 {
				var other string
				err := tx.QueryRow(ctx, `SELECT user_id FROM visitor_identities WHERE channel_id = $1 AND visitor_id = $2`,
					id.ChannelID, known).Scan(&other)
				if err == nil {
					known = 0
				} else if !errors.Is(err, pgx.ErrNoRows) {
					return err
				}
			}
			if known == 0 {
				v := &parley.Visitor{Name: id.Name, CreatedAt: now}
				if err := insertVisitor(ctx, tx, v, id.TokenHash); err != nil {
					return err
				}
				known = v.ID
				res.TokenUsed = true
			}
			tag, err := tx.Exec(ctx, `INSERT INTO visitor_identities (channel_id, user_id, visitor_id, verified_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT DO NOTHING`, id.ChannelID, id.UserID, known, now.UnixMicro())
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return parley.Errorf(parley.ECONFLICT, "This user was identified at the same moment elsewhere; try again.")
			}
		default:
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE visitor_identities SET name = $1, email = $2, verified_at = $3 WHERE channel_id = $4 AND user_id = $5`,
			id.Name, id.Email, now.UnixMicro(), id.ChannelID, id.UserID); err != nil {
			return err
		}
		if id.Name != "" {
			if _, err := tx.Exec(ctx, `UPDATE visitors SET name = $1 WHERE id = $2`, id.Name, known); err != nil {
				return err
			}
		}
		res.Identity = &parley.VisitorIdentity{ChannelID: id.ChannelID, UserID: id.UserID, VisitorID: known,
			Name: id.Name, Email: id.Email, VerifiedAt: now}
		out = res
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("identify visitor in channel %d: %w", id.ChannelID, err)
	}
	return out, nil
}

// VisitorIdentities lists the visitor's identities, newest verified first.
func (s *Store) VisitorIdentities(ctx context.Context, visitorID int64) ([]*parley.VisitorIdentity, error) {
	list, err := queryAll(ctx, s.pool, func(row scanner) (*parley.VisitorIdentity, error) {
		var vi parley.VisitorIdentity
		var at *int64
		if err := row.Scan(&vi.ChannelID, &vi.UserID, &vi.VisitorID, &vi.Name, &vi.Email, &at); err != nil {
			return nil, err
		}
		vi.VerifiedAt = goTime(at)
		return &vi, nil
	}, `SELECT channel_id, user_id, visitor_id, name, email, verified_at FROM visitor_identities
		WHERE visitor_id = $1 ORDER BY verified_at DESC, channel_id`, visitorID)
	if err != nil {
		return nil, fmt.Errorf("list identities of visitor %d: %w", visitorID, err)
	}
	return list, nil
}

// VisitorByDeviceToken finds the visitor of a token handed by IdentifyVisitor.
func (s *Store) VisitorByDeviceToken(ctx context.Context, tokenHash []byte) (*parley.Visitor, error) {
	var v parley.Visitor
	var created *int64
	err := s.pool.QueryRow(ctx, `SELECT v.id, v.name, v.created_at FROM visitor_device_tokens t
		JOIN visitors v ON v.id = t.visitor_id WHERE t.token_hash = $1`, tokenHash).Scan(&v.ID, &v.Name, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "Visitor not found.")
	} else if err != nil {
		return nil, fmt.Errorf("get visitor by device token: %w", err)
	}
	v.CreatedAt = goTime(created)
	return &v, nil
}
