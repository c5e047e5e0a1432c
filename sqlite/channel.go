package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/parleychat/parley"
)

const channelColumns = `id, name, button_text, welcome_message, max_ongoing_per_operator, created_at, button_color, button_text_color, allowed_origins, offer_seconds`

func scanChannel(row scanner) (*parley.Channel, error) {
	var ch parley.Channel
	var created sql.NullInt64
	var origins string
	if err := row.Scan(&ch.ID, &ch.Name, &ch.ButtonText, &ch.WelcomeMessage, &ch.MaxOngoingPerOperator, &created, &ch.ButtonColor, &ch.ButtonTextColor, &origins, &ch.OfferSeconds); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(origins), &ch.AllowedOrigins); err != nil {
		return nil, fmt.Errorf("allowed origins of channel %d: %w", ch.ID, err)
	}
	if ch.AllowedOrigins == nil {
		ch.AllowedOrigins = []string{}
	}
	ch.CreatedAt = goTime(created)
	return &ch, nil
}

// CreateChannel adds ch and sets its ID, and its CreatedAt when zero.
func (s *Store) CreateChannel(ctx context.Context, ch *parley.Channel) error {
	ch.CreatedAt = orNow(ch.CreatedAt).UTC().Truncate(time.Microsecond)
	res, err := s.exec(ctx, `
		INSERT INTO channels (name, button_text, welcome_message, max_ongoing_per_operator, created_at, button_color, button_text_color, allowed_origins, offer_seconds)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ch.Name, ch.ButtonText, ch.WelcomeMessage, ch.MaxOngoingPerOperator, dbTime(ch.CreatedAt), ch.ButtonColor, ch.ButtonTextColor, jsonList(ch.AllowedOrigins), ch.OfferSeconds)
	if err != nil {
		return fmt.Errorf("create channel %q: %w", ch.Name, err)
	}
	if ch.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create channel %q: %w", ch.Name, err)
	}
	return nil
}

// UpdateChannel changes the channel's fields that upd sets.
func (s *Store) UpdateChannel(ctx context.Context, id int64, upd parley.ChannelUpdate) (*parley.Channel, error) {
	var ch *parley.Channel
	err := s.write(ctx, func(tx *wtx) error {
		if err := channelExists(ctx, tx, id); err != nil {
			return err
		}
		var origins *string
		if upd.AllowedOrigins != nil {
			s := jsonList(*upd.AllowedOrigins)
			origins = &s
		}
		changes := []struct {
			column string
			value  any
		}{
			{"name", upd.Name},
			{"button_text", upd.ButtonText},
			{"welcome_message", upd.WelcomeMessage},
			{"max_ongoing_per_operator", upd.MaxOngoingPerOperator},
			{"button_color", upd.ButtonColor},
			{"button_text_color", upd.ButtonTextColor},
			{"allowed_origins", origins},
			{"offer_seconds", upd.OfferSeconds},
		}
		for _, c := range changes {
			if reflect.ValueOf(c.value).IsNil() {
				continue
			}
			v := reflect.ValueOf(c.value).Elem().Interface()
			if _, err := tx.ExecContext(ctx, `UPDATE channels SET `+c.column+` = ? WHERE id = ?`, v, id); err != nil {
				return err
			}
		}
		if err := setChannelTexts(ctx, tx, id, upd.Texts); err != nil {
			return err
		}
		var err error
		ch, err = channel(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update channel %d: %w", id, err)
	}
	return ch, nil
}

// Channel returns the channel with the id.
func (s *Store) Channel(ctx context.Context, id int64) (*parley.Channel, error) {
	ch, err := channel(ctx, s.read, id)
	if err != nil {
		return nil, fmt.Errorf("get channel %d: %w", id, err)
	}
	return ch, nil
}

func channel(ctx context.Context, q querier, id int64) (*parley.Channel, error) {
	ch, err := scanChannel(q.QueryRowContext(ctx, `SELECT `+channelColumns+` FROM channels WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errChannelNotFound(id)
	}
	return ch, err
}

// Channels lists every channel by id.
func (s *Store) Channels(ctx context.Context) ([]*parley.Channel, error) {
	channels, err := queryAll(ctx, s.read, scanChannel, `SELECT `+channelColumns+` FROM channels ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	return channels, nil
}

// ChannelMembers lists the users who joined the channel, by id.
func (s *Store) ChannelMembers(ctx context.Context, channelID int64) ([]*parley.User, error) {
	if err := channelExists(ctx, s.read, channelID); err != nil {
		return nil, fmt.Errorf("list members of channel %d: %w", channelID, err)
	}
	users, err := queryUsers(ctx, s.read, `
		SELECT `+userColumns+` FROM channel_members m JOIN users u ON u.id = m.user_id
		WHERE m.channel_id = ? ORDER BY u.id`, channelID)
	if err != nil {
		return nil, fmt.Errorf("list members of channel %d: %w", channelID, err)
	}
	return users, nil
}

// UserChannels lists the ids of the channels the user joined.
func (s *Store) UserChannels(ctx context.Context, userID int64) ([]int64, error) {
	ids, err := queryIDs(ctx, s.read, `SELECT channel_id FROM channel_members WHERE user_id = ? ORDER BY channel_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list channels of user %d: %w", userID, err)
	}
	return ids, nil
}

// Members lists every user who joined at least one channel.
func (s *Store) Members(ctx context.Context) ([]int64, error) {
	ids, err := queryIDs(ctx, s.read, `SELECT DISTINCT user_id FROM channel_members ORDER BY user_id`)
	if err != nil {
		return nil, fmt.Errorf("list channel members: %w", err)
	}
	return ids, nil
}

func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// JoinChannel makes the user a member of the channel; joining twice changes nothing.
func (s *Store) JoinChannel(ctx context.Context, channelID, userID int64) error {
	err := s.write(ctx, func(tx *wtx) error {
		if err := channelExists(ctx, tx, channelID); err != nil {
			return err
		}
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		// Leaving deletes the membership, but not the history: an operator who comes
		// back is as recently assigned as their last conversation of the channel says,
		// so that leaving and joining again does not jump the fairness order.
		_, err := tx.ExecContext(ctx, `
			INSERT INTO channel_members (channel_id, user_id, joined_at, last_assigned_at)
			VALUES (?1, ?2, ?3, (SELECT MAX(assigned_at) FROM conversations WHERE channel_id = ?1 AND operator_id = ?2))
			ON CONFLICT (channel_id, user_id) DO NOTHING`,
			channelID, userID, time.Now().UnixMicro())
		return err
	})
	if err != nil {
		return fmt.Errorf("join channel %d as user %d: %w", channelID, userID, err)
	}
	return nil
}

// LeaveChannel ends the user's membership of the channel; leaving a channel not joined
// changes nothing.
func (s *Store) LeaveChannel(ctx context.Context, channelID, userID int64) error {
	err := s.write(ctx, func(tx *wtx) error {
		if err := channelExists(ctx, tx, channelID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM channel_members WHERE channel_id = ? AND user_id = ?`, channelID, userID); err != nil {
			return err
		}
		// Their offers in it go with them: no longer theirs to accept, nor a miss.
		_, err := tx.ExecContext(ctx, `UPDATE conversations SET offered_to = NULL, offer_expires_at = NULL
			WHERE offered_to = ? AND channel_id = ? AND status = 'queued'`, userID, channelID)
		return err
	})
	if err != nil {
		return fmt.Errorf("leave channel %d as user %d: %w", channelID, userID, err)
	}
	return nil
}
