package chat

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/parleychat/parley"
)

// Offer and accept (offers.go at the root): the store makes the offers in its decisions;
// the service tells the operator offered (an offer event on their topic, through the bus,
// so it reaches their console on any server), accepts and declines for them, and every
// OfferTick takes the offers that expired, on every server (the store takes each once).

// OfferTick is how often each server looks for expired offers.
const OfferTick = time.Second

// offersAway is this server's copy of who is set away for missed offers, read again at
// every tick so that every server shows them away within about a second.
type offersAway struct {
	mu  sync.Mutex
	ids []int64
}

func (a *offersAway) has(id int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Contains(a.ids, id)
}

// set replaces the list and returns the operators whose state changed.
func (a *offersAway) set(ids []int64) (changed []int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range ids {
		if !slices.Contains(a.ids, id) {
			changed = append(changed, id)
		}
	}
	for _, id := range a.ids {
		if !slices.Contains(ids, id) {
			changed = append(changed, id)
		}
	}
	a.ids = ids
	return changed
}

// status is the operator's presence as others see it: away while set away for missed
// offers, though their console is open and active.
func (s *Service) status(userID int64) parley.Status {
	st := s.presence.Status(userID)
	if st == parley.StatusOnline && s.away.has(userID) {
		return parley.StatusAway
	}
	return st
}

// runOffers expires offers every OfferTick until ctx ends.
func (s *Service) runOffers(ctx context.Context) {
	t := time.NewTicker(OfferTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.ExpireOffers(ctx, s.now()); err != nil && ctx.Err() == nil {
				s.logger.Error("expire offers", "err", err)
			}
		}
	}
}

// ExpireOffers takes the offers expired at now: each operator who missed one is told
// (and set away at their second miss in a row), and the conversations go to the next by
// the rules. It also refreshes who is away for missed offers.
func (s *Service) ExpireOffers(ctx context.Context, now time.Time) error {
	exp, expErr := s.store.ExpireOffers(ctx, now, s.choose)
	if exp == nil {
		return expErr
	}
	// What a failed call did before failing (PostgreSQL commits a channel at a time) is
	// told all the same: a new offer unannounced would expire as its operator's miss.
	channels := []int64{}
	for _, m := range exp.Missed {
		s.publishUser(ctx, m.OperatorID, &parley.Event{Type: parley.EventOfferEnded, ConversationID: m.ConversationID, Reason: parley.OfferMissed})
		if m.SetAway {
			s.logger.Info("operator set away after missed offers", "user", m.OperatorID)
			away := true
			s.publishUser(ctx, m.OperatorID, &parley.Event{Type: parley.EventOffersAway, Away: &away})
		}
		if !slices.Contains(channels, m.ChannelID) {
			channels = append(channels, m.ChannelID)
		}
	}
	s.decided(ctx, exp.Assigned)
	for _, m := range exp.Missed {
		if slices.ContainsFunc(exp.Assigned, func(c *parley.Conversation) bool { return c.ID == m.ConversationID }) {
			continue
		}
		// Offered to nobody now: the live view stops showing the offer.
		if c, err := s.store.Conversation(ctx, m.ConversationID); err == nil {
			s.publishLive(ctx, c)
		}
	}
	for _, ch := range channels {
		s.publishQueue(ctx, ch)
	}
	ids, err := s.store.OffersAway(ctx)
	if err != nil {
		return err
	}
	for _, id := range s.away.set(ids) {
		s.statusChanged(ctx, id)
	}
	return expErr
}

// decided tells of the conversations a decision of the queue assigned or offered.
func (s *Service) decided(ctx context.Context, convs []*parley.Conversation) {
	for _, c := range convs {
		if c.OfferedTo != 0 {
			s.publishOffer(ctx, c)
			continue
		}
		s.remember(c)
		s.publishConversation(ctx, c)
	}
}

