package natsbus_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/parleychat/parley/natsbus"
)

// wait bounds every wait for a delivery: it catches a payload that never comes, and
// says nothing of speed.
const wait = 10 * time.Second

// A payload published on one server reaches the subscribers of its topic on every
// server, the publisher's included, and no one else: not another topic's, nor another
// prefix's.
func TestPayloadReachesSubscribersOnEveryServer(t *testing.T) {
	url := mustNATSURL(t)
	prefix := mustPrefix(t)
	a := mustOpen(t, url, natsbus.Prefix(prefix))
	b := mustOpen(t, url, natsbus.Prefix(prefix))
	other := mustOpen(t, url, natsbus.Prefix(prefix+"-other"))

	a1, a2, b1 := newInbox(), newInbox(), newInbox()
	aOther, otherPrefix := newInbox(), newInbox()
	mustSubscribe(t, a, "user.5", a1.deliver)
	mustSubscribe(t, a, "user.5", a2.deliver)
	mustSubscribe(t, b, "user.5", b1.deliver)
	mustSubscribe(t, a, "user.6", aOther.deliver)
	mustSubscribe(t, other, "user.5", otherPrefix.deliver)

	mustPublish(t, a, "user.5", "from a")
	for _, in := range []*inbox{a1, a2, b1} {
		in.waitFor(t, "from a")
	}
	mustPublish(t, b, "user.5", "from b")
	// The end marks go out after everything else from their publisher: once they are
	// in, whatever else was coming is in too.
	mustPublish(t, a, "user.6", "end")
	mustPublish(t, other, "user.5", "end")
	for name, c := range map[string]struct {
		in   *inbox
		want []string
	}{
		"a's first subscriber":        {a1, []string{"from a", "from b"}},
		"a's second subscriber":       {a2, []string{"from a", "from b"}},
		"b's subscriber":              {b1, []string{"from a", "from b"}},
		"a's subscriber to user.6":    {aOther, []string{"end"}},
		"another prefix's subscriber": {otherPrefix, []string{"end"}},
	} {
		if got := c.in.waitFor(t, c.want[len(c.want)-1]); !slices.Equal(got, c.want) {
			t.Errorf("%s got %q, want %q", name, got, c.want)
		}
	}
}

// A server's own subscribers get what it publishes even while it is cut off from NATS:
// a visitor and an operator on one server go on chatting. The other servers get it once
// the connection is back, and the publisher's subscribers do not get it a second time.
func TestOwnSubscribersDoNotWaitForNATS(t *testing.T) {
	url := mustNATSURL(t)
	prefix := mustPrefix(t)
	link := mustProxy(t, strings.TrimPrefix(url, "nats://"))
	a := mustOpen(t, link.url, natsbus.Prefix(prefix), natsbus.NATSOptions(
		nats.ReconnectWait(50*time.Millisecond), nats.ReconnectJitter(0, 0)))
	b := mustOpen(t, url, natsbus.Prefix(prefix))
	onA, onB := newInbox(), newInbox()
	mustSubscribe(t, a, "user.1", onA.deliver)
	mustSubscribe(t, b, "user.1", onB.deliver)

	link.cut()
	waitUntil(t, "a sees NATS gone", func() bool { return !a.Conn().IsConnected() })
	mustPublish(t, a, "user.1", "while cut off")
	onA.waitFor(t, "while cut off")
	if got := onB.got(); len(got) != 0 {
		t.Fatalf("b got %q while a was cut off from NATS", got)
	}
	link.mend()
	onB.waitFor(t, "while cut off") // from nats.go's reconnect buffer
	// b's mark reaches a after anything NATS could have sent a before it.
	mustPublish(t, b, "user.1", "end")
	if got := onA.waitFor(t, "end"); !slices.Equal(got, []string{"while cut off", "end"}) {
		t.Errorf("a's subscriber got %q, want [while cut off end]", got)
	}
}

