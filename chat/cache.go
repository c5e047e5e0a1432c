package chat

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/parleychat/parley"
)

// A chat message arrives with a token and a conversation id; reading the session, the
// visitor and the conversation from the database for each one cost more than storing
// the message. The service therefore keeps, in memory, what rarely changes and only
// changes through it:
//
//   - console sessions (token hash → user), for a minute at most, dropped when the
//     session ends (logout, a password change, an admin's revocation) and when the user
//     changes (preferences, an admin's edit, disabling, deleting);
//   - visitors (token hash → visitor): a visitor never changes, but a replayed start
//     replaces their token, which drops the old one;
//   - the parties of active conversations (id → channel, visitor, operator), dropped
//     when the conversation ends. Only active conversations are kept: a queued one is
//     about to change operator. An active conversation changes operator only when its
//     operator is disabled or deleted, or when it is transferred, which drops it too;
//   - the enabled languages and their matcher (users.go), dropped when one changes.
//
// Everything is still checked by the store where it counts (a message to an ended
// conversation is refused by the transaction that would store it). Entries are dropped
// on the bus's word, so that every server forgets them, not only the one where the
// change was made: account changes on parley.AccountsTopic (accounts.go), the rest on
// parley.CachesTopic (invalidate, below).

// cache is a map bounded in size whose entries may expire; safe for concurrent use.
type cache[K comparable, V any] struct {
	mu  sync.Mutex
	m   map[K]cacheEntry[V]
	max int
	ttl time.Duration // 0: entries do not expire
	// gen counts deletions: a value read from the store while gen stayed the same was
	// not made stale meanwhile by a notice (see putSince).
	gen uint64
}

type cacheEntry[V any] struct {
	v     V
	until time.Time
}

func newCache[K comparable, V any](max int, ttl time.Duration) *cache[K, V] {
	return &cache[K, V]{m: make(map[K]cacheEntry[V]), max: max, ttl: ttl}
}

func (c *cache[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if ok && c.ttl > 0 && !now.Before(e.until) {
		delete(c.m, k)
		ok = false
	}
	return e.v, ok
}

func (c *cache[K, V]) put(k K, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(k, v, now)
}

func (c *cache[K, V]) putLocked(k K, v V, now time.Time) {
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		for old := range c.m { // full: forget one entry, any
			delete(c.m, old)
			break
		}
	}
	c.m[k] = cacheEntry[V]{v: v, until: now.Add(c.ttl)}
}

// generation is what putSince is given: read it before reading the store.
func (c *cache[K, V]) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// putSince keeps v unless something was deleted since generation gen: the store read
// that gave v may then predate a change another server announced, and keeping v would
// bring back what the notice dropped.
func (c *cache[K, V]) putSince(k K, v V, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.putLocked(k, v, now)
	}
}

func (c *cache[K, V]) delete(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, k)
}

