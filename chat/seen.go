package chat

import (
	"context"

	"github.com/parleychat/parley"
)

// SeenConversation is a conversation as its visitor reads it (GET
// /livechat/conversations/{id}), with how far its operator has read it: the widget
// shows "Seen" under the visitor's last message up to OperatorReadSeq.
type SeenConversation struct {
	parley.VisitorConversation
	OperatorReadSeq int64 `json:"operator_read_seq"`
}

// SeenConversation returns one of the visitor's conversations with its operator's read
// mark.
func (s *Service) SeenConversation(ctx context.Context, v *parley.Visitor, id int64) (*SeenConversation, error) {
	c, err := s.visitorConversation(ctx, v, id)
	if err != nil {
		return nil, err
	}
	seq, err := s.store.OperatorReadSeq(ctx, id)
	if err != nil {
		return nil, err
	}
	return &SeenConversation{VisitorConversation: *s.forVisitor(ctx, c), OperatorReadSeq: seq}, nil
}

// publishRead tells the visitor of c how far its operator has read it, when that moved
// forward from before. Two reads at once may both tell the same mark; the widget keeps
// the highest it was told.
func (s *Service) publishRead(ctx context.Context, c *parley.Conversation, before int64) {
	after, err := s.store.OperatorReadSeq(ctx, c.ID)
	if err != nil {
		s.logger.Error("load read mark", "conversation", c.ID, "err", err)
		return
	}
	if after > before {
		s.publishVisitor(ctx, c.VisitorID, &parley.Event{Type: parley.EventRead, ConversationID: c.ID, Seq: after})
	}
}
