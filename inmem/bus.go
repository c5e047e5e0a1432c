// Package inmem is the single-server event bus: events published by one part of Parley
// reach the WebSocket connections of the same process.
package inmem

import (
	"context"
	"sync"

	"github.com/parleychat/parley"
)

var _ parley.Bus = (*Bus)(nil)

// Bus delivers each payload synchronously to the subscribers of its topic.
type Bus struct {
	mu     sync.RWMutex
	topics map[string]map[*subscriber]struct{}
}

type subscriber struct {
	deliver func([]byte)
}

// NewBus returns an empty bus.
func NewBus() *Bus {
	return &Bus{topics: make(map[string]map[*subscriber]struct{})}
}

// Publish hands payload to every subscriber of topic. Subscribers must not block.
func (b *Bus) Publish(_ context.Context, topic string, payload []byte) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.topics[topic] {
		s.deliver(payload)
	}
	return nil
}

// Subscribe registers deliver for topic until cancel is called.
func (b *Bus) Subscribe(topic string, deliver func([]byte)) (cancel func()) {
	s := &subscriber{deliver: deliver}
	b.mu.Lock()
	subs := b.topics[topic]
	if subs == nil {
		subs = make(map[*subscriber]struct{})
		b.topics[topic] = subs
	}
	subs[s] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			delete(b.topics[topic], s)
			if len(b.topics[topic]) == 0 {
				delete(b.topics, topic)
			}
		})
	}
}