// A server holds one NATS subscription per topic, whatever the number of its local
// subscribers, each of which gets every payload once; the last one to cancel
// unsubscribes.
func TestOneNATSSubscriptionPerTopicPerServer(t *testing.T) {
	url := mustNATSURL(t)
	prefix := mustPrefix(t)
	a := mustOpen(t, url, natsbus.Prefix(prefix))
	b := mustOpen(t, url, natsbus.Prefix(prefix))
	base := a.Conn().NumSubscriptions() // the bus's own
	subscriptions := func(want int) {
		t.Helper()
		if got := a.Conn().NumSubscriptions() - base; got != want {
			t.Fatalf("%d NATS subscriptions, want %d", got, want)
		}
	}

	const n = 3
	inboxes := make([]*inbox, n)
	cancels := make([]func(), n)
	for i := range n {
		inboxes[i] = newInbox()
		cancels[i] = mustSubscribe(t, a, "user.1", inboxes[i].deliver)
	}
	two := newInbox()
	mustSubscribe(t, a, "user.2", two.deliver)
	subscriptions(2)

	mustPublish(t, b, "user.1", "one")
	mustPublish(t, b, "user.1", "two")
	for i, in := range inboxes {
		if got := in.waitFor(t, "two"); !slices.Equal(got, []string{"one", "two"}) {
			t.Errorf("subscriber %d got %q, want [one two]", i, got)
		}
	}

	cancels[0]()
	cancels[0]() // cancelling twice is harmless
	cancels[1]()
	subscriptions(2)
	mustPublish(t, b, "user.1", "three")
	if got := inboxes[2].waitFor(t, "three"); !slices.Equal(got, []string{"one", "two", "three"}) {
		t.Errorf("the remaining subscriber got %q, want [one two three]", got)
	}
	cancels[2]()
	subscriptions(1)

	// Subscribed again, the topic gets a subscription of its own again, and only what
	// is published from then on.
	again := newInbox()
	mustSubscribe(t, a, "user.1", again.deliver)
	subscriptions(2)
	mustPublish(t, b, "user.1", "four")
	if got := again.waitFor(t, "four"); !slices.Equal(got, []string{"four"}) {
		t.Errorf("the new subscriber got %q, want [four]", got)
	}
	for i, in := range inboxes {
		if got := in.got(); slices.Contains(got, "four") {
			t.Errorf("cancelled subscriber %d got %q", i, got)
		}
	}
}

// A bus whose connection is closed refuses to subscribe, and says so, as it refuses to
// publish.
func TestSubscribeFailsWhenTheConnectionIsClosed(t *testing.T) {
	a := mustOpen(t, mustNATSURL(t), natsbus.Prefix(mustPrefix(t)))
	a.Close()
	cancel, err := a.Subscribe("user.1", func([]byte) {})
	if err == nil {
		t.Fatal("subscribed on a closed connection")
	}
	if cancel != nil {
		t.Error("a failed Subscribe returned a cancel function")
	}
	if err := a.Publish(context.Background(), "user.1", []byte("x")); err == nil {
		t.Error("published on a closed connection")
	}

	// A topic whose subscriber is not cancelled yet when the bus closes (a WebSocket
	// still closing) takes no new subscriber either.
	b := mustOpen(t, mustNATSURL(t), natsbus.Prefix(mustPrefix(t)))
	if _, err := b.Subscribe("user.2", func([]byte) {}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if cancel, err := b.Subscribe("user.2", func([]byte) {}); err == nil {
		cancel()
		t.Fatal("joined a topic of a closed connection")
	}
}

// A server whose NATS does not answer at start-up does not start: Open says why, without
// the password of the URL.
func TestOpenFailsWithoutNATS(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nobody listens there now
	b, err := natsbus.Open("nats://parley:secret@" + addr)
	if err == nil {
		b.Close()
		t.Fatal("opened a bus on a NATS that does not listen")
	}
	if strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q: want the address without the password", err)
	}
}

// After the NATS server restarts, each bus reconnects, calls its resync callback once
// its subscriptions are back, and payloads published from then on are delivered again:
// to the subscriptions made before the restart and to one made while NATS was down.
func TestResyncAfterNATSRestart(t *testing.T) {
	srv := mustStartNATS(t)
	prefix := mustPrefix(t)
	fast := natsbus.NATSOptions(nats.ReconnectWait(50*time.Millisecond), nats.ReconnectJitter(0, 0))
	a := mustOpen(t, srv.url, natsbus.Prefix(prefix), fast)
	b := mustOpen(t, srv.url, natsbus.Prefix(prefix), fast)
	aResynced, bResynced := make(chan struct{}, 10), make(chan struct{}, 10)
	a.OnResync(func() { aResynced <- struct{}{} })
	b.OnResync(func() { bResynced <- struct{}{} })

	before := newInbox()
	mustSubscribe(t, a, "user.1", before.deliver)
	mustPublish(t, b, "user.1", "before")
	before.waitFor(t, "before")

	srv.stop(t)
	waitUntil(t, "a sees NATS gone", func() bool { return !a.Conn().IsConnected() })
	during := newInbox()
	mustSubscribe(t, a, "user.2", during.deliver) // while NATS is down: sent on reconnection
	srv.start(t)

	for name, ch := range map[string]chan struct{}{"a": aResynced, "b": bResynced} {
		select {
		case <-ch:
		case <-time.After(wait):
			t.Fatalf("%s did not resync after NATS restarted", name)
		}
	}
	mustPublish(t, b, "user.1", "after")
	mustPublish(t, b, "user.2", "after")
	if got := before.waitFor(t, "after"); !slices.Equal(got, []string{"before", "after"}) {
		t.Errorf("subscriber from before the restart got %q, want [before after]", got)
	}
	if got := during.waitFor(t, "after"); !slices.Equal(got, []string{"after"}) {
		t.Errorf("subscriber from while NATS was down got %q, want [after]", got)
	}
}

