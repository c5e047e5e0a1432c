package chat

import (
	"context"
	"sync"
	"time"

	"github.com/parleychat/parley"
)

// OperatorConversations lists the caller's conversations, newest activity first.
func (s *Service) OperatorConversations(ctx context.Context, actor *parley.User) ([]*parley.OperatorConversation, error) {
	sums, err := s.store.OperatorConversations(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*parley.OperatorConversation, len(sums))
	for i, sum := range sums {
		out[i] = sum.ForOperator()
	}
	return out, nil
}

// visible loads a conversation the operator may read: one assigned to them, one of a
// channel they joined, or any for a supervisor or an admin.
func (s *Service) visible(ctx context.Context, actor *parley.User, id int64) (*parley.Conversation, error) {
	c, err := s.store.Conversation(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.OperatorID == actor.ID || actor.CanSupervise() {
		return c, nil
	}
	channels, err := s.store.UserChannels(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	for _, ch := range channels {
		if ch == c.ChannelID {
			return c, nil
		}
	}
	return nil, parley.Errorf(parley.EFORBIDDEN, "Conversation %d is not yours.", id)
}

// own loads a conversation assigned to the operator: only they write in it.
func (s *Service) own(ctx context.Context, actor *parley.User, id int64) (*parley.Conversation, error) {
	c, err := s.visible(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if c.OperatorID != actor.ID {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Conversation %d is assigned to another operator.", id)
	}
	return c, nil
}

// OperatorConversation returns one conversation as the caller sees it.
func (s *Service) OperatorConversation(ctx context.Context, actor *parley.User, id int64) (*parley.OperatorConversation, error) {
	if _, err := s.visible(ctx, actor, id); err != nil {
		return nil, err
	}
	sum, err := s.store.ConversationSummary(ctx, actor.ID, id)
	if err != nil {
		return nil, err
	}
	return sum.ForOperator(), nil
}

// MaxMessagesPage is the most messages one request returns; a client pages with ?after=.
const MaxMessagesPage = 1000

// OperatorMessages returns the messages after seq of a conversation the caller may read.
func (s *Service) OperatorMessages(ctx context.Context, actor *parley.User, id, after int64) ([]*parley.Message, error) {
	if _, err := s.visible(ctx, actor, id); err != nil {
		return nil, err
	}
	list, err := s.store.Messages(ctx, id, after, MaxMessagesPage)
	return withFileURLs(list, "/api/files/"), err
}

// SendOperatorMessage adds the caller's message to a conversation assigned to them. A
// message resent with the same clientID is not stored twice: created is false.
func (s *Service) SendOperatorMessage(ctx context.Context, actor *parley.User, id int64, body, clientID string) (m *parley.Message, created bool, err error) {
	if err := validateMessage(body, clientID); err != nil {
		return nil, false, err
	}
	r, err := s.ownRoute(ctx, actor, id)
	if err != nil {
		return nil, false, err
	}
	s.Activity(ctx, actor.ID)
	author := parley.Author{Kind: parley.AuthorOperator, Name: actor.DisplayName(), ID: actor.ID}
	return s.addMessage(ctx, r, parley.NewMessage{ConversationID: r.ID, Author: author, Body: body, ClientID: clientID})
}

func validateMessage(body, clientID string) error {
	if err := parley.ValidateBody(body); err != nil {
		return err
	}
	return parley.ValidateClientID(clientID)
}

// addMessage stores a message and, when it is new, tells both sides.
func (s *Service) addMessage(ctx context.Context, r route, nm parley.NewMessage) (*parley.Message, bool, error) {
	nm.Now = s.now()
	m, created, err := s.store.AddMessage(ctx, nm)
	if parley.ErrorCode(err) == parley.ECONFLICT {
		s.routes.delete(r.ID) // it has ended
	}
	if err != nil {
		return nil, false, err
	}
	if created {
		s.publishMessage(ctx, r, m)
	}
	return m, created, nil
}

// MarkRead records that the caller read the conversation up to seq.
func (s *Service) MarkRead(ctx context.Context, actor *parley.User, id, seq int64) error {
	if seq < 0 {
		return parley.Errorf(parley.EINVALID, "Seq must not be negative.")
	}
	c, err := s.visible(ctx, actor, id)
	if err != nil {
		return err
	}
	// The visitor learns how far their operator has read (seen.go); others' reads are
	// theirs alone.
	before := int64(-1)
	if c.OperatorID == actor.ID {
		if before, err = s.store.OperatorReadSeq(ctx, id); err != nil {
			return err
		}
	}
	if err := s.store.MarkRead(ctx, actor.ID, id, seq); err != nil {
		return err
	}
	// The caller's other consoles update their unread counts.
	if sum, err := s.store.ConversationSummary(ctx, actor.ID, id); err == nil {
		s.publishUser(ctx, actor.ID, &parley.Event{Type: parley.EventConversation, Conversation: sum.ForOperator()})
	}
	if before >= 0 {
		s.publishRead(ctx, c, before)
	}
	return nil
}

// EndByOperator ends a conversation assigned to the caller (or any, for an admin).
func (s *Service) EndByOperator(ctx context.Context, actor *parley.User, id int64) (*parley.OperatorConversation, error) {
	c, err := s.visible(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if c.OperatorID != actor.ID && !actor.IsAdmin() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Conversation %d is assigned to another operator.", id)
	}
	s.Activity(ctx, actor.ID)
	if err := s.end(ctx, c, parley.OperatorLeftMessage, actor.ID); err != nil {
		return nil, err
	}
	sum, err := s.store.ConversationSummary(ctx, actor.ID, id)
	if err != nil {
		return nil, err
	}
	return sum.ForOperator(), nil
}

// end ends c with a system notice, tells both sides, and lets the queue move on. The
// operator who ended it (endedBy, 0 for the visitor) has read the notice.
func (s *Service) end(ctx context.Context, c *parley.Conversation, notice string, endedBy int64) error {
	ended, m, err := s.store.EndConversation(ctx, c.ID, notice, s.now())
	if err != nil {
		s.routes.delete(c.ID)
		return err
	}
	s.invalidate(ctx, parley.CacheNotice{Ended: []int64{c.ID}})
	if endedBy != 0 && m != nil {
		if err := s.store.MarkRead(ctx, endedBy, c.ID, m.Seq); err != nil {
			return err
		}
	}
	if m != nil {
		s.publishMessage(ctx, routeOf(ended), m)
	}
	s.publishConversation(ctx, ended)
	s.withdrawOffer(ctx, c) // offers.go
	if c.Status == parley.StatusQueued {
		s.publishQueue(ctx, ended.ChannelID) // everyone behind moves up
	}
	s.drain(ctx, ended.ChannelID)
	return nil
}

// OperatorTyping tells the visitor that the operator is typing.
func (s *Service) OperatorTyping(ctx context.Context, actor *parley.User, id int64) error {
	r, err := s.ownRoute(ctx, actor, id)
	if err != nil {
		return err
	}
	if !r.Active || !s.typing.pass(id, parley.AuthorOperator, s.now()) {
		return nil
	}
	s.publishVisitor(ctx, r.VisitorID, &parley.Event{Type: parley.EventTyping, ConversationID: r.ID, Name: actor.DisplayName()})
	return nil
}

// OfflineMessages is in inbox.go.

// TypingInterval is the least time between two typing events of one side of a
// conversation: the widget and the console send a typing frame every two seconds at
// most, and show "is typing…" for three, so a person is never held back, while a client
// sending frames as fast as its sockets allow reaches the other side once a second.
const TypingInterval = time.Second

// typingGate coalesces typing notices: one per conversation and side per TypingInterval
// passes, the others are dropped. Its zero value is ready.
type typingGate struct {
	mu     sync.Mutex
	last   map[typingKey]time.Time
	pruned int // len(last) after the last prune
}

type typingKey struct {
	conversationID int64
	side           parley.AuthorKind
}

// pass reports whether a typing notice of side in the conversation goes out now.
func (g *typingGate) pass(conversationID int64, side parley.AuthorKind, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.last == nil {
		g.last = make(map[typingKey]time.Time)
	}
	k := typingKey{conversationID, side}
	if t, ok := g.last[k]; ok && now.Sub(t) < TypingInterval {
		return false
	}
	g.last[k] = now
	// Forget the conversations nobody typed in lately whenever the map has doubled, so
	// it stays as large as the conversations typed in within an interval, at amortized
	// constant cost.
	if len(g.last) >= 2*max(g.pruned, 512) {
		for k, t := range g.last {
			if now.Sub(t) >= TypingInterval {
				delete(g.last, k)
			}
		}
		g.pruned = len(g.last)
	}
	return true
}
