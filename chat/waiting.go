package chat

import (
	"context"
	"time"

	"github.com/parleychat/parley"
)

// Honest waiting (waiting.go at the root): a queued visitor's place, estimated wait and
// whether the channel's wait limit is passed, in every view of their conversation the
// widget gets (the start's answer, GET /livechat/conversations/{id}, and each
// conversation event, which publishQueue sends to everyone waiting whenever the line
// moves: an assignment, a visitor who leaves or ends, a transfer).

// queueView is what the estimates of one channel's queue are computed from, read once
// for all the visitors waiting in it.
type queueView struct {
	departures []time.Time
	limits     parley.WaitLimits
	now        time.Time
}

func (s *Service) queueView(ctx context.Context, channelID int64) (*queueView, error) {
	q := &queueView{now: s.now()}
	var err error
	if q.departures, err = s.store.QueueDepartures(ctx, channelID, q.now.Add(-parley.WaitWindow), parley.WaitSample); err != nil {
		return nil, err
	}
	if q.limits, err = s.store.WaitLimits(ctx, channelID); err != nil && parley.ErrorCode(err) != parley.ENOTFOUND {
		return nil, err
	}
	return q, nil
}

// view is c as its visitor sees it; queued, with its estimate and the offer to leave a
// message past the limits (the wait counted from the conversation's start).
func (q *queueView) view(c *parley.Conversation) *parley.VisitorConversation {
	vc := c.ForVisitor()
	if c.Status != parley.StatusQueued || c.QueuePosition < 1 {
		return vc
	}
	est, ok := parley.EstimateWait(c.QueuePosition, q.departures, q.now)
	if ok {
		vc.EstimatedWait = int(est / time.Second)
	}
	vc.OfferMessage = q.limits.Passed(c.QueuePosition, est, ok, q.now.Sub(c.CreatedAt))
	return vc
}

// forVisitor is c as its visitor sees it, with the estimate when it is queued. Should the
// estimate fail, the visitor still gets their conversation, with their place only.
func (s *Service) forVisitor(ctx context.Context, c *parley.Conversation) *parley.VisitorConversation {
	if c.Status != parley.StatusQueued {
		return c.ForVisitor()
	}
	q, err := s.queueView(ctx, c.ChannelID)
	if err != nil {
		s.logger.Error("estimate wait", "channel", c.ChannelID, "err", err)
		return c.ForVisitor()
	}
	return q.view(c)
}

// recordEstimate keeps the estimate given to a visitor just queued, for the reports.
func (s *Service) recordEstimate(ctx context.Context, c *parley.Conversation, vc *parley.VisitorConversation) {
	e := &parley.WaitEstimate{
		ConversationID: c.ID, ChannelID: c.ChannelID, Place: c.QueuePosition,
		Estimate: time.Duration(vc.EstimatedWait) * time.Second, Estimated: vc.EstimatedWait > 0,
		QueuedAt: c.CreatedAt,
	}
	if err := s.store.RecordWaitEstimate(ctx, e); err != nil {
		s.logger.Error("record wait estimate", "conversation", c.ID, "err", err)
	}
}

// WaitLimits returns a channel's wait limits (admins).
func (s *Service) WaitLimits(ctx context.Context, actor *parley.User, channelID int64) (parley.WaitLimits, error) {
	if !actor.IsAdmin() {
		return parley.WaitLimits{}, parley.Errorf(parley.EFORBIDDEN, "Only an admin can edit channels.")
	}
	return s.store.WaitLimits(ctx, channelID)
}

// SetWaitLimits sets a channel's wait limits (admins); the visitors waiting in its queue
// are told at once whether they passed them.
func (s *Service) SetWaitLimits(ctx context.Context, actor *parley.User, channelID int64, l parley.WaitLimits) (parley.WaitLimits, error) {
	if !actor.IsAdmin() {
		return l, parley.Errorf(parley.EFORBIDDEN, "Only an admin can edit channels.")
	}
	if err := l.Validate(); err != nil {
		return l, err
	}
	if err := s.store.SetWaitLimits(ctx, channelID, l); err != nil {
		return l, err
	}
	s.audit(ctx, actor, parley.AuditChannelWaitLimits, "channel", channelID, l)
	s.publishQueue(ctx, channelID)
	return l, nil
}

// WaitAccuracy tells how good the estimates of the conversations assigned in q's period
// were (supervisors and admins).
func (s *Service) WaitAccuracy(ctx context.Context, actor *parley.User, q parley.ReportQuery) (*parley.WaitAccuracy, error) {
	if !actor.CanSupervise() {
		return nil, parley.Errorf(parley.EFORBIDDEN, "Only supervisors and admins may read reports.")
	}
	list, err := s.store.WaitEstimates(ctx, q.ChannelID, q.Days[0].Start, q.Days[len(q.Days)-1].End)
	if err != nil {
		return nil, err
	}
	a := &parley.WaitAccuracy{From: q.From(), To: q.To(), TimeZone: q.TimeZone, ChannelID: q.ChannelID}
	parley.MeasureWaitAccuracy(a, list)
	return a, nil
}

// checkLeftInstead checks, before a message is left, the queued conversation the visitor
// leaves it instead of: their own (a visitor's token is needed), in the same channel.
func (s *Service) checkLeftInstead(ctx context.Context, channelID int64, req LeftMessage) (*parley.Conversation, error) {
	if req.ConversationID == 0 {
		return nil, nil
	}
	if req.ConversationID < 0 {
		return nil, parley.Errorf(parley.EINVALID, "A conversation id is a positive number.")
	}
	if req.Visitor == nil {
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "A visitor token is required to name a conversation.")
	}
	c, err := s.visitorConversation(ctx, req.Visitor, req.ConversationID)
	if err != nil {
		return nil, err
	}
	if c.ChannelID != channelID {
		return nil, parley.Errorf(parley.EINVALID, "Conversation %d is in another channel.", c.ID)
	}
	return c, nil
}

// leftInstead ends the queued conversation the visitor left a message instead of waiting
// in, with a notice: they chose the message, so their place goes to those behind. A
// conversation no longer queued (an operator took it meanwhile) goes on.
func (s *Service) leftInstead(ctx context.Context, c *parley.Conversation) {
	if c == nil || c.Status != parley.StatusQueued {
		return
	}
	if err := s.end(ctx, c, parley.VisitorLeftAMessage, 0); err != nil && parley.ErrorCode(err) != parley.ECONFLICT {
		s.logger.Error("end conversation left for a message", "conversation", c.ID, "err", err)
	}
}