// Payloads that come faster than the local subscribers take them are dropped by NATS:
// the bus then resyncs, so that clients fetch what they missed.
func TestResyncAfterDroppedPayloads(t *testing.T) {
	url := mustNATSURL(t)
	prefix := mustPrefix(t)
	a := mustOpen(t, url, natsbus.Prefix(prefix), natsbus.QueueLen(1))
	b := mustOpen(t, url, natsbus.Prefix(prefix))
	resynced := make(chan struct{}, 10)
	a.OnResync(func() { resynced <- struct{}{} })

	// A subscriber stuck on the first payload: the second waits in the queue, and the
	// rest find it full. (Real subscribers never block; this one stands for many.)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // before the buses close: they wait for it
	stuck := newInbox()
	mustSubscribe(t, a, "user.1", func(p []byte) {
		stuck.deliver(p)
		<-release
	})
	for i := range 10 {
		mustPublish(t, b, "user.1", strconv.Itoa(i))
	}
	select {
	case <-resynced:
	case <-time.After(wait):
		t.Fatal("no resync after payloads were dropped")
	}
}

// A server cut off from NATS longer than its reconnect buffer lasts cannot publish some
// payloads: once it is back, every other server resyncs, although their own connection
// never failed.
func TestOthersResyncAfterAServerCouldNotPublish(t *testing.T) {
	url := mustNATSURL(t)
	prefix := mustPrefix(t)
	link := mustProxy(t, strings.TrimPrefix(url, "nats://"))
	a := mustOpen(t, link.url, natsbus.Prefix(prefix), natsbus.NATSOptions(
		nats.ReconnectWait(50*time.Millisecond), nats.ReconnectJitter(0, 0), nats.ReconnectBufSize(1)))
	b := mustOpen(t, url, natsbus.Prefix(prefix))
	aResynced, bResynced := make(chan struct{}, 10), make(chan struct{}, 10)
	a.OnResync(func() { aResynced <- struct{}{} })
	b.OnResync(func() { bResynced <- struct{}{} })

	link.cut()
	waitUntil(t, "a sees NATS gone", func() bool { return !a.Conn().IsConnected() })
	failed := false
	for range 10 {
		if a.Publish(context.Background(), "user.1", []byte("lost")) != nil {
			failed = true
			break
		}
	}
	if !failed {
		t.Fatal("every publish was buffered: none lost to test with")
	}
	link.mend()
	for name, ch := range map[string]chan struct{}{"a": aResynced, "b": bResynced} {
		select {
		case <-ch:
		case <-time.After(wait):
			t.Fatalf("%s did not resync after a's payloads were lost", name)
		}
	}
}

