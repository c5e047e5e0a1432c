package chat

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/parleychat/parley"
)

// Live is the live view's snapshot (GET /api/live): every operator with their presence
// and load, every queued conversation and every active one.
type Live struct {
	// Now is the server's time of the snapshot: the console counts waits from it, so
	// that a wrong clock in the browser shows no wrong wait.
	Now time.Time `json:"now"`
	// OngoingWindowSeconds is how recent a conversation's last activity must be for it
	// to count as ongoing (towards its operator's load and the cap).
	OngoingWindowSeconds int                            `json:"ongoing_window_seconds"`
	Channels             []LiveChannel                  `json:"channels"`
	Operators            []*parley.LiveOperator         `json:"operators"`
	Queued               []*parley.LiveConversationView `json:"queued"`
	Active               []*parley.LiveConversationView `json:"active"`
}

// LiveChannel is a channel as the live view names it, with its cap.
type LiveChannel struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Queue int    `json:"queued"` // conversations waiting in it
	Cap   int    `json:"max_ongoing_per_operator"`
}

// Live returns the live view (supervisors and admins). It lists every enabled operator
// (role operator), and every enabled supervisor or admin who joined a channel; anyone
// who holds an active conversation is listed too.
func (s *Service) Live(ctx context.Context, actor *parley.User) (*Live, error) {
	if !actor.CanSupervise() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only supervisors and admins can see the live view.")
	}
	now := s.now()
	channels, err := s.store.Channels(ctx)
	if err != nil {
		return nil, err
	}
	caps := map[int64]int{}
	joined := map[int64][]int64{} // user -> channels
	live := &Live{Now: now.UTC(), OngoingWindowSeconds: int(parley.OngoingWindow / time.Second),
		Channels: []LiveChannel{}, Operators: []*parley.LiveOperator{}, Queued: []*parley.LiveConversationView{}, Active: []*parley.LiveConversationView{}}
	for _, ch := range channels {
		caps[ch.ID] = ch.MaxOngoingPerOperator
		members, err := s.store.ChannelMembers(ctx, ch.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range members {
			joined[m.ID] = append(joined[m.ID], ch.ID)
		}
	}
	convs, err := s.store.LiveConversations(ctx)
	if err != nil {
		return nil, err
	}
	queued := map[int64]int{}
	ongoing := map[int64]map[int64]int{} // operator -> channel -> ongoing
	holds := map[int64]bool{}
	for _, c := range convs {
		switch c.Status {
		case parley.StatusQueued:
			live.Queued = append(live.Queued, c.View())
			queued[c.ChannelID]++
		case parley.StatusActive:
			live.Active = append(live.Active, c.View())
			holds[c.OperatorID] = true
			if c.Ongoing(now) {
				if ongoing[c.OperatorID] == nil {
					ongoing[c.OperatorID] = map[int64]int{}
				}
				ongoing[c.OperatorID][c.ChannelID]++
			}
		}
	}
	for _, ch := range channels {
		live.Channels = append(live.Channels, LiveChannel{ID: ch.ID, Name: ch.Name, Queue: queued[ch.ID], Cap: ch.MaxOngoingPerOperator})
	}
	users, err := s.store.Users(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.Disabled || (u.Role != parley.RoleOperator && len(joined[u.ID]) == 0 && !holds[u.ID]) {
			continue
		}
		op := s.liveOperator(u, joined[u.ID])
		total := 0
		load := []parley.ChannelLoad{}
		for _, ch := range channels { // in the channels' order
			n, in := ongoing[u.ID][ch.ID]
			if in || slices.Contains(joined[u.ID], ch.ID) {
				load = append(load, parley.ChannelLoad{ChannelID: ch.ID, Ongoing: n, Cap: caps[ch.ID]})
				total += n
			}
		}
		op.Ongoing, op.Load = &total, load
		live.Operators = append(live.Operators, op)
	}
	slices.SortFunc(live.Operators, func(a, b *parley.LiveOperator) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
	})
	return live, nil
}

