package inmem_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleychat/parley/inmem"
)

// BenchmarkPublish hands one event to every subscriber of a topic: an operator's open
// consoles, or many. The bus should cost no allocation per subscriber.
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			bus := inmem.NewBus()
			var delivered int
			for range n {
				defer mustSubscribe(b, bus, "user.1", func([]byte) { delivered++ })()
			}
			mustSubscribe(b, bus, "user.2", func([]byte) {}) // another topic, never published on
			ctx := context.Background()
			payload := []byte(`{"type":"message"}`)
			b.ReportAllocs()
			for b.Loop() {
				bus.Publish(ctx, "user.1", payload)
			}
			if delivered != b.N*n {
				b.Fatalf("delivered %d, want %d", delivered, b.N*n)
			}
		})
	}
}
