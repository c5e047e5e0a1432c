package chat

import (
	"context"

	"github.com/parleychat/parley"
)

// ConversationRouting returns the routing decisions of a conversation, oldest first
// (parley.RoutingStore), to a supervisor or an admin, or to the conversation's operator.
func (s *Service) ConversationRouting(ctx context.Context, actor *parley.User, id int64) ([]*parley.Routing, error) {
	c, err := s.store.Conversation(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.OperatorID != actor.ID && !actor.CanSupervise() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only supervisors and the conversation's operator see how conversation %d was routed.", id)
	}
	return s.store.ConversationRouting(ctx, id)
}
