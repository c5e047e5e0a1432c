package chat

import (
	"context"

	"github.com/parleychat/parley"
)

// TransferTo is where a conversation goes: exactly one of an operator (a member of its
// channel) or a channel (where the usual rules assign it, or queue it).
type TransferTo struct {
	OperatorID int64
	ChannelID  int64
}

// Transfer hands a conversation over, as its operator, a supervisor or an admin asks: to another
// operator of its channel, available and below the channel's cap, or to a channel. It
// returns the conversation as the caller sees it.
func (s *Service) Transfer(ctx context.Context, actor *parley.User, id int64, to TransferTo) (*parley.OperatorConversation, error) {
	if (to.OperatorID == 0) == (to.ChannelID == 0) {
		return nil, parley.Errorf(parley.EINVALID, "A transfer names either an operator or a channel.")
	}
	if to.OperatorID < 0 || to.ChannelID < 0 {
		return nil, parley.Errorf(parley.EINVALID, "Ids are positive integers.")
	}
	c, err := s.visible(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if c.OperatorID != actor.ID && !actor.CanSupervise() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Conversation %d is assigned to another operator.", id)
	}
	if to.OperatorID != 0 {
		if _, err := s.store.User(ctx, to.OperatorID); parley.ErrorCode(err) == parley.ENOTFOUND {
			return nil, parley.Errorf(parley.EINVALID, "There is no operator with id %d.", to.OperatorID)
		} else if err != nil {
			return nil, err
		}
	} else if _, err := s.store.Channel(ctx, to.ChannelID); parley.ErrorCode(err) == parley.ENOTFOUND {
		return nil, parley.Errorf(parley.EINVALID, "There is no channel with id %d.", to.ChannelID)
	} else if err != nil {
		return nil, err
	}
	return s.transfer(ctx, actor, c, to)
}

// Leave hands the caller's conversation back to assignment in its channel: another
// operator by the usual rules, never the caller, or the queue.
func (s *Service) Leave(ctx context.Context, actor *parley.User, id int64) (*parley.OperatorConversation, error) {
	c, err := s.own(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.transfer(ctx, actor, c, TransferTo{ChannelID: c.ChannelID})
}

// transfer has the store decide and record the transfer of c, then tells everyone
// concerned: the visitor (the new operator's name, or their place in the queue), the
// new operator (the conversation, whose history their console loads), and the operator
// who handed it over (it is no longer theirs).
func (s *Service) transfer(ctx context.Context, actor *parley.User, c *parley.Conversation, to TransferTo) (*parley.OperatorConversation, error) {
	s.Activity(ctx, actor.ID)
	moved, notice, err := s.store.TransferConversation(ctx, parley.Transfer{
		ConversationID: c.ID, From: c.OperatorID, ToOperatorID: to.OperatorID, ToChannelID: to.ChannelID, Now: s.now(),
	}, s.choose)
	if err != nil {
		return nil, err
	}
	if c.OperatorID != actor.ID {
		s.steered(ctx, actor, parley.AuditConversationTransfer, moved, moved.OperatorID)
	}
	s.invalidate(ctx, parley.CacheNotice{Moved: []int64{c.ID}})
	s.remember(moved)
	s.publishConversation(ctx, moved)
	if notice != nil {
		s.publishMessage(ctx, routeOf(moved), notice)
	}
	if c.OperatorID != moved.OperatorID {
		if sum, err := s.store.ConversationSummary(ctx, c.OperatorID, c.ID); err != nil {
			s.logger.Error("load conversation summary", "conversation", c.ID, "err", err)
		} else {
			s.publishUser(ctx, c.OperatorID, &parley.Event{Type: parley.EventConversation, Conversation: sum.ForOperator()})
		}
	}
	if moved.Status == parley.StatusQueued {
		s.publishQueue(ctx, moved.ChannelID) // it is older than those waiting: they move down
	}
	if moved.OfferedTo != 0 {
		s.publishOffer(ctx, moved) // offers.go
	}
	s.drain(ctx, c.ChannelID) // the operator who handed it over may take another
	sum, err := s.store.ConversationSummary(ctx, actor.ID, c.ID)
	if err != nil {
		return nil, err
	}
	return sum.ForOperator(), nil
}
