// Package natspresence shares who is online between several Parley servers through NATS
// JetStream key-value buckets, and elects the one server that runs the periodic sweep.
//
// Each server keeps its own operators' consoles in memory and puts them in a bucket
// whose entries expire (a key per server and operator), again at every heartbeat, so a
// dead server's operators turn unavailable once its entries expire. Every server
// watches the bucket and answers from the merged copy in its memory: the store asks who
// is available inside its write transaction, where no network I/O may happen. Each
// operator's last activity is kept in a second bucket without expiry, so the inactivity
// timeout counts from the same moment on every server and across restarts.
package natspresence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleychat/parley"
)

// Options configure a Presence. The zero value is the production set-up.
type Options struct {
	Timeout        time.Duration    // the inactivity timeout; parley.DefaultInactivityTimeout when 0
	Now            func() time.Time // the clock of the presence rules; time.Now when nil
	Logger         *slog.Logger     // slog.Default() when nil
	Bucket         string           // the consoles bucket; "parley_presence" when empty
	ActivityBucket string           // the last activities; "parley_activity" when empty
	// TTL is how long a server's entries outlive its last heartbeat (45 s when 0): a dead
	// server's operators turn unavailable after it.
	TTL time.Duration
	// Heartbeat is how often a server puts its live entries again (15 s when 0), with the
	// activity since the last one; keep it well under TTL.
	Heartbeat time.Duration
}

