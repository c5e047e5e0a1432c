package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleychat/parley"
)

// ChatbotScript reads the channel's chatbot script (one row of chatbot_scripts, if any).
func (s *Store) ChatbotScript(ctx context.Context, channelID int64) (*parley.ChatbotScript, error) {
	var doc *string
	err := s.pool.QueryRow(ctx, `SELECT b.script FROM channels c
		LEFT JOIN chatbot_scripts b ON b.channel_id = c.id WHERE c.id = $1`, channelID).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errChannelNotFound(channelID)
	}
	if err != nil {
		return nil, fmt.Errorf("chatbot script of channel %d: %w", channelID, err)
	}
	script := &parley.ChatbotScript{}
	if doc != nil {
		if err := json.Unmarshal([]byte(*doc), script); err != nil {
			return nil, fmt.Errorf("decode chatbot script of channel %d: %w", channelID, err)
		}
	}
	if script.Steps == nil {
		script.Steps = []parley.ScriptStep{}
	}
	return script, nil
}

// SetChatbotScript replaces the channel's chatbot script.
func (s *Store) SetChatbotScript(ctx context.Context, channelID int64, script *parley.ChatbotScript) error {
	b, err := json.Marshal(script)
	if err != nil {
		return err
	}
	// The INSERT … SELECT writes nothing for an unknown channel.
	tag, err := s.pool.Exec(ctx, `INSERT INTO chatbot_scripts (channel_id, script) SELECT id, $2 FROM channels WHERE id = $1
		ON CONFLICT (channel_id) DO UPDATE SET script = excluded.script`, channelID, string(b))
	if err != nil {
		return fmt.Errorf("set chatbot script of channel %d: %w", channelID, err)
	}
	if tag.RowsAffected() == 0 {
		return errChannelNotFound(channelID)
	}
	return nil
}

// DeleteChatbotScript forgets the channel's chatbot script.
func (s *Store) DeleteChatbotScript(ctx context.Context, channelID int64) error {
	if err := channelExists(ctx, s.pool, channelID); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM chatbot_scripts WHERE channel_id = $1`, channelID); err != nil {
		return fmt.Errorf("delete chatbot script of channel %d: %w", channelID, err)
	}
	return nil
}

// chatbotAnswerRef is an answer as conversation_chatbot keeps it: its message and question.
type chatbotAnswerRef struct {
	Seq      int64  `json:"seq"`
	Question string `json:"question"`
}

// ChatbotAnswers lists the visitor's answers to the bot in a conversation.
func (s *Store) ChatbotAnswers(ctx context.Context, conversationID int64) ([]parley.ChatbotAnswer, error) {
	if err := conversationExists(ctx, s.pool, conversationID); err != nil {
		return nil, err
	}
	var doc string
	err := s.pool.QueryRow(ctx, `SELECT answers FROM conversation_chatbot WHERE conversation_id = $1`, conversationID).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return []parley.ChatbotAnswer{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("chatbot answers of conversation %d: %w", conversationID, err)
	}
	var refs []chatbotAnswerRef
	if err := json.Unmarshal([]byte(doc), &refs); err != nil {
		return nil, fmt.Errorf("decode chatbot answers of conversation %d: %w", conversationID, err)
	}
	out := []parley.ChatbotAnswer{}
	for _, r := range refs {
		var body string
		err := s.pool.QueryRow(ctx, `SELECT body FROM messages WHERE conversation_id = $1 AND seq = $2`, conversationID, r.Seq).Scan(&body)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // erased
		} else if err != nil {
			return nil, fmt.Errorf("chatbot answers of conversation %d: %w", conversationID, err)
		}
		out = append(out, parley.ChatbotAnswer{Seq: r.Seq, Question: r.Question, Answer: body})
	}
	return out, nil
}

// insertChatbotExchange stores the bot's exchange as the opening messages of a new
// conversation (seq 1, 2, …; the conversation's row counts them already), the bot's and
// the visitor's, and records which answered what, in the start's transaction. It
// returns the seq the first message takes.
func insertChatbotExchange(ctx context.Context, tx pgx.Tx, conversationID int64, x *parley.ChatbotExchange, visitorName string, now time.Time) (int64, error) {
	if x == nil {
		return 1, nil
	}
	refs := []chatbotAnswerRef{}
	seq := int64(0)
	for _, l := range x.Lines {
		seq++
		author := parley.Author{Kind: parley.AuthorVisitor, Name: visitorName}
		if l.Bot {
			author = parley.Author{Kind: parley.AuthorBot, Name: x.BotName}
		} else {
			refs = append(refs, chatbotAnswerRef{Seq: seq, Question: l.Question})
		}
		m := &parley.Message{ConversationID: conversationID, Seq: seq, Author: author, Body: l.Text, CreatedAt: now.UTC().Truncate(time.Microsecond)}
		if err := insertMessage(ctx, tx, m); err != nil {
			return 0, err
		}
	}
	if x.BodyQuestion != "" {
		refs = append(refs, chatbotAnswerRef{Seq: seq + 1, Question: x.BodyQuestion})
	}
	b, err := json.Marshal(refs)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO conversation_chatbot (conversation_id, answers) VALUES ($1, $2)`, conversationID, string(b)); err != nil {
		return 0, err
	}
	return seq + 1, nil
}
