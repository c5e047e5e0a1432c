package parley

import (
	"sync"
	"time"
)

// Presence decides who is online. An operator is online while at least one console is
// open (or the last one closed less than Grace ago, so a reload loses nothing) and they
// showed activity within Timeout. An operator idle for longer than Timeout is
// disconnected: the caller removes them from every channel they joined.
//
// MarkAvailable is called by the store inside its write transaction: it must answer from
// memory, without waiting on the network. Idle must answer false for an operator whose
// presence the implementation cannot see, so that no server removes another's operators.
type Presence interface {
	// Connect records a newly opened console, which counts as activity. It reports
	// whether the operator was unavailable before.
	Connect(userID int64) (cameOnline bool)
	// Disconnect records a closed console; the operator keeps the reload grace.
	Disconnect(userID int64)
	// Ended records a console closed because its session ended (logout, a password
	// change, an admin's revocation): unlike a closed page, it gets no grace.
	Ended(userID int64)
	// Activity records that the operator used the console or acted through the API. It
	// reports whether the operator was unavailable before and is available now.
	Activity(userID int64) (cameOnline bool)
	// Available reports whether the operator may be given a new conversation now.
	Available(userID int64) bool
	// MarkAvailable sets Online on each candidate who is available, and Away on each
	// who is not but has a console open (inactive too long).
	MarkAvailable(candidates []Candidate)
	// Status is the operator's presence as other operators see it.
	Status(userID int64) Status
	// Idle reports whether the operator showed no activity for longer than the timeout,
	// and so must be removed from the channels they joined.
	Idle(userID int64) bool
	// Online lists the operators who are available now.
	Online() []int64
	// Rules are the durations the presence applies.
	Rules() PresenceRules
}

// PresenceRules are the durations of the presence rules, shared by every implementation.
type PresenceRules struct {
	Timeout time.Duration // the inactivity timeout (thirty minutes by default)
	Grace   time.Duration // how long an operator stays available after their last console closed
	Away    time.Duration // idle time after which an online operator shows as away
}

// DefaultInactivityTimeout is the thirty-minute rule.
const DefaultInactivityTimeout = 30 * time.Minute

// NewPresenceRules returns the rules for an inactivity timeout: a minute's grace for a
// reload, and away after five minutes without activity (half the timeout when shorter).
func NewPresenceRules(timeout time.Duration) PresenceRules {
	return PresenceRules{Timeout: timeout, Grace: time.Minute, Away: min(5*time.Minute, timeout/2)}
}

// PresenceState is what is known of one operator: their open consoles, their last
// activity, when their last console closed, and when a console last closed because its
// session ended (which takes away the grace of any earlier close).
type PresenceState struct {
	Consoles     int
	LastActivity time.Time
	ClosedAt     time.Time
	EndedAt      time.Time
}

// Connected reports whether a console is open, or the last one closed within the grace.
func (r PresenceRules) Connected(s PresenceState, now time.Time) bool {
	if s.Consoles > 0 {
		return true
	}
	return !s.ClosedAt.IsZero() && s.ClosedAt.After(s.EndedAt) && now.Sub(s.ClosedAt) < r.Grace
}

// Available reports whether an operator in state s may be given a new conversation.
func (r PresenceRules) Available(s PresenceState, now time.Time) bool {
	return r.Connected(s, now) && now.Sub(s.LastActivity) <= r.Timeout
}

// Status is the status other operators see for an operator in state s.
func (r PresenceRules) Status(s PresenceState, now time.Time) Status {
	available := r.Available(s, now)
	switch {
	case !available && s.Consoles == 0:
		return StatusOffline
	case !available || now.Sub(s.LastActivity) > r.Away:
		return StatusAway
	default:
		return StatusOnline
	}
}

// MemoryPresence is the Presence of a single server, kept in its memory: after a restart
// every operator starts offline, with their idle time counted from the moment the
// MemoryPresence was made. Several servers need a shared Presence instead.
type MemoryPresence struct {
	PresenceRules

	now     func() time.Time
	started time.Time

	mu  sync.Mutex
	ops map[int64]*PresenceState
}

var _ Presence = (*MemoryPresence)(nil)

// NewPresence returns a MemoryPresence reading time from now (time.Now when nil).
func NewPresence(timeout time.Duration, now func() time.Time) *MemoryPresence {
	if now == nil {
		now = time.Now
	}
	return &MemoryPresence{
		PresenceRules: NewPresenceRules(timeout),
		now:           now,
		started:       now(),
		ops:           make(map[int64]*PresenceState),
	}
}

// Rules returns the durations the presence applies.
func (p *MemoryPresence) Rules() PresenceRules { return p.PresenceRules }

func (p *MemoryPresence) state(userID int64) *PresenceState {
	s := p.ops[userID]
	if s == nil {
		s = &PresenceState{LastActivity: p.started}
		p.ops[userID] = s
	}
	return s
}

// Connect records a newly opened console. Opening a console counts as activity.
// It reports whether the operator was unavailable before.
func (p *MemoryPresence) Connect(userID int64) (cameOnline bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	s := p.state(userID)
	was := p.PresenceRules.Available(*s, now)
	s.Consoles++
	s.LastActivity = now
	return !was
}

// Disconnect records a closed console.
func (p *MemoryPresence) Disconnect(userID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.ops[userID]
	if s == nil || s.Consoles == 0 {
		return // no console of theirs was open: nothing closed, no grace to start
	}
	s.Consoles--
	if s.Consoles == 0 {
		s.ClosedAt = p.now()
	}
}

// Ended records a console closed because its session ended: an operator with no other
// console open is unavailable at once.
func (p *MemoryPresence) Ended(userID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.ops[userID]
	if s == nil || s.Consoles == 0 {
		return
	}
	s.Consoles--
	if s.Consoles == 0 {
		s.ClosedAt = time.Time{}
	}
}

// Activity records that the operator used the console (keyboard, mouse, focus) or acted
// through the API. It reports whether the operator was unavailable before.
func (p *MemoryPresence) Activity(userID int64) (cameOnline bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	s := p.state(userID)
	was := p.PresenceRules.Available(*s, now)
	s.LastActivity = now
	return !was && p.PresenceRules.Available(*s, now)
}

// Available reports whether the operator may be given a new conversation now.
func (p *MemoryPresence) Available(userID int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.ops[userID]
	return s != nil && p.PresenceRules.Available(*s, p.now())
}

// MarkAvailable sets Online on each candidate who is available: one lock and one look
// at the clock for the whole list.
func (p *MemoryPresence) MarkAvailable(candidates []Candidate) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for i := range candidates {
		s := p.ops[candidates[i].OperatorID]
		candidates[i].Online = s != nil && p.PresenceRules.Available(*s, now)
		candidates[i].Away = s != nil && !candidates[i].Online && p.PresenceRules.Connected(*s, now)
	}
}

// Status is the operator's presence as other operators see it.
func (p *MemoryPresence) Status(userID int64) Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.ops[userID]
	if s == nil {
		return StatusOffline
	}
	return p.PresenceRules.Status(*s, p.now())
}

// Idle reports whether the operator showed no activity for longer than the timeout, and
// so must be removed from the channels they joined.
func (p *MemoryPresence) Idle(userID int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	last := p.started
	if s := p.ops[userID]; s != nil {
		last = s.LastActivity
	}
	return p.now().Sub(last) > p.Timeout
}

// Online lists the operators who are available now.
func (p *MemoryPresence) Online() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	var ids []int64
	for id, s := range p.ops {
		if p.PresenceRules.Available(*s, now) {
			ids = append(ids, id)
		}
	}
	return ids
}