// BenchmarkPublish publishes on one server's bus to a subscriber on another's, through
// NATS, and waits for every payload to arrive.
func BenchmarkPublish(b *testing.B) {
	url := mustNATSURL(b)
	prefix := mustPrefix(b)
	pub := mustOpen(b, url, natsbus.Prefix(prefix))
	sub := mustOpen(b, url, natsbus.Prefix(prefix))
	var mu sync.Mutex
	delivered := 0
	all := make(chan struct{})
	var want int
	mustSubscribe(b, sub, "user.1", func([]byte) {
		mu.Lock()
		delivered++
		if delivered == want {
			close(all)
		}
		mu.Unlock()
	})
	payload := []byte(`{"type":"message","conversation_id":1,"message":{"id":1,"conversation_id":1,"seq":1,"author":"visitor","body":"Hello, I have a question about my order."}}`)
	ctx := context.Background()
	mu.Lock()
	want = b.N
	mu.Unlock()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := pub.Publish(ctx, "user.1", payload); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-all:
	case <-time.After(time.Minute):
		mu.Lock()
		b.Fatalf("%d of %d payloads delivered", delivered, b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// mustNATSURL is the shared NATS of the tests, or skips.
func mustNATSURL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv("PARLEY_TEST_NATS")
	if url == "" {
		tb.Skip("PARLEY_TEST_NATS not set: e.g. nats://127.0.0.1:4222")
	}
	return url
}

// mustPrefix is a subject prefix of the test's own on a shared NATS.
func mustPrefix(tb testing.TB) string {
	tb.Helper()
	return "parleytest." + rand.Text()
}

func mustOpen(tb testing.TB, url string, opts ...natsbus.Option) *natsbus.Bus {
	tb.Helper()
	b, err := natsbus.Open(url, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Close)
	return b
}

func mustSubscribe(tb testing.TB, b *natsbus.Bus, topic string, deliver func([]byte)) (cancel func()) {
	tb.Helper()
	cancel, err := b.Subscribe(topic, deliver)
	if err != nil {
		tb.Fatalf("subscribe to %s: %v", topic, err)
	}
	return cancel
}

func mustPublish(tb testing.TB, b *natsbus.Bus, topic, payload string) {
	tb.Helper()
	if err := b.Publish(context.Background(), topic, []byte(payload)); err != nil {
		tb.Fatalf("publish on %s: %v", topic, err)
	}
}

// inbox collects the payloads a subscriber is delivered.
type inbox struct {
	mu       sync.Mutex
	payloads []string
	changed  chan struct{} // closed and replaced on each delivery
}

func newInbox() *inbox { return &inbox{changed: make(chan struct{})} }

func (in *inbox) deliver(p []byte) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.payloads = append(in.payloads, string(p))
	close(in.changed)
	in.changed = make(chan struct{})
}

func (in *inbox) got() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.payloads)
}

// waitFor waits until payload was delivered, and returns what was by then.
func (in *inbox) waitFor(tb testing.TB, payload string) []string {
	tb.Helper()
	timeout := time.After(wait)
	for {
		in.mu.Lock()
		got, changed := slices.Clone(in.payloads), in.changed
		in.mu.Unlock()
		if slices.Contains(got, payload) {
			return got
		}
		select {
		case <-changed:
		case <-timeout:
			tb.Fatalf("%q not delivered; got %q", payload, got)
		}
	}
}

func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// proxy is a TCP link to NATS that a test can cut.
type proxy struct {
	url   string
	mu    sync.Mutex
	down  bool
	conns []net.Conn
}

// mustProxy forwards connections to addr until the test ends.
func mustProxy(tb testing.TB, addr string) *proxy {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &proxy{url: "nats://" + l.Addr().String()}
	tb.Cleanup(func() {
		l.Close()
		p.cut()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			down := p.down
			if !down {
				p.conns = append(p.conns, c)
			}
			p.mu.Unlock()
			if down {
				c.Close()
				continue
			}
			up, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	return p
}

// cut closes every connection through the link and refuses new ones until mend.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) mend() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// natsServer is a nats-server of the test's own, which it can stop and start again on
// the same port.
type natsServer struct {
	bin  string
	port string
	url  string
	cmd  *exec.Cmd // nil when stopped
}

// mustStartNATS starts a nats-server (core NATS, no JetStream) on a free port.
func mustStartNATS(tb testing.TB) *natsServer {
	tb.Helper()
	mustNATSURL(tb) // the NATS tests are wanted
	bin := "/usr/sbin/nats-server"
	if _, err := os.Stat(bin); err != nil {
		if bin, err = exec.LookPath("nats-server"); err != nil {
			tb.Skip("nats-server not installed")
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	s := &natsServer{bin: bin, port: port, url: "nats://127.0.0.1:" + port}
	s.start(tb)
	tb.Cleanup(func() {
		if s.cmd != nil {
			s.stop(tb)
		}
	})
	return s
}

func (s *natsServer) start(tb testing.TB) {
	tb.Helper()
	cmd := exec.Command(s.bin, "-a", "127.0.0.1", "-p", s.port)
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s.cmd = cmd
	waitUntil(tb, fmt.Sprintf("nats-server listens on port %s", s.port), func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+s.port)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// stop kills the server, as a crash would.
func (s *natsServer) stop(tb testing.TB) {
	tb.Helper()
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}
