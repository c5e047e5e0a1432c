// Package chat is Parley's application service: it applies the domain rules (who may do
// what, assignment, presence, the queue) over a parley.Store, and publishes every change
// on the parley.Bus after the store has committed it.
package chat

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/parleychat/parley"
)

// SessionTTL is how long a console login lasts.
const SessionTTL = 30 * 24 * time.Hour

// Service is the live chat service. Make it with New.
type Service struct {
	store    parley.Store
	bus      parley.Bus
	presence parley.Presence
	leader   Leader
	sweepMu  sync.Mutex // one sweep at a time, so that none removes an operator another is removing
	logger   *slog.Logger
	now      func() time.Time

	statusMu sync.Mutex
	shown    map[int64]parley.Status // each operator's status as last told to the others

	langMu  sync.Mutex
	enabled []string                // enabled language codes, sorted; nil: not read yet
	matcher *parley.LanguageMatcher // of enabled; set with it

	tellMu  sync.Mutex
	telling map[int64]*channelTelling // by channel

	sessions *cache[string, *parley.User]    // by token hash
	visitors *cache[string, *parley.Visitor] // by token hash
	routes   *cache[int64, route]            // active conversations, by id
	typing   typingGate

	abandonAfter time.Duration // 0: conversations never end for want of their visitor
	mailer       parley.Mailer // nil: no email is sent (inbox.go)
	seen         visitorsSeen  // the visitors with a widget open on this server (abandon.go)
	away         offersAway    // who is set away for missed offers (offers.go)
}

// Leader tells whether this server is the one that runs the periodic sweep, so that
// several servers sweep once between them.
type Leader interface {
	Leading() bool
}

// Options are what NewWith takes beyond the store, the bus and the logger.
type Options struct {
	Timeout  time.Duration    // the inactivity timeout, for the memory presence made when Presence is nil
	Now      func() time.Time // the clock; time.Now when nil
	Presence parley.Presence  // who is online; a parley.MemoryPresence when nil (one server)
	Leader   Leader           // whether this server sweeps; always when nil (one server)
	// AbandonAfter is how long a visitor may be gone (no widget open, no message) before
	// the sweep ends their conversation; 0 never does.
	AbandonAfter time.Duration
	// Mailer sends the emails (replies to left messages, transcripts, notices); nil
	// sends none.
	Mailer parley.Mailer
}

// New returns a service for one server. now is the clock (time.Now when nil); timeout is
// the inactivity timeout of the thirty-minute rule.
func New(store parley.Store, bus parley.Bus, logger *slog.Logger, timeout time.Duration, now func() time.Time) *Service {
	return NewWith(store, bus, logger, Options{Timeout: timeout, Now: now})
}

// NewWith returns a service with its presence and its sweep leadership given by opts:
// several servers each pass a shared presence and a leader.
func NewWith(store parley.Store, bus parley.Bus, logger *slog.Logger, opts Options) *Service {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	presence := opts.Presence
	if presence == nil {
		presence = parley.NewPresence(opts.Timeout, now)
	}
	s := &Service{
		store:    store,
		bus:      bus,
		presence: presence,
		leader:   opts.Leader,
		logger:   logger,
		now:      now,
		shown:    make(map[int64]parley.Status),
		telling:  make(map[int64]*channelTelling),
		sessions: newCache[string, *parley.User](sessionCacheSize, sessionCacheTTL),
		visitors: newCache[string, *parley.Visitor](visitorCacheSize, 0),
		routes:   newCache[int64, route](routeCacheSize, 0),

		abandonAfter: max(opts.AbandonAfter, 0),
		mailer:       opts.Mailer,
	}
	// Lives as long as the service: the process. The bus was just opened, so a refusal
	// here is a broker gone at start-up: logged, since without these notices this
	// server's caches would not follow the others'.
	for topic, deliver := range map[string]func([]byte){parley.AccountsTopic: s.accountNotice, parley.CachesTopic: s.cacheNotice} {
		if _, err := bus.Subscribe(topic, deliver); err != nil {
			logger.Error("subscribe", "topic", topic, "err", err)
		}
	}
	return s
}

// Presence is the service's view of who is online.
func (s *Service) Presence() parley.Presence { return s.presence }