func (o *Options) defaults() {
	if o.Timeout == 0 {
		o.Timeout = parley.DefaultInactivityTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Bucket == "" {
		o.Bucket = "parley_presence"
	}
	if o.ActivityBucket == "" {
		o.ActivityBucket = "parley_activity"
	}
	if o.TTL == 0 {
		o.TTL = 45 * time.Second
	}
	if o.Heartbeat == 0 {
		o.Heartbeat = 15 * time.Second
	}
}

// Presence is a parley.Presence shared by every server on one NATS. Make it with New.
type Presence struct {
	rules  parley.PresenceRules
	opts   Options
	nc     *nats.Conn
	kv     jetstream.KeyValue // consoles, by "<server>.<operator>", expiring
	akv    jetstream.KeyValue // last activity (or first sight), by "<operator>"
	server string             // this server's part of the keys, new at every start

	mu       sync.Mutex
	local    map[int64]*localState        // this server's operators
	others   map[int64]map[string]*remote // other servers' entries, by operator then server
	activity map[int64]time.Time          // the activity bucket
	synced   [2]bool                      // each watcher delivered the bucket's values since it was made
	syncedAt [2]uint64                    // the connection's reconnections when each watcher was made

	wake    chan struct{}    // something changed: write it
	beat    chan struct{}    // write everything live now
	resync  [2]chan struct{} // make the watcher again
	cancel  context.CancelFunc
	done    chan struct{} // closed by Close
	stopped chan struct{} // closed when the loop has written its last
	closed  bool
}

var _ parley.Presence = (*Presence)(nil)

// localState is one operator's consoles on this server, and what was written of them.
type localState struct {
	parley.PresenceState
	dirty         bool      // the entry must be put at once
	activityDue   bool      // the activity must be written at once
	writtenActive time.Time // the last activity written to the activity bucket
}

// remote is another server's entry, and when it was last heard of (real time, for the
// expiry of a silent server's entries).
type remote struct {
	parley.PresenceState
	seen time.Time
}

// entry is an operator's state as stored in the consoles bucket.
type entry struct {
	Consoles int   `json:"consoles"`
	Activity int64 `json:"activity"` // Unix nanoseconds; 0 for none
	Closed   int64 `json:"closed"`
	Ended    int64 `json:"ended"`
}

// New opens (creating when missing) the buckets on nc's JetStream, watches them, and
// starts the heartbeat. It returns once both buckets were read, or fails.
func New(ctx context.Context, nc *nats.Conn, opts Options) (*Presence, error) {
	opts.defaults()
	if opts.Heartbeat <= 0 || opts.Timeout < 0 {
		return nil, fmt.Errorf("presence: negative durations in %+v", opts)
	}
	if opts.Heartbeat >= opts.TTL {
		return nil, fmt.Errorf("presence heartbeat %s must be shorter than its TTL %s", opts.Heartbeat, opts.TTL)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("presence: %w", err)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      opts.Bucket,
		Description: "Parley: open consoles per server and operator",
		History:     1,
		TTL:         opts.TTL,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("presence bucket %s: %w", opts.Bucket, err)
	}
	akv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      opts.ActivityBucket,
		Description: "Parley: each operator's last activity",
		History:     1,
		Storage:     jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("activity bucket %s: %w", opts.ActivityBucket, err)
	}
	var id [8]byte
	rand.Read(id[:])
	p := &Presence{
		rules:    parley.NewPresenceRules(opts.Timeout),
		opts:     opts,
		nc:       nc,
		kv:       kv,
		akv:      akv,
		server:   hex.EncodeToString(id[:]),
		local:    make(map[int64]*localState),
		others:   make(map[int64]map[string]*remote),
		activity: make(map[int64]time.Time),
		wake:     make(chan struct{}, 1),
		beat:     make(chan struct{}, 1),
		resync:   [2]chan struct{}{make(chan struct{}, 1), make(chan struct{}, 1)},
		done:     make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	status := nc.StatusChanged(nats.CONNECTED) // before the watchers, so no reconnection goes unseen
	wctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	fail := func(err error) (*Presence, error) {
		close(p.done)
		cancel()
		nc.RemoveStatusListener(status)
		return nil, err
	}
	gen := nc.Stats().Reconnects
	consoles, err := kv.WatchAll(wctx)
	if err != nil {
		return fail(fmt.Errorf("watch presence bucket: %w", err))
	}
	activity, err := akv.WatchAll(wctx)
	if err != nil {
		consoles.Stop()
		return fail(fmt.Errorf("watch activity bucket: %w", err))
	}
	ready := make(chan struct{}, 2)
	go p.watch(wctx, 0, kv, consoles, gen, ready, p.consoleEntry)
	go p.watch(wctx, 1, akv, activity, gen, ready, p.activityEntry)
	for range 2 {
		select {
		case <-ready:
		case <-ctx.Done():
			return fail(fmt.Errorf("read presence buckets: %w", ctx.Err()))
		}
	}
	go func() {
		defer nc.RemoveStatusListener(status)
		for {
			select {
			case <-p.done:
				return
			case _, ok := <-status:
				if !ok {
					return
				}
				p.reconnected()
			}
		}
	}()
	go p.loop()
	return p, nil
}

// Rules returns the durations the presence applies.
func (p *Presence) Rules() parley.PresenceRules { return p.rules }

// Server is this server's name in the presence bucket's keys.
func (p *Presence) Server() string { return p.server }

// Close stops the heartbeat and the watchers. Consoles still open count as closed now,
// so their operators keep the reload grace while they reconnect to another server.
func (p *Presence) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	now := p.opts.Now()
	for _, l := range p.local {
		if l.Consoles > 0 {
			l.Consoles, l.ClosedAt, l.dirty = 0, now, true
		}
	}
	p.mu.Unlock()
	close(p.done)
	<-p.stopped
	p.cancel()
	return nil
}

func (p *Presence) state(userID int64) *localState {
	l := p.local[userID]
	if l == nil {
		l = &localState{}
		p.local[userID] = l
	}
	return l
}