// deleteFunc drops every entry whose value matches.
func (c *cache[K, V]) deleteFunc(match func(V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.m {
		if match(e.v) {
			delete(c.m, k)
		}
	}
}

// Cache sizes and lifetimes.
const (
	sessionCacheSize = 10_000
	sessionCacheTTL  = time.Minute
	visitorCacheSize = 100_000
	routeCacheSize   = 100_000
)

// route is who takes part in a conversation: what a message or a typing notice needs
// to be checked and delivered.
type route struct {
	ID          int64
	ChannelID   int64
	VisitorID   int64
	VisitorName string
	OperatorID  int64 // 0 while queued
	Active      bool  // every kept route is
}

func routeOf(c *parley.Conversation) route {
	return route{ID: c.ID, ChannelID: c.ChannelID, VisitorID: c.VisitorID, VisitorName: c.VisitorName, OperatorID: c.OperatorID,
		Active: c.Status == parley.StatusActive}
}

// remember keeps the parties of c if it is active.
func (s *Service) remember(c *parley.Conversation) {
	if c.Status == parley.StatusActive && c.OperatorID != 0 {
		s.routes.put(c.ID, routeOf(c), s.now())
	}
}

// rememberSince keeps the parties of c, read from the store after s.routes was at
// generation gen, unless a conversation ended meanwhile (it may be this one).
func (s *Service) rememberSince(c *parley.Conversation, gen uint64) {
	if c.Status == parley.StatusActive && c.OperatorID != 0 {
		s.routes.putSince(c.ID, routeOf(c), s.now(), gen)
	}
}

// ownRoute is a conversation assigned to the operator, as own checks it.
func (s *Service) ownRoute(ctx context.Context, actor *parley.User, id int64) (route, error) {
	if r, ok := s.routes.get(id, s.now()); ok && r.OperatorID == actor.ID {
		return r, nil
	}
	gen := s.routes.generation()
	c, err := s.own(ctx, actor, id)
	if err != nil {
		return route{}, err
	}
	s.rememberSince(c, gen)
	return routeOf(c), nil
}

// visitorRoute is one of the visitor's conversations, as visitorConversation checks it.
func (s *Service) visitorRoute(ctx context.Context, v *parley.Visitor, id int64) (route, error) {
	if r, ok := s.routes.get(id, s.now()); ok && r.VisitorID == v.ID {
		return r, nil
	}
	gen := s.routes.generation()
	c, err := s.visitorConversation(ctx, v, id)
	if err != nil {
		return route{}, err
	}
	s.rememberSince(c, gen)
	return routeOf(c), nil
}

// invalidate tells every server (this one included, at once: the in-process bus
// delivers before Publish returns) to drop what n makes stale. Called after the store
// committed the change.
func (s *Service) invalidate(ctx context.Context, n parley.CacheNotice) {
	s.drop(n) // here first, should the bus fail
	payload, err := json.Marshal(n)
	if err != nil {
		s.logger.Error("encode cache notice", "err", err)
		return
	}
	if err := s.bus.Publish(ctx, parley.CachesTopic, payload); err != nil {
		s.logger.Error("publish cache notice", "err", err)
	}
}

// cacheNotice is the service's subscriber to parley.CachesTopic.
func (s *Service) cacheNotice(payload []byte) {
	var n parley.CacheNotice
	if err := json.Unmarshal(payload, &n); err != nil {
		s.logger.Error("decode cache notice", "err", err)
		return
	}
	s.drop(n)
}

// drop forgets what a cache notice makes stale.
func (s *Service) drop(n parley.CacheNotice) {
	if n.Languages {
		s.langMu.Lock()
		s.enabled, s.matcher = nil, nil // read again on next use
		s.langMu.Unlock()
	}
	if n.Visitor != 0 {
		s.visitors.deleteFunc(func(known *parley.Visitor) bool { return known.ID == n.Visitor })
	}
	if len(n.Visitors) > 0 {
		gone := make(map[int64]bool, len(n.Visitors))
		for _, id := range n.Visitors {
			gone[id] = true
		}
		s.visitors.deleteFunc(func(known *parley.Visitor) bool { return gone[known.ID] })
	}
	for _, id := range n.Ended {
		s.routes.delete(id)
	}
	for _, id := range n.Moved {
		s.routes.delete(id)
	}
	if n.Webhooks {
		s.store.ForgetWebhooks()
	}
}

// ForgetCaches drops everything kept in memory that a notice from another server could
// have made stale: after the bus lost payloads (a reconnection), a missed notice must not
// leave an ended session, a replaced token or an ended conversation usable here.
func (s *Service) ForgetCaches() {
	s.sessions.deleteFunc(func(*parley.User) bool { return true })
	s.visitors.deleteFunc(func(*parley.Visitor) bool { return true })
	s.routes.deleteFunc(func(route) bool { return true })
	s.drop(parley.CacheNotice{Languages: true, Webhooks: true})
}