func (s *Service) liveOperator(u *parley.User, channels []int64) *parley.LiveOperator {
	if channels == nil {
		channels = []int64{}
	}
	return &parley.LiveOperator{ID: u.ID, Name: u.Name, ChatName: u.DisplayName(), Role: u.Role, Status: s.status(u.ID), ChannelIDs: channels}
}

// Queue lists the conversations waiting in the channels the caller joined (in every
// channel for supervisors and admins), oldest first: those an operator may take.
func (s *Service) Queue(ctx context.Context, actor *parley.User) ([]*parley.LiveConversationView, error) {
	var mine []int64
	if !actor.CanSupervise() {
		var err error
		if mine, err = s.store.UserChannels(ctx, actor.ID); err != nil {
			return nil, err
		}
	}
	convs, err := s.store.LiveConversations(ctx)
	if err != nil {
		return nil, err
	}
	out := []*parley.LiveConversationView{}
	for _, c := range convs {
		if c.Status == parley.StatusQueued && (actor.CanSupervise() || slices.Contains(mine, c.ChannelID)) {
			out = append(out, c.View())
		}
	}
	return out, nil
}

// Assign gives a queued conversation to an operator by hand (supervisors and admins):
// an enabled member of its channel who is available, whatever the channel's cap (see
// parley.HandAssignment). It returns the conversation as the caller sees it.
func (s *Service) Assign(ctx context.Context, actor *parley.User, id, operatorID int64) (*parley.OperatorConversation, error) {
	if !actor.CanSupervise() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only supervisors and admins can assign conversations by hand; take one from your channels' queue instead.")
	}
	if operatorID <= 0 {
		return nil, parley.Errorf(parley.EINVALID, "Ids are positive integers.")
	}
	c, err := s.visible(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.User(ctx, operatorID); parley.ErrorCode(err) == parley.ENOTFOUND {
		return nil, parley.Errorf(parley.EINVALID, "There is no operator with id %d.", operatorID)
	} else if err != nil {
		return nil, err
	}
	return s.assignByHand(ctx, actor, c, operatorID)
}