// merged is the operator's state over every live server: consoles added up, the latest
// of each time. Called with mu held.
func (p *Presence) merged(userID int64, seenSince time.Time) parley.PresenceState {
	var st parley.PresenceState
	if l := p.local[userID]; l != nil {
		st = l.PresenceState
	}
	for _, r := range p.others[userID] {
		if r.seen.Before(seenSince) {
			continue // its server stopped putting it: dead, or cut off from NATS
		}
		st.Consoles += r.Consoles
		st.LastActivity = later(st.LastActivity, r.LastActivity)
		st.ClosedAt = later(st.ClosedAt, r.ClosedAt)
		st.EndedAt = later(st.EndedAt, r.EndedAt)
	}
	st.LastActivity = later(st.LastActivity, p.activity[userID])
	return st
}

// liveSince is the oldest time an entry may have been heard of and still count.
func (p *Presence) liveSince() time.Time { return time.Now().Add(-p.opts.TTL) }

func (p *Presence) available(userID int64, now, seenSince time.Time) bool {
	return p.rules.Available(p.merged(userID, seenSince), now)
}

func (p *Presence) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Connect records a newly opened console on this server, which counts as activity. It
// reports whether the operator was unavailable on every server before.
func (p *Presence) Connect(userID int64) (cameOnline bool) {
	p.mu.Lock()
	now := p.opts.Now()
	was := p.available(userID, now, p.liveSince())
	l := p.state(userID)
	l.Consoles++
	l.LastActivity = now
	l.dirty, l.activityDue = true, true
	p.mu.Unlock()
	p.poke()
	return !was
}

// Disconnect records a closed console: with none left on this server, the grace starts.
func (p *Presence) Disconnect(userID int64) {
	p.mu.Lock()
	l := p.local[userID]
	if l == nil || l.Consoles == 0 {
		p.mu.Unlock()
		return
	}
	l.Consoles--
	if l.Consoles == 0 {
		l.ClosedAt = p.opts.Now()
	}
	l.dirty = true
	p.mu.Unlock()
	p.poke()
}

// Ended records a console closed because its session ended: no grace, here or for a
// console that closed earlier on another server.
func (p *Presence) Ended(userID int64) {
	p.mu.Lock()
	l := p.local[userID]
	if l == nil || l.Consoles == 0 {
		p.mu.Unlock()
		return
	}
	l.Consoles--
	if l.Consoles == 0 {
		l.ClosedAt, l.EndedAt = time.Time{}, p.opts.Now()
	}
	l.dirty = true
	p.mu.Unlock()
	p.poke()
}

// Activity records that the operator used the console or acted through the API. It
// reports whether the operator was unavailable before and is available now. It is
// written at once when it brings the operator online, or when the activity the other
// servers know is old enough that they could show the operator away before the next
// heartbeat; else the operator's heartbeat writes it, so that operators active together
// do not write together.
func (p *Presence) Activity(userID int64) (cameOnline bool) {
	p.mu.Lock()
	now := p.opts.Now()
	since := p.liveSince()
	was := p.available(userID, now, since)
	l := p.state(userID)
	l.LastActivity = now
	cameOnline = !was && p.available(userID, now, since)
	wake := false
	if cameOnline {
		l.dirty, l.activityDue, wake = true, true, true
	} else if now.Sub(l.writtenActive) >= p.rules.Away-p.opts.Heartbeat {
		l.activityDue, wake = true, true
		l.dirty = l.dirty || p.rules.Connected(l.PresenceState, now)
	}
	p.mu.Unlock()
	if wake {
		p.poke()
	}
	return cameOnline
}

// Available reports whether the operator may be given a new conversation now.
func (p *Presence) Available(userID int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.available(userID, p.opts.Now(), p.liveSince())
}

// MarkAvailable sets Online on each candidate who is available, from memory.
func (p *Presence) MarkAvailable(candidates []parley.Candidate) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now, since := p.opts.Now(), p.liveSince()
	for i := range candidates {
		candidates[i].Online = p.available(candidates[i].OperatorID, now, since)
		candidates[i].Away = !candidates[i].Online && p.rules.Connected(p.merged(candidates[i].OperatorID, since), now)
	}
}

