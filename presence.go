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
// Presence lives in memory: after a restart every operator starts offline, with their
// idle time counted from the moment the Presence was made.
type Presence struct {
	Timeout time.Duration // the inactivity timeout (thirty minutes by default)
	Grace   time.Duration // how long an operator stays available after their last console closed
	Away    time.Duration // idle time after which an online operator shows as away

	now     func() time.Time
	started time.Time

	mu  sync.Mutex
	ops map[int64]*presenceState
}

type presenceState struct {
	consoles     int
	lastActivity time.Time
	closedAt     time.Time // when the last console closed
}

// DefaultInactivityTimeout is the thirty-minute rule.
const DefaultInactivityTimeout = 30 * time.Minute

// NewPresence returns a Presence reading time from now (time.Now when nil).
func NewPresence(timeout time.Duration, now func() time.Time) *Presence {
	if now == nil {
		now = time.Now
	}
	away := 5 * time.Minute
	if away > timeout/2 {
		away = timeout / 2
	}
	return &Presence{
		Timeout: timeout,
		Grace:   time.Minute,
		Away:    away,
		now:     now,
		started: now(),
		ops:     make(map[int64]*presenceState),
	}
}

func (p *Presence) state(userID int64) *presenceState {
	s := p.ops[userID]
	if s == nil {
		s = &presenceState{lastActivity: p.started}
		p.ops[userID] = s
	}
	return s
}

// Connect records a newly opened console. Opening a console counts as activity.
// It reports whether the operator was unavailable before.
func (p *Presence) Connect(userID int64) (cameOnline bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	s := p.state(userID)
	was := p.available(s, now)
	s.consoles++
	s.lastActivity = now
	return !was
}

// Disconnect records a closed console.
func (p *Presence) Disconnect(userID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.ops[userID]
	if s == nil || s.consoles == 0 {
		return // no console of theirs was open: nothing closed, no grace to start
	}
	s.consoles--
	if s.consoles == 0 {
		s.closedAt = p.now()
	}
}

// Ended records a console closed because its session ended (logout, a password
// change, an admin's revocation): unlike a closed page, it gets no grace, so an operator
// with no other console open is unavailable at once.
func (p *Presence) Ended(userID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.ops[userID]
	if s == nil || s.consoles == 0 {
		return
	}
	s.consoles--
	if s.consoles == 0 {
		s.closedAt = time.Time{}
	}
}

// Activity records that the operator used the console (keyboard, mouse, focus) or acted
// through the API. It reports whether the operator was unavailable before.
func (p *Presence) Activity(userID int64) (cameOnline bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	s := p.state(userID)
	was := p.available(s, now)
	s.lastActivity = now
	return !was && p.available(s, now)
}

// Available reports whether the operator may be given a new conversation now.
func (p *Presence) Available(userID int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.ops[userID]
	return s != nil && p.available(s, p.now())
}

// MarkAvailable sets Online on each candidate who is available: one lock and one look
// at the clock for the whole list.
func (p *Presence) MarkAvailable(candidates []Candidate) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for i := range candidates {
		s := p.ops[candidates[i].OperatorID]
		candidates[i].Online = s != nil && p.available(s, now)
	}
}

func (p *Presence) available(s *presenceState, now time.Time) bool {
	connected := s.consoles > 0 || (!s.closedAt.IsZero() && now.Sub(s.closedAt) < p.Grace)
	return connected && now.Sub(s.lastActivity) <= p.Timeout
}

// Status is the operator's presence as other operators see it.
func (p *Presence) Status(userID int64) Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.ops[userID]
	now := p.now()
	switch {
	case s == nil || !p.available(s, now) && s.consoles == 0:
		return StatusOffline
	case !p.available(s, now) || now.Sub(s.lastActivity) > p.Away:
		return StatusAway
	default:
		return StatusOnline
	}
}

// Idle reports whether the operator showed no activity for longer than the timeout, and
// so must be removed from the channels they joined.
func (p *Presence) Idle(userID int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	last := p.started
	if s := p.ops[userID]; s != nil {
		last = s.lastActivity
	}
	return p.now().Sub(last) > p.Timeout
}

// Online lists the operators who are available now.
func (p *Presence) Online() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	var ids []int64
	for id, s := range p.ops {
		if p.available(s, now) {
			ids = append(ids, id)
		}
	}
	return ids
}
