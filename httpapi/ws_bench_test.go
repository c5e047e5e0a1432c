package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// BenchmarkIdleWebSocket opens 1,000 visitor WebSockets that then stay idle, and reports
// the heap and goroutine stacks that they hold once garbage is collected (B/conn). The
// clients are raw connections that hold little (a socket each): nearly all of it is the
// server's. The process's RSS holds more (the collector lets the heap grow to twice what
// is live before it runs): parley-load --scenario idle measures that.
func BenchmarkIdleWebSocket(b *testing.B) {
	const n = 1000
	_, wsURL, _ := mustVisitorSocketServer(b)
	u, err := url.Parse(wsURL)
	if err != nil {
		b.Fatal(err)
	}
	goroutines := runtime.NumGoroutine()
	var perConn float64
	for b.Loop() {
		before := liveMemory()
		conns := make([]net.Conn, n)
		for i := range conns {
			conns[i] = mustRawWebSocket(b, u)
		}
		time.Sleep(100 * time.Millisecond) // the handlers return after the handshake
		perConn = float64(liveMemory()-before) / n
		for _, c := range conns {
			c.Close()
		}
		for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > goroutines && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond) // the server lets go of them
		}
	}
	b.ReportMetric(perConn, "B/conn")
}

// liveMemory is the heap in use and the goroutine stacks, after two collections: a
// websocket.Conn has a finalizer, so it outlives the first collection that finds it
// unreachable.
func liveMemory() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

// mustRawWebSocket completes a WebSocket handshake on a bare TCP connection, which it
// returns.
func mustRawWebSocket(tb testing.TB, u *url.URL) net.Conn {
	tb.Helper()
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		tb.Fatal(err)
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", u.RequestURI(), u.Host)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		tb.Fatalf("handshake: %v %v", resp, err)
	}
	return conn
}

// BenchmarkWebSocketFanOut publishes events on a visitor's topic while n WebSockets of
// that visitor are open, and counts until each client has read each event: the cost of
// the bus and the write path per event (n deliveries). The clients run in the same
// process, so their reads are in the figures too. Each client has at most 128 events
// on its way, below the queue's bound, so that no client is dropped for being slow.
func BenchmarkWebSocketFanOut(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("sockets=%d", n), func(b *testing.B) {
			bus, url, topic := mustVisitorSocketServer(b)
			payload := []byte(`{"type":"message","conversation_id":1,"message":{"id":1,"author":"operator","body":"Hello, how can I help you today?"}}`)
			var done sync.WaitGroup
			tokens := make([]chan struct{}, n)
			for i := range tokens {
				tokens[i] = make(chan struct{}, 128)
				conn, _, err := websocket.Dial(context.Background(), url, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer conn.CloseNow()
				done.Add(1)
				go func(tokens chan struct{}) {
					defer done.Done()
					for range b.N {
						_, r, err := conn.Reader(context.Background())
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, r)
						<-tokens
					}
				}(tokens[i])
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for _, t := range tokens {
					t <- struct{}{}
				}
				bus.Publish(ctx, topic, payload)
			}
			done.Wait()
		})
	}
}