// Status is the operator's presence as other operators see it.
func (p *Presence) Status(userID int64) parley.Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rules.Status(p.merged(userID, p.liveSince()), p.opts.Now())
}

// Online lists the operators available now, on any server.
func (p *Presence) Online() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	now, since := p.opts.Now(), p.liveSince()
	var ids []int64
	for id := range p.local {
		if p.available(id, now, since) {
			ids = append(ids, id)
		}
	}
	for id := range p.others {
		if _, ok := p.local[id]; !ok && p.available(id, now, since) {
			ids = append(ids, id)
		}
	}
	return ids
}

// Idle reports whether the operator showed no activity, on any server, for longer than
// the timeout. It answers false while this server cannot see the shared state (before
// the buckets were read, or cut off from NATS). An operator of whom no server recorded
// anything is first recorded now, and is idle once the timeout has passed since.
func (p *Presence) Idle(userID int64) bool {
	p.mu.Lock()
	if !p.seeing() {
		p.mu.Unlock()
		return false
	}
	now := p.opts.Now()
	last := p.merged(userID, time.Time{}) // a dead server's last word on activity still counts
	if !last.LastActivity.IsZero() {
		p.mu.Unlock()
		return now.Sub(last.LastActivity) > p.rules.Timeout
	}
	p.activity[userID] = now // the first sight, until the bucket says otherwise
	p.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), p.writeTimeout())
	defer cancel()
	_, err := p.akv.Create(ctx, activityKey(userID), encodeTime(now))
	if err == nil {
		return false
	}
	if errors.Is(err, jetstream.ErrKeyExists) {
		// Another server recorded this operator first: count from its record.
		if e, err := p.akv.Get(ctx, activityKey(userID)); err == nil {
			if t, ok := decodeTime(e.Value()); ok {
				p.mu.Lock()
				p.activity[userID] = t
				p.mu.Unlock()
			}
			return false
		}
	}
	p.opts.Logger.Error("record operator first seen", "user", userID, "err", err)
	p.mu.Lock()
	if p.activity[userID].Equal(now) {
		delete(p.activity, userID) // not recorded: ask again at the next sweep
	}
	p.mu.Unlock()
	return false
}

// seeing reports whether this server sees the shared state now. Called with mu held.
func (p *Presence) seeing() bool {
	if !p.synced[0] || !p.synced[1] || !p.nc.IsConnected() {
		return false
	}
	n := p.nc.Stats().Reconnects // a reconnection not yet handled leaves the watchers behind
	return p.syncedAt[0] == n && p.syncedAt[1] == n
}

