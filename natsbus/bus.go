// Package natsbus is the event bus between several Parley servers, over NATS core: a
// payload published on one server reaches the subscribers of its topic on every server.
// Each server keeps one NATS subscription per topic, shared by all its local
// subscribers of that topic, as Centrifuge does. A server hands its own payloads to its
// own subscribers without the round trip through NATS, which does not send them back
// (NoEcho). NATS core delivers at most once: after
// anything that may have lost payloads (a reconnection, a dropped slow consumer) the bus
// calls its resync callbacks, so that clients fetch what they missed.
package natsbus

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	neturl "net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/parleychat/parley"
)

var _ parley.Bus = (*Bus)(nil)

// Defaults of the options.
const (
	DefaultPrefix   = "parley"
	DefaultQueueLen = 1 << 16
)

// resyncTopic is where a bus that could not send some payloads (its connection was down
// longer than nats.go's reconnect buffer lasts) asks every other server to resync once
// it is back: their clients missed those payloads without any trouble of their own.
// No topic of Parley's begins with an underscore.
const resyncTopic = "_bus.resync"

// confirmTimeout bounds the wait for the broker to confirm a new subscription: a broker
// that does not answer within it is as good as gone.
const confirmTimeout = 5 * time.Second

// Option sets up a Bus.
type Option func(*config)

type config struct {
	prefix   string
	logger   *slog.Logger
	queueLen int
	nats     []nats.Option
}

// Prefix puts every subject under prefix: topic user.5 is subject prefix.user.5. Servers
// that work together share it; tests on a shared NATS each take their own.
func Prefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// Logger is where the bus logs its connection's troubles; none by default.
func Logger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// QueueLen is how many received payloads may wait for delivery to local subscribers;
// beyond it NATS drops them and the bus resyncs.
func QueueLen(n int) Option { return func(c *config) { c.queueLen = n } }

// NATSOptions are passed to nats.Connect after the bus's own (reconnect for ever, and
// its handlers), which they may thus override: credentials, TLS, reconnection delays.
// Replacing the reconnect or error handlers disables the resync.
func NATSOptions(opts ...nats.Option) Option {
	return func(c *config) { c.nats = append(c.nats, opts...) }
}

// Bus is a parley.Bus over one NATS connection. Make it with Open.
type Bus struct {
	nc     *nats.Conn
	prefix string // with its trailing dot
	logger *slog.Logger

	// Every subscription's messages, and this server's own payloads, come through this
	// one channel and are handed out by one goroutine: a topic costs no goroutine, and
	// each topic's payloads keep their order (NATS's, and this server's publishing order).
	msgs chan *nats.Msg

	mu     sync.RWMutex
	topics map[string]*topic // by subject

	id   string      // tells this bus's own resync requests from the others'
	lost atomic.Bool // a publish failed: the others must resync once this bus is back

	resyncMu sync.Mutex
	onResync []func()
	resync   chan struct{} // a resync is due; holds one

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// topic is a server's one NATS subscription to a subject and its local subscribers.
type topic struct {
	sub   *nats.Subscription
	ready chan struct{} // closed once the broker confirmed the subscription, or not
	err   error         // why it was not; set before ready is closed
	subs  []*subscriber // replaced, never changed in place: the dispatcher reads it unlocked
}

type subscriber struct {
	deliver func([]byte)
}

// Open connects to the NATS server at url (several may be given, comma-separated) and
// returns its bus. The connection is re-established for as long as the bus is open.
func Open(url string, opts ...Option) (*Bus, error) {
	c := config{prefix: DefaultPrefix, logger: slog.New(slog.DiscardHandler), queueLen: DefaultQueueLen}
	for _, o := range opts {
		o(&c)
	}
	if c.prefix == "" || strings.ContainsAny(c.prefix, " \t\r\n*>") || strings.HasPrefix(c.prefix, ".") || strings.HasSuffix(c.prefix, ".") || strings.Contains(c.prefix, "..") {
		return nil, fmt.Errorf("nats bus: prefix %q is not a subject: dot-separated tokens without spaces nor wildcards", c.prefix)
	}
	if c.queueLen < 1 {
		return nil, fmt.Errorf("nats bus: queue length %d: at least 1", c.queueLen)
	}
	b := &Bus{
		id:     rand.Text(),
		prefix: c.prefix + ".",
		logger: c.logger,
		msgs:   make(chan *nats.Msg, c.queueLen),
		topics: make(map[string]*topic),
		resync: make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
	nopts := []nats.Option{
		nats.Name("parley"),
		// Publish delivers to this server's subscribers itself.
		nats.NoEcho(),
		// A server lives longer than any outage of NATS: it never gives up reconnecting.
		nats.MaxReconnects(-1),
		// nats.go sends the subscriptions again before it calls this.
		nats.ReconnectHandler(func(*nats.Conn) { b.needResync("reconnected") }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: closed by Close
				b.logger.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				b.needResync("payloads dropped")
				return
			}
			b.logger.Error("nats", "err", err)
		}),
	}
	nc, err := nats.Connect(url, append(nopts, c.nats...)...)
	if err != nil {
		return nil, fmt.Errorf("nats bus: connect to %s: %w", redact(url), err)
	}
	b.nc = nc
	if _, err := nc.Subscribe(b.prefix+resyncTopic, func(m *nats.Msg) {
		if string(m.Data) != b.id {
			b.needResync("another server could not publish")
		}
	}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats bus: subscribe to %s: %w", resyncTopic, err)
	}
	b.wg.Add(2)
	go b.dispatch()
	go b.resyncLoop()
	return b, nil
}

