package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

const channelColumns = `id, name, button_text, welcome_message, max_ongoing_per_operator, created_at, button_color, button_text_color, allowed_origins, offer_seconds`

func scanChannel(row scanner) (*parley.Channel, error) {
	var ch parley.Channel
	var created *int64
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
	err := s.pool.QueryRow(ctx, `
		INSERT INTO channels (name, button_text, welcome_message, max_ongoing_per_operator, created_at, button_color, button_text_color, allowed_origins, offer_seconds)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		ch.Name, ch.ButtonText, ch.WelcomeMessage, ch.MaxOngoingPerOperator, dbTime(ch.CreatedAt), ch.ButtonColor, ch.ButtonTextColor, jsonList(ch.AllowedOrigins), ch.OfferSeconds).Scan(&ch.ID)
	if err != nil {
		return fmt.Errorf("create channel %q: %w", ch.Name, err)
	}
	return nil
}

// UpdateChannel changes the channel's fields that upd sets.
func (s *Store) UpdateChannel(ctx context.Context, id int64, upd parley.ChannelUpdate) (*parley.Channel, error) {
	var ch *parley.Channel
	err := s.write(ctx, func(tx pgx.Tx) error {
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
			if _, err := tx.Exec(ctx, `UPDATE channels SET `+c.column+` = $1 WHERE id = $2`, v, id); err != nil {
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
	ch, err := channel(ctx, s.pool, id)
	if err != nil {
		return nil, fmt.Errorf("get channel %d: %w", id, err)
	}
	return ch, nil
}

func channel(ctx context.Context, q querier, id int64) (*parley.Channel, error) {
	ch, err := scanChannel(q.QueryRow(ctx, `SELECT `+channelColumns+` FROM channels WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errChannelNotFound(id)
	}
	return ch, err
}

// Channels lists every channel by id.
func (s *Store) Channels(ctx context.Context) ([]*parley.Channel, error) {
	channels, err := queryAll(ctx, s.pool, scanChannel, `SELECT `+channelColumns+` FROM channels ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	return channels, nil
}

// ChannelMembers lists the users who joined the channel, by id.
func (s *Store) ChannelMembers(ctx context.Context, channelID int64) ([]*parley.User, error) {
	if err := channelExists(ctx, s.pool, channelID); err != nil {
		return nil, fmt.Errorf("list members of channel %d: %w", channelID, err)
	}
	users, err := queryUsers(ctx, s.pool, `
		SELECT `+userColumns+` FROM channel_members m JOIN users u ON u.id = m.user_id
		WHERE m.channel_id = $1 ORDER BY u.id`, channelID)
	if err != nil {
		return nil, fmt.Errorf("list members of channel %d: %w", channelID, err)
	}
	return users, nil
}

// UserChannels lists the ids of the channels the user joined.
func (s *Store) UserChannels(ctx context.Context, userID int64) ([]int64, error) {
	ids, err := queryIDs(ctx, s.pool, `SELECT channel_id FROM channel_members WHERE user_id = $1 ORDER BY channel_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list channels of user %d: %w", userID, err)
	}
	return ids, nil
}

// Members lists every user who joined at least one channel.
func (s *Store) Members(ctx context.Context) ([]int64, error) {
	ids, err := queryIDs(ctx, s.pool, `SELECT DISTINCT user_id FROM channel_members ORDER BY user_id`)
	if err != nil {
		return nil, fmt.Errorf("list channel members: %w", err)
	}
	return ids, nil
}

// JoinChannel makes the user a member of the channel; joining twice changes nothing.
func (s *Store) JoinChannel(ctx context.Context, channelID, userID int64) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := channelExists(ctx, tx, channelID); err != nil {
			return err
		}
		if err := userExists(ctx, tx, userID); err != nil {
			return err
		}
		// Leaving deletes the membership, but not the history: an operator who comes
		// back is as recently assigned as their last conversation of the channel says,
		// so that leaving and joining again does not jump the fairness order.
		_, err := tx.Exec(ctx, `
			INSERT INTO channel_members (channel_id, user_id, joined_at, last_assigned_at)
			VALUES ($1, $2, $3, (SELECT MAX(assigned_at) FROM conversations WHERE channel_id = $1 AND operator_id = $2))
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
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := channelExists(ctx, tx, channelID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM channel_members WHERE channel_id = $1 AND user_id = $2`, channelID, userID); err != nil {
			return err
		}
		// Their offers in it go with them: no longer theirs to accept, nor a miss.
		return withdrawOffers(ctx, tx, userID, channelID)
	})
	if err != nil {
		return fmt.Errorf("leave channel %d as user %d: %w", channelID, userID, err)
	}
	return nil
}