// Take gives the caller a conversation waiting in the queue of a channel they joined.
func (s *Service) Take(ctx context.Context, actor *parley.User, id int64) (*parley.OperatorConversation, error) {
	c, err := s.visible(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	s.Activity(ctx, actor.ID) // whoever takes a chat is there to answer it
	return s.assignByHand(ctx, actor, c, actor.ID)
}

// assignByHand has the store decide and record a hand assignment of c, then tells
// everyone concerned: the operator given it (the conversation, whose history their
// console loads), the visitor ("NAME joined the conversation."), the visitors behind it
// in the queue (their new place) and the live view.
func (s *Service) assignByHand(ctx context.Context, actor *parley.User, c *parley.Conversation, operatorID int64) (*parley.OperatorConversation, error) {
	assigned, notice, err := s.store.AssignConversation(ctx, parley.HandAssignment{ConversationID: c.ID, OperatorID: operatorID, Now: s.now()}, s.choose)
	if parley.ErrorCode(err) == parley.ENOTFOUND && operatorID != actor.ID {
		if _, uerr := s.store.User(ctx, operatorID); parley.ErrorCode(uerr) == parley.ENOTFOUND {
			return nil, parley.Errorf(parley.EINVALID, "There is no operator with id %d.", operatorID)
		}
	}
	if err != nil {
		return nil, err
	}
	if operatorID != actor.ID {
		s.steered(ctx, actor, parley.AuditConversationAssign, assigned, operatorID)
	}
	s.invalidate(ctx, parley.CacheNotice{Moved: []int64{c.ID}})
	s.remember(assigned)
	s.publishConversation(ctx, assigned)
	s.withdrawOffer(ctx, c) // offers.go
	s.publishMessage(ctx, routeOf(assigned), notice)
	s.publishQueue(ctx, assigned.ChannelID) // those behind it move up
	sum, err := s.store.ConversationSummary(ctx, actor.ID, c.ID)
	if err != nil {
		return nil, err
	}
	return sum.ForOperator(), nil
}

// steered records in the audit log a supervisor's (or an admin's) hand on a conversation
// that is not theirs: a hand assignment (parley.AuditConversationAssign) or a transfer
// (parley.AuditConversationTransfer) of conversation c, now with operator to (0: back in
// a queue), by actor. It is called after the store committed the change.
func (s *Service) steered(ctx context.Context, actor *parley.User, action string, c *parley.Conversation, to int64) {
	s.audit(ctx, actor, action, "conversation", c.ID, map[string]int64{"channel_id": c.ChannelID, "operator_id": to})
}

// publishLive tells the live view a conversation's new state: read again (its wait and
// place are the store's), unless it has ended.
func (s *Service) publishLive(ctx context.Context, c *parley.Conversation) {
	lc := &parley.LiveConversation{Conversation: *c}
	if c.Status != parley.StatusEnded {
		var err error
		if lc, err = s.store.LiveConversation(ctx, c.ID); err != nil {
			s.logger.Error("load live conversation", "conversation", c.ID, "err", err)
			return
		}
	}
	s.publishLiveEvent(ctx, &parley.LiveEvent{Type: parley.EventLiveConversation, Conversation: lc.View()}, parley.LiveTopic)
}

// publishLiveStart tells the live view of a conversation just started, from what the
// start returned: it waits since its first message, in the queue or for its operator.
func (s *Service) publishLiveStart(ctx context.Context, c *parley.Conversation, first *parley.Message) {
	lc := &parley.LiveConversation{Conversation: *c}
	if c.Status == parley.StatusQueued {
		lc.QueuedSince = c.CreatedAt
	} else {
		lc.WaitingSince, lc.LastUnansweredAt = first.CreatedAt, first.CreatedAt
	}
	s.publishLiveEvent(ctx, &parley.LiveEvent{Type: parley.EventLiveConversation, Conversation: lc.View()}, parley.LiveTopic)
}

// publishLiveMessage tells the live view that a visitor or an operator wrote: who, when,
// and the message's number (a supervisor reading the conversation fetches it).
func (s *Service) publishLiveMessage(ctx context.Context, m *parley.Message) {
	if m.Author.Kind == parley.AuthorSystem {
		return
	}
	at := m.CreatedAt
	s.publishLiveEvent(ctx, &parley.LiveEvent{Type: parley.EventLiveMessage, ConversationID: m.ConversationID, Author: m.Author.Kind, Seq: m.Seq, CreatedAt: &at}, parley.LiveTopic)
}

// publishLiveOperator tells the live view an operator's presence and channels.
func (s *Service) publishLiveOperator(ctx context.Context, userID int64) {
	u, err := s.store.User(ctx, userID)
	if parley.ErrorCode(err) == parley.ENOTFOUND { // deleted: they leave the live view
		u, err = &parley.User{ID: userID, Disabled: true}, nil
	}
	if err != nil {
		s.logger.Error("load user", "user", userID, "err", err)
		return
	}
	channels, err := s.store.UserChannels(ctx, userID)
	if err != nil {
		s.logger.Error("list user channels", "user", userID, "err", err)
		return
	}
	op := s.liveOperator(u, channels)
	op.Disabled = u.Disabled
	s.publishLiveEvent(ctx, &parley.LiveEvent{Type: parley.EventLiveOperator, Operator: op}, parley.LiveTopic)
}

// tellQueue tells the members of a channel that its queue changed.
func (s *Service) tellQueue(ctx context.Context, channelID int64) {
	members, err := s.store.ChannelMembers(ctx, channelID)
	if err != nil {
		s.logger.Error("list members", "channel", channelID, "err", err)
		return
	}
	topics := make([]string, len(members))
	for i, m := range members {
		topics[i] = parley.UserTopic(m.ID)
	}
	s.publishLiveEvent(ctx, &parley.LiveEvent{Type: parley.EventQueue, ChannelID: channelID}, topics...)
}

func (s *Service) publishLiveEvent(ctx context.Context, ev *parley.LiveEvent, topics ...string) {
	payload, err := parley.EncodeLiveEvent(ev)
	if err != nil {
		s.logger.Error("encode event", "type", ev.Type, "err", err)
		return
	}
	for _, topic := range topics {
		if err := s.bus.Publish(ctx, topic, payload); err != nil {
			s.logger.Error("publish event", "topic", topic, "type", ev.Type, "err", err)
		}
	}
}
