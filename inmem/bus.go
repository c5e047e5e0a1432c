// Package inmem is the single-server event bus: events published by one part of Parley
// reach the WebSocket connections of the same process.
package inmem

import (
	"context"
	"slices"
	"sync"

	"github.com/parleychat/parley"
)

var _ parley.Bus = (*Bus)(nil)

// Bus delivers each payload synchronously to the subscribers of its topic.
type Bus struct {
	mu sync.RWMutex
	// Most topics have one subscriber (a visitor's widget, an operator's console): a
	// slice costs a word for it where a set would cost a map.
	topics map[string][]*subscriber
}

type subscriber struct {
	deliver func([]byte) // nil once cancelled
}

// NewBus returns an empty bus.
func NewBus() *Bus {
	return &Bus{topics: make(map[string][]*subscriber)}
}

// Publish hands payload to every subscriber of topic. Subscribers must not block.
func (b *Bus) Publish(_ context.Context, topic string, payload []byte) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, s := range b.topics[topic] {
		s.deliver(payload)
	}
	return nil
}

// Subscribe registers deliver for topic until cancel is called. It never fails.
func (b *Bus) Subscribe(topic string, deliver func([]byte)) (cancel func(), err error) {
	s := &subscriber{deliver: deliver}
	b.mu.Lock()
	b.topics[topic] = append(b.topics[topic], s)
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if s.deliver == nil {
			return
		}
		s.deliver = nil
		subs := slices.DeleteFunc(b.topics[topic], func(x *subscriber) bool { return x == s })
		if len(subs) == 0 {
			delete(b.topics, topic)
		} else {
			b.topics[topic] = subs
		}
	}, nil
}
