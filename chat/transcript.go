package chat

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleychat/parley"
)

// Transcripts: a conversation as a file to download, for whoever may read it, or sent
// by email to the visitor who asks for it.

// transcript gathers the conversation's every message.
func (s *Service) transcript(ctx context.Context, c *parley.Conversation) (*parley.Transcript, error) {
	ch, err := s.store.Channel(ctx, c.ChannelID)
	if err != nil {
		return nil, err
	}
	t := &parley.Transcript{ConversationID: c.ID, ChannelName: ch.Name, VisitorName: c.VisitorName,
		Language: c.Language, StartedAt: c.CreatedAt, EndedAt: c.EndedAt}
	for after := int64(0); ; {
		page, err := s.store.Messages(ctx, c.ID, after, MaxMessagesPage)
		if err != nil {
			return nil, err
		}
		t.Messages = append(t.Messages, page...)
		if len(page) < MaxMessagesPage {
			return t, nil
		}
		after = page[len(page)-1].Seq
	}
}

// OperatorTranscript is the transcript of a conversation the user may read.
func (s *Service) OperatorTranscript(ctx context.Context, actor *parley.User, id int64) (*parley.Transcript, error) {
	c, err := s.visible(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.transcript(ctx, c)
}

// VisitorTranscript is the transcript of one of the visitor's conversations.
func (s *Service) VisitorTranscript(ctx context.Context, v *parley.Visitor, id int64) (*parley.Transcript, error) {
	c, err := s.visitorConversation(ctx, v, id)
	if err != nil {
		return nil, err
	}
	return s.transcript(ctx, c)
}

// EmailTranscript sends the transcript of one of the visitor's conversations to the
// address they give, as text with an HTML alternative. It is refused when this server
// sends no email; the email goes in the background.
func (s *Service) EmailTranscript(ctx context.Context, v *parley.Visitor, id int64, email string) error {
	email = strings.TrimSpace(email)
	if err := validEmail("Email", email); err != nil {
		return err
	}
	c, err := s.visitorConversation(ctx, v, id)
	if err != nil {
		return err
	}
	if s.mailer == nil {
		return ErrNoEmail
	}
	t, err := s.transcript(ctx, c)
	if err != nil {
		return err
	}
	page, err := t.HTML()
	if err != nil {
		return err
	}
	s.sendMail(ctx, "transcript", parley.Email{
		To:      []string{email},
		Subject: fmt.Sprintf("Your conversation with %s", t.ChannelName),
		Text:    t.Text(),
		HTML:    page,
	})
	return nil
}