// Leading reports whether this server runs the periodic sweep.
func (s *Service) Leading() bool { return s.leader == nil || s.leader.Leading() }

// Run sweeps until ctx is done: it applies the inactivity timeout, ends abandoned
// conversations and drains queues whose operators fell below the cap as their
// conversations went quiet. Of several servers, only the leading one sweeps; every one
// records the visitors whose widget it holds open.
func (s *Service) Run(ctx context.Context) {
	interval := s.presence.Rules().Timeout / 10
	if s.abandonAfter > 0 {
		interval = min(interval, s.abandonAfter/10)
	}
	interval = min(max(interval, 20*time.Millisecond), 15*time.Second)
	t := time.NewTicker(interval)
	defer t.Stop()
	// Offers expire on every server (the store takes each once); Run returns after it stops,
	// so that nothing uses the store once its caller closes it.
	offers := make(chan struct{})
	go func() {
		defer close(offers)
		s.runOffers(ctx)
	}()
	defer func() { <-offers }()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.logger.Error("sweep", "err", err)
			}
		}
	}
}

// Sweep removes every operator idle for longer than the inactivity timeout from the
// channels they joined, telling them over their WebSockets, ends the conversations whose
// visitor has gone (abandon.go), runs the retention rule when due (retention.go), drains
// every queue, and forgets expired sessions. On a
// server that does not lead it only records the visitors whose widget it holds open, so
// that an operator is removed once and told once, and a queue is drained by one server.
func (s *Service) Sweep(ctx context.Context) error {
	if err := s.refreshSeen(ctx); err != nil {
		s.logger.Error("record visitors seen", "err", err)
	}
	if !s.Leading() {
		return nil
	}
	s.sweepMu.Lock()
	defer s.sweepMu.Unlock()
	members, err := s.store.Members(ctx)
	if err != nil {
		return err
	}
	for _, id := range members {
		s.statusChanged(ctx, id) // a reload's grace ran out, or the operator went idle
		if !s.presence.Idle(id) {
			continue
		}
		if !s.Leading() {
			return nil // another server took over while this one swept: it removes them
		}
		channels, err := s.store.UserChannels(ctx, id)
		if err != nil {
			return err
		}
		for _, chID := range channels {
			if err := s.store.LeaveChannel(ctx, chID, id); err != nil {
				return err
			}
			s.logger.Info("operator removed from channel after inactivity", "user", id, "channel", chID)
			s.publishChannel(ctx, id, chID)
		}
	}
	if err := s.endAbandoned(ctx); err != nil {
		s.logger.Error("end abandoned conversations", "err", err) // the queues are drained all the same
	}
	if err := s.sweepRetention(ctx); err != nil {
		s.logger.Error("retention sweep", "err", err) // retention.go
	}
	channels, err := s.store.Channels(ctx)
	if err != nil {
		return err
	}
	for _, ch := range channels {
		s.drain(ctx, ch.ID)
	}
	_, err = s.store.DeleteExpiredSessions(ctx, s.now())
	return err
}

// choose is the Chooser the store calls inside its write transaction.
func (s *Service) choose(req parley.AssignRequest, candidates []parley.Candidate) parley.Routing {
	s.presence.MarkAvailable(candidates)
	return parley.Route(req, candidates)
}

// drain assigns the channel's queued conversations, oldest first, for as long as an
// operator is available, then tells the visitors still waiting their new place.
func (s *Service) drain(ctx context.Context, channelID int64) {
	queued, err := s.store.QueuedConversations(ctx, channelID)
	if err != nil || len(queued) == 0 {
		if err != nil {
			s.logger.Error("list queue", "channel", channelID, "err", err)
		}
		return
	}
	assigned, err := s.store.AssignQueued(ctx, channelID, s.now(), s.choose)
	if err != nil {
		s.logger.Error("assign queued conversations", "channel", channelID, "err", err)
		return
	}
	if len(assigned) == 0 {
		return
	}
	s.decided(ctx, assigned) // assigned, or offered (offers.go)
	s.publishQueue(ctx, channelID)
}