// redact hides the passwords of a list of NATS URLs, for messages.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if u, err := neturl.Parse(strings.TrimSpace(p)); err == nil {
			parts[i] = u.Redacted()
		} else {
			parts[i] = "(an invalid URL)"
		}
	}
	return strings.Join(parts, ",")
}

// Conn is the bus's NATS connection, for its status and statistics.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// Close closes the connection, after sending what was published, and stops deliveries.
func (b *Bus) Close() {
	b.closeOnce.Do(func() {
		b.nc.Close()
		close(b.done)
		b.wg.Wait()
	})
}

// Ping reports whether the server is connected to NATS now: the health check fails
// while it is not, so that load balancers send clients to a server that hears the others.
func (b *Bus) Ping(context.Context) error {
	if !b.nc.IsConnected() {
		return fmt.Errorf("not connected to NATS (%s)", b.nc.Status())
	}
	return nil
}

// OnResync registers f, to be called after the bus may have lost payloads: the
// connection was re-established, or payloads came faster than local subscribers took
// them. Subscriptions are in place again when f is called, so a client that fetches what
// it missed after then misses nothing. Calls are one at a time, on a goroutine of the
// bus's, and several causes close together make one call.
func (b *Bus) OnResync(f func()) {
	b.resyncMu.Lock()
	defer b.resyncMu.Unlock()
	b.onResync = append(b.onResync, f)
}

func (b *Bus) needResync(reason string) {
	b.logger.Warn("nats bus resync", "reason", reason)
	select {
	case b.resync <- struct{}{}:
	default: // one is due already
	}
}

func (b *Bus) resyncLoop() {
	defer b.wg.Done()
	for {
		select {
		case <-b.done:
			return
		case <-b.resync:
		}
		// The subscriptions sent again on reconnection are in effect once the broker has
		// answered what follows them.
		if err := b.nc.FlushTimeout(confirmTimeout); err != nil {
			b.logger.Warn("nats bus resync: flush", "err", err)
		}
		if b.lost.Swap(false) {
			if err := b.nc.Publish(b.prefix+resyncTopic, []byte(b.id)); err != nil {
				b.lost.Store(true) // asked again after the next reconnection
			}
		}
		b.resyncMu.Lock()
		fs := slices.Clone(b.onResync)
		b.resyncMu.Unlock()
		for _, f := range fs {
			f()
		}
	}
}

