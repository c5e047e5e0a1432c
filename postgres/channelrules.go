package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/parleychat/parley"
)

// ChannelRules reads the channel's rules and hours (one row of channel_rules, if any).
func (s *Store) ChannelRules(ctx context.Context, channelID int64) (*parley.ChannelRules, error) {
	var rules, hours *string
	err := s.pool.QueryRow(ctx, `SELECT r.rules, r.hours FROM channels c
		LEFT JOIN channel_rules r ON r.channel_id = c.id WHERE c.id = $1`, channelID).Scan(&rules, &hours)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "Channel %d not found.", channelID)
	}
	if err != nil {
		return nil, fmt.Errorf("channel rules of %d: %w", channelID, err)
	}
	var r, h string
	if rules != nil {
		r = *rules
	}
	if hours != nil {
		h = *hours
	}
	return parley.DecodeChannelRules(r, h)
}

// SetChannelRules replaces the channel's rules.
func (s *Store) SetChannelRules(ctx context.Context, channelID int64, rules []parley.ChannelRule) error {
	b, err := json.Marshal(rules)
	if err != nil {
		return err
	}
	return s.setChannelRulesColumn(ctx, channelID, "rules", string(b))
}

// SetChannelHours replaces the channel's business hours.
func (s *Store) SetChannelHours(ctx context.Context, channelID int64, h *parley.BusinessHours) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return s.setChannelRulesColumn(ctx, channelID, "hours", string(b))
}

func (s *Store) setChannelRulesColumn(ctx context.Context, channelID int64, column, value string) error {
	// The INSERT … SELECT writes nothing for an unknown channel.
	tag, err := s.pool.Exec(ctx, `INSERT INTO channel_rules (channel_id, `+column+`) SELECT id, $2 FROM channels WHERE id = $1
		ON CONFLICT (channel_id) DO UPDATE SET `+column+` = excluded.`+column, channelID, value)
	if err != nil {
		return fmt.Errorf("set channel %s of %d: %w", column, channelID, err)
	}
	if tag.RowsAffected() == 0 {
		return parley.Errorf(parley.ENOTFOUND, "Channel %d not found.", channelID)
	}
	return nil
}