// publishQueue tells every visitor waiting in the channel's queue their place and
// estimated wait (waiting.go).
func (s *Service) publishQueue(ctx context.Context, channelID int64) {
	waiting, err := s.store.QueuedConversations(ctx, channelID)
	if err != nil {
		s.logger.Error("list queue", "channel", channelID, "err", err)
		return
	}
	q, err := s.queueView(ctx, channelID)
	if err != nil {
		s.logger.Error("estimate wait", "channel", channelID, "err", err)
		q = &queueView{now: s.now()} // the places, without estimates
	}
	for _, c := range waiting {
		s.publishVisitor(ctx, c.VisitorID, &parley.Event{Type: parley.EventConversation, Conversation: q.view(c)})
	}
	s.tellQueue(ctx, channelID) // the members' consoles, and what they may take
}

// drainUserChannels drains the queues of every channel the operator joined.
func (s *Service) drainUserChannels(ctx context.Context, userID int64) {
	channels, err := s.store.UserChannels(ctx, userID)
	if err != nil {
		s.logger.Error("list user channels", "user", userID, "err", err)
		return
	}
	for _, id := range channels {
		s.drain(ctx, id)
	}
}

// publish encodes ev once and hands the same bytes to every topic.
func (s *Service) publish(ctx context.Context, ev *parley.Event, topics ...string) {
	s.publishEncoded(ctx, parley.EncodeEvent, ev, topics...)
}

// publishEncoded is publish with the encoding of one side (parley.EncodeOperatorEvent).
func (s *Service) publishEncoded(ctx context.Context, encode func(*parley.Event) ([]byte, error), ev *parley.Event, topics ...string) {
	payload, err := encode(ev)
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

func (s *Service) publishUser(ctx context.Context, userID int64, ev *parley.Event) {
	s.publish(ctx, ev, parley.UserTopic(userID))
}

func (s *Service) publishVisitor(ctx context.Context, visitorID int64, ev *parley.Event) {
	s.publish(ctx, ev, parley.VisitorTopic(visitorID))
}

// publishConversation tells both sides of a conversation its new state.
func (s *Service) publishConversation(ctx context.Context, c *parley.Conversation) {
	if c.OperatorID != 0 {
		if sum, err := s.store.ConversationSummary(ctx, c.OperatorID, c.ID); err != nil {
			s.logger.Error("load conversation summary", "conversation", c.ID, "err", err)
		} else {
			s.publishUser(ctx, c.OperatorID, &parley.Event{Type: parley.EventConversation, Conversation: sum.ForOperator()})
		}
	}
	s.publishVisitor(ctx, c.VisitorID, &parley.Event{Type: parley.EventConversation, Conversation: s.forVisitor(ctx, c)})
	s.publishLive(ctx, c)
}

// publishMessage sends a new message to both sides of its conversation. The console's copy
// names an operator author's id and fetches a file from the console API, the visitor's
// neither: when either applies it is encoded once per side, else the same bytes go to both.
func (s *Service) publishMessage(ctx context.Context, r route, m *parley.Message) {
	s.publishLiveMessage(ctx, m)
	visitor := &parley.Event{Type: parley.EventMessage, ConversationID: r.ID, Message: VisitorMessage(m)}
	switch {
	case r.OperatorID == 0:
		s.publish(ctx, visitor, parley.VisitorTopic(r.VisitorID))
	case m.Author.ID == 0 && m.Attachment == nil:
		s.publish(ctx, visitor, parley.VisitorTopic(r.VisitorID), parley.UserTopic(r.OperatorID))
	default:
		s.publish(ctx, visitor, parley.VisitorTopic(r.VisitorID))
		operator := &parley.Event{Type: parley.EventMessage, ConversationID: r.ID, Message: OperatorMessage(m)}
		s.publishEncoded(ctx, parley.EncodeOperatorEvent, operator, parley.UserTopic(r.OperatorID))
	}
}

func (s *Service) publishChannel(ctx context.Context, userID, channelID int64) {
	view, err := s.channelView(ctx, userID, channelID)
	if err != nil {
		s.logger.Error("load channel", "channel", channelID, "err", err)
		return
	}
	s.publishUser(ctx, userID, &parley.Event{Type: parley.EventChannel, Channel: view})
	s.publishLiveOperator(ctx, userID) // joined, left, or removed after inactivity
}

// Bus is where the service publishes its events.
func (s *Service) Bus() parley.Bus { return s.bus }