// reconnected makes the watchers again and writes every live entry, since the server
// may have restarted or the entries expired while NATS was away; until the watchers
// have read the buckets again, no one is found idle.
func (p *Presence) reconnected() {
	p.mu.Lock()
	p.synced = [2]bool{}
	p.mu.Unlock()
	for _, c := range []chan struct{}{p.resync[0], p.resync[1], p.beat} {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// watch applies a bucket's entries as they come, and makes its watcher again after a
// reconnection (an ordered consumer may take many seconds to notice a restarted
// server); ready is told each time the bucket's values have all come.
func (p *Presence) watch(ctx context.Context, i int, kv jetstream.KeyValue, w jetstream.KeyWatcher, gen uint64, ready chan<- struct{}, apply func(jetstream.KeyValueEntry, bool)) {
	for {
		p.consume(i, w, gen, ready, apply)
		w.Stop()
		p.mu.Lock()
		p.synced[i] = false
		p.mu.Unlock()
		for {
			select {
			case <-p.done:
				return
			default:
			}
			if p.nc.IsClosed() {
				return
			}
			var err error
			gen = p.nc.Stats().Reconnects
			if w, err = kv.WatchAll(ctx); err == nil {
				break
			}
			select {
			case <-p.done:
				return
			case <-time.After(p.writeTimeout()):
			}
		}
	}
}

// consume reads a watcher until Close, a reconnection, or its end.
func (p *Presence) consume(i int, w jetstream.KeyWatcher, gen uint64, ready chan<- struct{}, apply func(jetstream.KeyValueEntry, bool)) {
	for {
		select {
		case <-p.done:
			return
		case <-p.resync[i]:
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e == nil {
				p.mu.Lock()
				p.synced[i], p.syncedAt[i] = true, gen
				p.mu.Unlock()
				select {
				case ready <- struct{}{}:
				default:
				}
				continue
			}
			p.mu.Lock()
			initial := !p.synced[i]
			p.mu.Unlock()
			apply(e, initial)
		}
	}
}

// consoleEntry applies another server's entry from the consoles bucket. An entry read at
// start-up counts from when it was stored, as it may be about to expire.
func (p *Presence) consoleEntry(e jetstream.KeyValueEntry, initial bool) {
	server, user, ok := parseConsoleKey(e.Key())
	if !ok || server == p.server {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		p.forget(user, server)
		return
	}
	var v entry
	if err := json.Unmarshal(e.Value(), &v); err != nil || v.Consoles < 0 {
		p.opts.Logger.Warn("ignore bad presence entry", "key", e.Key())
		return
	}
	seen := time.Now()
	if initial && e.Created().Before(seen) {
		seen = e.Created()
	}
	servers := p.others[user]
	if servers == nil {
		servers = make(map[string]*remote)
		p.others[user] = servers
	}
	servers[server] = &remote{PresenceState: v.state(), seen: seen}
}

// forget drops another server's entry. Called with mu held.
func (p *Presence) forget(user int64, server string) {
	if servers := p.others[user]; servers != nil {
		delete(servers, server)
		if len(servers) == 0 {
			delete(p.others, user)
		}
	}
}

// activityEntry applies an operator's last activity from the activity bucket.
func (p *Presence) activityEntry(e jetstream.KeyValueEntry, _ bool) {
	user, err := strconv.ParseInt(e.Key(), 10, 64)
	if err != nil {
		return
	}
	if e.Operation() != jetstream.KeyValuePut {
		return
	}
	t, ok := decodeTime(e.Value())
	if !ok {
		p.opts.Logger.Warn("ignore bad activity entry", "key", e.Key())
		return
	}
	p.mu.Lock()
	p.activity[user] = later(p.activity[user], t)
	p.mu.Unlock()
}

// heartbeatSlots is how many ticks a heartbeat's writes are spread over: each operator's
// entry is written again at its own tick (its id modulo heartbeatSlots), once a
// heartbeat, so that a server with many operators does not put them all at one moment.
const heartbeatSlots = 5

// loop writes what changed as soon as it changes, and each live entry at its tick of
// every heartbeat.
func (p *Presence) loop() {
	defer close(p.stopped)
	t := time.NewTicker(max(p.opts.Heartbeat/heartbeatSlots, time.Millisecond))
	defer t.Stop()
	every := func(int64) bool { return true }
	var tick uint64
	for {
		select {
		case <-p.done:
			p.flush(nil) // the consoles Close counted as closed
			return
		case <-p.wake:
			p.flush(nil)
		case <-p.beat:
			p.flush(every)
		case <-t.C:
			tick = (tick + 1) % heartbeatSlots
			p.flush(func(userID int64) bool { return uint64(userID)%heartbeatSlots == tick })
		}
	}
}

type write struct {
	user     int64
	entry    []byte // nil: none
	activity time.Time
}

// flush puts the entries due, and the live ones whose heartbeat is due (beat, nil for
// none); it drops what is no longer worth keeping.
func (p *Presence) flush(beat func(userID int64) bool) {
	if !p.nc.IsConnected() {
		return // kept due until NATS is back: the heartbeat after it writes them
	}
	p.mu.Lock()
	now := p.opts.Now()
	var writes []write
	for id, l := range p.local {
		heartbeat := beat != nil && beat(id)
		live := l.Consoles > 0 || now.Sub(later(l.ClosedAt, l.EndedAt)) < p.rules.Grace
		w := write{user: id}
		if l.dirty || heartbeat && live {
			w.entry = encodeEntry(l.PresenceState)
			l.dirty = false
		}
		if l.LastActivity.After(l.writtenActive) && (l.activityDue || heartbeat) {
			w.activity = l.LastActivity
			l.writtenActive, l.activityDue = l.LastActivity, false
		}
		if w.entry != nil || !w.activity.IsZero() {
			writes = append(writes, w)
		} else if !live && !l.LastActivity.After(l.writtenActive) {
			delete(p.local, id) // all written; its entry expires in the bucket
		}
	}
	if beat != nil {
		if n := p.nc.Stats().Reconnects; p.synced[0] && p.synced[1] && (p.syncedAt[0] != n || p.syncedAt[1] != n) {
			defer p.reconnected() // a reconnection whose news was lost: the watchers are behind
		}
		since := p.liveSince()
		for id, servers := range p.others {
			for server, r := range servers {
				if r.seen.Before(since) {
					p.forget(id, server)
				}
			}
		}
	}
	p.mu.Unlock()

	for _, w := range writes {
		ctx, cancel := context.WithTimeout(context.Background(), p.writeTimeout())
		var err error
		if w.entry != nil {
			if _, err = p.kv.Put(ctx, consoleKey(p.server, w.user), w.entry); err != nil {
				p.opts.Logger.Error("put presence", "user", w.user, "err", err)
				p.redo(w.user, true, time.Time{})
			}
		}
		if !w.activity.IsZero() && p.activityBehind(w.user, w.activity) {
			if _, err = p.akv.Put(ctx, activityKey(w.user), encodeTime(w.activity)); err != nil {
				p.opts.Logger.Error("put activity", "user", w.user, "err", err)
				p.redo(w.user, false, w.activity)
			}
		}
		cancel()
	}
}

// writeTimeout bounds one write, so that a slow NATS does not hold up the heartbeat.
func (p *Presence) writeTimeout() time.Duration { return min(p.opts.Heartbeat/3, 5*time.Second) }

// activityBehind reports whether the bucket holds an older activity than t, so that a
// server never writes an operator's activity back in time.
func (p *Presence) activityBehind(user int64, t time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.activity[user].Before(t)
}

// redo marks a failed write to be made again at the next heartbeat.
func (p *Presence) redo(user int64, entry bool, activity time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.local[user]
	if l == nil {
		return
	}
	if entry {
		l.dirty = true
	}
	if !activity.IsZero() && l.writtenActive.Equal(activity) {
		l.writtenActive = time.Time{}
	}
}

func consoleKey(server string, user int64) string {
	return server + "." + strconv.FormatInt(user, 10)
}

func parseConsoleKey(key string) (server string, user int64, ok bool) {
	server, id, ok := strings.Cut(key, ".")
	if !ok {
		return "", 0, false
	}
	user, err := strconv.ParseInt(id, 10, 64)
	return server, user, err == nil
}

func activityKey(user int64) string { return strconv.FormatInt(user, 10) }

func encodeEntry(s parley.PresenceState) []byte {
	b, _ := json.Marshal(entry{Consoles: s.Consoles, Activity: unixNano(s.LastActivity), Closed: unixNano(s.ClosedAt), Ended: unixNano(s.EndedAt)})
	return b
}

func (e entry) state() parley.PresenceState {
	return parley.PresenceState{Consoles: e.Consoles, LastActivity: fromUnixNano(e.Activity), ClosedAt: fromUnixNano(e.Closed), EndedAt: fromUnixNano(e.Ended)}
}

func encodeTime(t time.Time) []byte { return strconv.AppendInt(nil, t.UnixNano(), 10) }

func decodeTime(b []byte) (time.Time, bool) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n <= 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
