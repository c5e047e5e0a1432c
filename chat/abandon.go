package chat

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/parleychat/parley"
)

// A conversation whose visitor has gone (no widget open, no message) for longer than
// Options.AbandonAfter ends as if the visitor had left it, so that it stops holding its
// operator's place. A visitor's widget may be open on any server, so each server records
// in the store when the visitors it holds were seen: at once when the first widget of a
// visitor opens here, then at every refresh (every quarter of the limit, a minute at
// most) for all of them in one write, including those whose last widget closed since.
// A visitor with a widget open anywhere was thus seen within a refresh, far within the
// limit; the leading server's sweep ends the conversations whose visitor was seen, and
// wrote, longer ago than that.

// maxSeenRefresh bounds the time between two refreshes of the visitors seen.
const maxSeenRefresh = time.Minute

// seenBatch is the most visitors recorded by one write.
const seenBatch = 1000

// visitorsSeen is what a server knows of the widgets open on it. Its zero value is ready.
type visitorsSeen struct {
	mu     sync.Mutex
	open   map[int64]int      // widget WebSockets open here, per visitor
	closed map[int64]struct{} // visitors whose last one here closed since the last refresh
	last   time.Time          // when the last refresh was written

	// Visitors whose first widget here opened, waiting to be recorded: those that open
	// while a write is under way share the next one, so that a burst of connections
	// costs a few writes.
	batch    []int64
	written  chan struct{} // closed once the batch is written
	flushing bool          // a goroutine writes batches
}

// seenRefresh is the time between two refreshes of the visitors seen.
func (s *Service) seenRefresh() time.Duration {
	return min(s.abandonAfter/4, maxSeenRefresh)
}

// VisitorConnected records that a widget WebSocket of the visitor opened on this server.
// The first one here is recorded in the store before it returns, so that no sweep, on any
// server, takes a visitor who just came back for gone; later ones are known here already
// and cost nothing (a page reload, another tab).
func (s *Service) VisitorConnected(ctx context.Context, visitorID int64) {
	if s.abandonAfter <= 0 {
		return
	}
	s.seen.mu.Lock()
	if s.seen.open == nil {
		s.seen.open = make(map[int64]int)
	}
	_, closedHere := s.seen.closed[visitorID]
	known := s.seen.open[visitorID] > 0 || closedHere
	s.seen.open[visitorID]++
	delete(s.seen.closed, visitorID)
	if known {
		s.seen.mu.Unlock()
		return // seen here within the last refresh, and refreshed again at the next
	}
	s.seen.batch = append(s.seen.batch, visitorID)
	if s.seen.written == nil {
		s.seen.written = make(chan struct{})
	}
	written := s.seen.written
	if !s.seen.flushing {
		s.seen.flushing = true
		go s.writeSeen()
	}
	s.seen.mu.Unlock()
	select {
	case <-written:
	case <-ctx.Done():
	}
}

// writeSeen records the visitors whose first widget opened here, a batch at a time,
// until none waits.
func (s *Service) writeSeen() {
	for {
		s.seen.mu.Lock()
		ids, written := s.seen.batch, s.seen.written
		s.seen.batch, s.seen.written = nil, nil
		if len(ids) == 0 {
			s.seen.flushing = false
			s.seen.mu.Unlock()
			return
		}
		s.seen.mu.Unlock()
		if err := s.store.SeeVisitors(context.Background(), ids, s.now()); err != nil {
			s.logger.Error("record visitors seen", "visitors", len(ids), "err", err)
		}
		close(written)
	}
}

// VisitorDisconnected records that a widget WebSocket of the visitor closed on this
// server; when it was the last, the next refresh records the visitor as seen once more.
func (s *Service) VisitorDisconnected(visitorID int64) {
	if s.abandonAfter <= 0 {
		return
	}
	s.seen.mu.Lock()
	defer s.seen.mu.Unlock()
	if s.seen.open[visitorID] > 1 {
		s.seen.open[visitorID]--
		return
	}
	delete(s.seen.open, visitorID)
	if s.seen.closed == nil {
		s.seen.closed = make(map[int64]struct{})
	}
	s.seen.closed[visitorID] = struct{}{}
}

// connectedHere reports whether a widget of the visitor is open on this server.
func (s *Service) connectedHere(visitorID int64) bool {
	s.seen.mu.Lock()
	defer s.seen.mu.Unlock()
	return s.seen.open[visitorID] > 0
}

// refreshSeen records in the store, when a refresh is due, every visitor with a widget
// open on this server and every one whose last widget here closed since the last one.
func (s *Service) refreshSeen(ctx context.Context) error {
	if s.abandonAfter <= 0 {
		return nil
	}
	now := s.now()
	s.seen.mu.Lock()
	if now.Sub(s.seen.last) < s.seenRefresh() {
		s.seen.mu.Unlock()
		return nil
	}
	ids := slices.AppendSeq(slices.Collect(maps.Keys(s.seen.open)), maps.Keys(s.seen.closed))
	s.seen.closed = nil
	s.seen.last = now
	s.seen.mu.Unlock()
	for batch := range slices.Chunk(ids, seenBatch) {
		if err := s.store.SeeVisitors(ctx, batch, now); err != nil {
			return err
		}
	}
	return nil
}

// endAbandoned ends, as their visitor leaving would, the conversations whose visitor
// has been gone for longer than the limit: the operator sees "Visitor left the
// conversation.", their place is freed and the queue moves on.
func (s *Service) endAbandoned(ctx context.Context) error {
	if s.abandonAfter <= 0 {
		return nil
	}
	gone, err := s.store.AbandonedConversations(ctx, s.now().Add(-s.abandonAfter))
	if err != nil {
		return err
	}
	for _, c := range gone {
		if !s.Leading() {
			return nil // another server took over while this one swept: it ends them
		}
		if s.connectedHere(c.VisitorID) {
			continue // came back here since this server's last refresh
		}
		err := s.end(ctx, c, parley.VisitorLeftMessage, 0)
		if parley.ErrorCode(err) == parley.ECONFLICT {
			continue // ended meanwhile
		} else if err != nil {
			return err
		}
		s.logger.Info("conversation ended: its visitor has gone", "conversation", c.ID, "after", s.abandonAfter)
	}
	return nil
}
