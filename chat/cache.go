package chat

import (
	"context"
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
//   - visitors (token hash → visitor): a visitor never changes;
//   - the parties of active conversations (id → channel, visitor, operator), dropped
//     when the conversation ends. Only active conversations are kept: a queued one is
//     about to change operator. An active conversation changes operator only when its
//     operator is disabled or deleted, which drops it too.
//
// Everything is still checked by the store where it counts (a message to an ended
// conversation is refused by the transaction that would store it). Account changes
// drop entries on the bus's word (parley.AccountsTopic, accounts.go), so that every
// server forgets them, not only the one where the change was made.

// cache is a map bounded in size whose entries may expire; safe for concurrent use.
type cache[K comparable, V any] struct {
	mu  sync.Mutex
	m   map[K]cacheEntry[V]
	max int
	ttl time.Duration // 0: entries do not expire
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
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		for old := range c.m { // full: forget one entry, any
			delete(c.m, old)
			break
		}
	}
	c.m[k] = cacheEntry[V]{v: v, until: now.Add(c.ttl)}
}

func (c *cache[K, V]) delete(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}

// deleteFunc drops every entry whose value matches.
func (c *cache[K, V]) deleteFunc(match func(V) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
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
}

func routeOf(c *parley.Conversation) route {
	return route{ID: c.ID, ChannelID: c.ChannelID, VisitorID: c.VisitorID, VisitorName: c.VisitorName, OperatorID: c.OperatorID}
}

// remember keeps the parties of c if it is active.
func (s *Service) remember(c *parley.Conversation) {
	if c.Status == parley.StatusActive && c.OperatorID != 0 {
		s.routes.put(c.ID, routeOf(c), s.now())
	}
}

// ownRoute is a conversation assigned to the operator, as own checks it.
func (s *Service) ownRoute(ctx context.Context, actor *parley.User, id int64) (route, error) {
	if r, ok := s.routes.get(id, s.now()); ok && r.OperatorID == actor.ID {
		return r, nil
	}
	c, err := s.own(ctx, actor, id)
	if err != nil {
		return route{}, err
	}
	s.remember(c)
	return routeOf(c), nil
}

// visitorRoute is one of the visitor's conversations, as visitorConversation checks it.
func (s *Service) visitorRoute(ctx context.Context, v *parley.Visitor, id int64) (route, error) {
	if r, ok := s.routes.get(id, s.now()); ok && r.VisitorID == v.ID {
		return r, nil
	}
	c, err := s.visitorConversation(ctx, v, id)
	if err != nil {
		return route{}, err
	}
	s.remember(c)
	return routeOf(c), nil
}
