package natspresence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// LeaderOptions configure a Leader. The zero value is the production set-up.
type LeaderOptions struct {
	Bucket string       // "parley_leader" when empty
	Key    string       // what is led; "sweep" when empty
	Logger *slog.Logger // slog.Default() when nil
	// TTL is how long a lease lasts unless renewed (15 s when 0): a dead leader's
	// successor takes over after it. The holder renews it every quarter of it.
	TTL time.Duration
}

// Leader holds, while it can, a lease on a key of a bucket whose entries expire: the
// server whose Create made the key leads, renews it with Update at the revision it
// holds, and counts itself leader only until its last renewal could have expired. Of
// several servers, at most one leads at any moment; when it dies, another takes over
// once its lease has expired. It implements chat.Leader.
type Leader struct {
	kv     jetstream.KeyValue
	key    string
	ttl    time.Duration
	id     []byte
	logger *slog.Logger

	mu    sync.Mutex
	rev   uint64    // the revision of the key this server wrote last; 0: none
	until time.Time // leading until then (monotonic)

	done    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

// NewLeader opens (creating when missing) the bucket and starts trying to lead.
func NewLeader(ctx context.Context, nc *nats.Conn, opts LeaderOptions) (*Leader, error) {
	if opts.Bucket == "" {
		opts.Bucket = "parley_leader"
	}
	if opts.Key == "" {
		opts.Key = "sweep"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.TTL == 0 {
		opts.TTL = 15 * time.Second
	}
	if opts.TTL < 100*time.Millisecond {
		return nil, fmt.Errorf("leader TTL %s: want at least 100ms", opts.TTL)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("leader: %w", err)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      opts.Bucket,
		Description: "Parley: which server runs the periodic sweep",
		History:     1,
		TTL:         opts.TTL,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("leader bucket %s: %w", opts.Bucket, err)
	}
	id := make([]byte, 8)
	rand.Read(id)
	l := &Leader{
		kv:      kv,
		key:     opts.Key,
		ttl:     opts.TTL,
		id:      []byte(hex.EncodeToString(id)),
		logger:  opts.Logger,
		done:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go l.loop()
	return l, nil
}

// Leading reports whether this server holds the lease now.
func (l *Leader) Leading() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Now().Before(l.until)
}

// Close stops leading and gives up the lease at once, so that another server takes over
// without waiting for it to expire.
func (l *Leader) Close() error {
	l.once.Do(func() {
		close(l.done)
		<-l.stopped
		l.mu.Lock()
		rev := l.rev
		l.rev, l.until = 0, time.Time{}
		l.mu.Unlock()
		if rev != 0 {
			ctx, cancel := context.WithTimeout(context.Background(), l.ttl/4)
			defer cancel()
			l.kv.Delete(ctx, l.key, jetstream.LastRevision(rev)) // fails harmlessly if lost already
		}
	})
	return nil
}

func (l *Leader) loop() {
	defer close(l.stopped)
	t := time.NewTicker(l.ttl / 4)
	defer t.Stop()
	for {
		l.try()
		select {
		case <-l.done:
			return
		case <-t.C:
		}
	}
}

// try renews the lease this server holds, or takes it when it is free. The lease counts
// from before the request was sent, less a tenth for safety, since NATS expires the
// key a TTL after it stored the write, which is later.
func (l *Leader) try() {
	l.mu.Lock()
	rev := l.rev
	l.mu.Unlock()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), l.ttl/4)
	defer cancel()
	var err error
	var next uint64
	if rev != 0 {
		next, err = l.kv.Update(ctx, l.key, l.id, rev)
		if errors.Is(err, jetstream.ErrKeyExists) {
			// The key changed since: our lease expired and may be another's now.
			l.mu.Lock()
			l.rev, l.until = 0, time.Time{}
			l.mu.Unlock()
			next, err = l.kv.Create(ctx, l.key, l.id)
		}
	} else {
		next, err = l.kv.Create(ctx, l.key, l.id)
	}
	if err != nil {
		if !errors.Is(err, jetstream.ErrKeyExists) {
			l.logger.Warn("sweep leadership", "err", err) // leads until the last lease ends
		}
		return
	}
	l.mu.Lock()
	l.rev, l.until = next, start.Add(l.ttl-l.ttl/10)
	l.mu.Unlock()
}
