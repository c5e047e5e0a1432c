package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley"
)

// ChannelTexts lists the channel's texts by language.
func (s *Store) ChannelTexts(ctx context.Context, channelID int64) (map[string]parley.ChannelText, error) {
	rows, err := s.pool.Query(ctx, `SELECT language, button_text, welcome_message FROM channel_texts WHERE channel_id = $1`, channelID)
	if err != nil {
		return nil, fmt.Errorf("channel texts of %d: %w", channelID, err)
	}
	defer rows.Close()
	texts := map[string]parley.ChannelText{}
	for rows.Next() {
		var lang string
		var t parley.ChannelText
		if err := rows.Scan(&lang, &t.ButtonText, &t.WelcomeMessage); err != nil {
			return nil, fmt.Errorf("channel texts of %d: %w", channelID, err)
		}
		texts[lang] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("channel texts of %d: %w", channelID, err)
	}
	return texts, nil
}

// setChannelTexts writes the texts of the languages named, in UpdateChannel's
// transaction; a language with no text has its row removed.
func setChannelTexts(ctx context.Context, tx pgx.Tx, channelID int64, texts map[string]parley.ChannelText) error {
	for lang, t := range texts {
		var err error
		if t.Empty() {
			_, err = tx.Exec(ctx, `DELETE FROM channel_texts WHERE channel_id = $1 AND language = $2`, channelID, lang)
		} else {
			_, err = tx.Exec(ctx, `
				INSERT INTO channel_texts (channel_id, language, button_text, welcome_message) VALUES ($1, $2, $3, $4)
				ON CONFLICT (channel_id, language) DO UPDATE SET button_text = $3, welcome_message = $4`,
				channelID, lang, t.ButtonText, t.WelcomeMessage)
		}
		if err != nil {
			return fmt.Errorf("texts in %s: %w", lang, err)
		}
	}
	return nil
}
