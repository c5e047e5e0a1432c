package inmem_test

import (
	"context"
	"testing"

	"github.com/parleychat/parley/inmem"
)

func TestBusDeliversToTopicSubscribersUntilCancelled(t *testing.T) {
	b := inmem.NewBus()
	var a1, a2, other []string
	cancel1 := mustSubscribe(t, b, "user.1", func(p []byte) { a1 = append(a1, string(p)) })
	cancel2 := mustSubscribe(t, b, "user.1", func(p []byte) { a2 = append(a2, string(p)) })
	mustSubscribe(t, b, "user.2", func(p []byte) { other = append(other, string(p)) })

	b.Publish(context.Background(), "user.1", []byte("one"))
	cancel1()
	cancel1() // cancelling twice is harmless
	b.Publish(context.Background(), "user.1", []byte("two"))
	cancel2()
	b.Publish(context.Background(), "user.1", []byte("three"))
	b.Publish(context.Background(), "nobody", []byte("lost"))

	if len(a1) != 1 || a1[0] != "one" {
		t.Errorf("first subscriber got %q, want [one]", a1)
	}
	if len(a2) != 2 || a2[0] != "one" || a2[1] != "two" {
		t.Errorf("second subscriber got %q, want [one two]", a2)
	}
	if len(other) != 0 {
		t.Errorf("another topic's subscriber got %q", other)
	}
}

// mustSubscribe subscribes deliver to topic; the in-process bus never refuses.
func mustSubscribe(tb testing.TB, b *inmem.Bus, topic string, deliver func([]byte)) (cancel func()) {
	tb.Helper()
	cancel, err := b.Subscribe(topic, deliver)
	if err != nil {
		tb.Fatalf("subscribe to %s: %v", topic, err)
	}
	return cancel
}