// withdrawOffer tells the operator c was offered to, read before it was ended or given by
// hand, that the offer no longer stands: their console drops the card.
func (s *Service) withdrawOffer(ctx context.Context, c *parley.Conversation) {
	if c.OfferedTo != 0 {
		s.publishUser(ctx, c.OfferedTo, &parley.Event{Type: parley.EventOfferEnded, ConversationID: c.ID, Reason: OfferWithdrawn})
	}
}

// OfferWithdrawn is the reason of an offer_ended event when the conversation ended, or
// was given by hand, while offered.
const OfferWithdrawn = "withdrawn"

// publishOffer tells the operator of the offer of c, and the live view.
func (s *Service) publishOffer(ctx context.Context, c *parley.Conversation) {
	offers, _, err := s.store.Offers(ctx, c.OfferedTo, s.now())
	if err != nil {
		s.logger.Error("load offers", "user", c.OfferedTo, "err", err)
		return
	}
	for _, o := range offers {
		if o.ConversationID == c.ID {
			s.publishUser(ctx, c.OfferedTo, &parley.Event{Type: parley.EventOffer, Offer: o})
		}
	}
	s.publishLive(ctx, c)
}

// Offers lists the offers standing for the caller, and whether they are set away for
// missed offers.
func (s *Service) Offers(ctx context.Context, actor *parley.User) ([]*parley.Offer, bool, error) {
	offers, away, err := s.store.Offers(ctx, actor.ID, s.now())
	if offers == nil {
		offers = []*parley.Offer{}
	}
	return offers, away, err
}

// AcceptOffer makes the conversation offered to the caller theirs, as an assignment at
// once would have: the same events to them, the visitor and the live view.
func (s *Service) AcceptOffer(ctx context.Context, actor *parley.User, id int64) (*parley.OperatorConversation, error) {
	s.Activity(ctx, actor.ID)
	c, err := s.store.AcceptOffer(ctx, id, actor.ID, s.now())
	if err != nil {
		return nil, err
	}
	s.remember(c)
	s.publishConversation(ctx, c)
	s.publishUser(ctx, actor.ID, &parley.Event{Type: parley.EventOfferEnded, ConversationID: id, Reason: parley.OfferAccepted})
	s.publishQueue(ctx, c.ChannelID) // the others waiting move up
	sum, err := s.store.ConversationSummary(ctx, actor.ID, id)
	if err != nil {
		return nil, err
	}
	return sum.ForOperator(), nil
}

// DeclineOffer passes the offer on at once: to the next by the rules, or back to the
// queue.
func (s *Service) DeclineOffer(ctx context.Context, actor *parley.User, id int64) error {
	s.Activity(ctx, actor.ID)
	assigned, err := s.store.DeclineOffer(ctx, id, actor.ID, s.now(), s.choose)
	if err != nil {
		return err
	}
	s.publishUser(ctx, actor.ID, &parley.Event{Type: parley.EventOfferEnded, ConversationID: id, Reason: parley.OfferDeclined})
	s.decided(ctx, assigned)
	c, err := s.store.Conversation(ctx, id)
	if err != nil {
		return err
	}
	if c.OfferedTo == 0 {
		s.publishLive(ctx, c) // back in the queue, offered to nobody
	}
	s.publishQueue(ctx, c.ChannelID)
	return nil
}

// Back clears the caller's away for missed offers: they are offered conversations again,
// at once from their channels' queues.
func (s *Service) Back(ctx context.Context, actor *parley.User) error {
	was, err := s.store.Back(ctx, actor.ID)
	if err != nil {
		return err
	}
	s.Activity(ctx, actor.ID)
	if !was {
		return nil
	}
	away := false
	s.publishUser(ctx, actor.ID, &parley.Event{Type: parley.EventOffersAway, Away: &away})
	if ids, err := s.store.OffersAway(ctx); err == nil {
		// Others' changes read here too are told now: the next tick finds none.
		for _, id := range s.away.set(ids) {
			if id != actor.ID {
				s.statusChanged(ctx, id)
			}
		}
	}
	s.statusChanged(ctx, actor.ID)
	s.drainUserChannels(ctx, actor.ID)
	return nil
}