// Publish sends payload to the subscribers of topic on every server, this one included.
// This server's subscribers get it from here, through NATS or not: a visitor and an
// operator on one server skip the broker's round trip, and keep chatting while it is
// out of reach. It returns once NATS has buffered it for the others: while the
// connection is re-established it is kept (up to nats.go's reconnect buffer) and sent
// after. When it fails for want of a connection, every other server resyncs once the
// connection is back.
func (b *Bus) Publish(_ context.Context, topic string, payload []byte) error {
	subject := b.prefix + topic
	b.mu.RLock()
	t := b.topics[subject]
	b.mu.RUnlock()
	if t != nil {
		select {
		case b.msgs <- &nats.Msg{Subject: subject, Data: payload, Sub: t.sub}:
		default: // as NATS does when the queue is full
			b.needResync("payloads dropped")
		}
	}
	if err := b.nc.Publish(subject, payload); err != nil {
		if errors.Is(err, nats.ErrReconnectBufExceeded) || b.nc.IsReconnecting() {
			b.lost.Store(true)
		}
		return fmt.Errorf("publish on %s: %w", topic, err)
	}
	return nil
}

// Subscribe calls deliver for every payload published on topic, on any server, until
// cancel is called. The first local subscriber of a topic subscribes on NATS and waits
// for the broker to confirm, so that whatever is published once Subscribe returned
// reaches deliver; the others share its subscription. It fails when the connection is
// closed or the broker does not confirm. While the connection is being re-established,
// it succeeds at once: the subscription is sent on reconnection, and a resync follows.
func (b *Bus) Subscribe(topicName string, deliver func([]byte)) (cancel func(), err error) {
	subject := b.prefix + topicName
	s := &subscriber{deliver: deliver}
	// A closed bus delivers nothing, even on a topic whose subscription is still there
	// for subscribers not yet cancelled.
	if b.nc.IsClosed() {
		return nil, fmt.Errorf("subscribe to %s: %w", topicName, nats.ErrConnectionClosed)
	}
	b.mu.Lock()
	t := b.topics[subject]
	first := t == nil
	if first {
		sub, err := b.nc.ChanSubscribe(subject, b.msgs)
		if err != nil {
			b.mu.Unlock()
			return nil, fmt.Errorf("subscribe to %s: %w", topicName, err)
		}
		t = &topic{sub: sub, ready: make(chan struct{})}
		b.topics[subject] = t
	}
	t.subs = append(slices.Clip(t.subs), s)
	b.mu.Unlock()

	if first {
		t.err = b.confirm()
		close(t.ready)
	} else {
		<-t.ready
	}
	cancel = func() { b.cancel(subject, t, s) }
	if t.err != nil {
		cancel()
		return nil, fmt.Errorf("subscribe to %s: %w", topicName, t.err)
	}
	return cancel, nil
}

// confirm waits for the broker to have the subscriptions sent so far.
func (b *Bus) confirm() error {
	if !b.nc.IsConnected() && !b.nc.IsClosed() {
		return nil // sent on reconnection
	}
	err := b.nc.FlushTimeout(confirmTimeout)
	if err != nil && b.nc.IsReconnecting() {
		return nil // lost with the connection: sent again on reconnection
	}
	return err
}

// cancel removes s from t; the last one out unsubscribes from NATS.
func (b *Bus) cancel(subject string, t *topic, s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.Index(t.subs, s)
	if i < 0 {
		return // cancelled already
	}
	if len(t.subs) > 1 {
		t.subs = slices.Delete(slices.Clone(t.subs), i, i+1)
		return
	}
	t.subs = nil
	if b.topics[subject] == t {
		delete(b.topics, subject)
	}
	if err := t.sub.Unsubscribe(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		b.logger.Error("nats unsubscribe", "subject", subject, "err", err)
	}
}

// dispatch hands each received payload to the local subscribers of its topic.
func (b *Bus) dispatch() {
	defer b.wg.Done()
	for {
		var m *nats.Msg
		select {
		case <-b.done:
			return
		case m = <-b.msgs:
		}
		b.mu.RLock()
		var subs []*subscriber
		// A payload received for a subscription since cancelled belongs to nobody, even
		// when the topic has been subscribed to again.
		if t := b.topics[m.Subject]; t != nil && t.sub == m.Sub {
			subs = t.subs
		}
		b.mu.RUnlock()
		for _, s := range subs {
			s.deliver(m.Data)
		}
	}
}
