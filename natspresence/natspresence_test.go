package natspresence_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/natspresence"
)

// natsServer is a NATS server of the test's own, with JetStream, on a free port.
type natsServer struct {
	bin, dir, url string
	port          int
	cmd           *exec.Cmd
}

func mustNATS(t *testing.T) string { return mustNATSServer(t).url }

func mustNATSServer(t *testing.T) *natsServer {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		bin = "/usr/sbin/nats-server"
		if _, err := os.Stat(bin); err != nil {
			t.Skip("nats-server not installed")
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &natsServer{bin: bin, dir: t.TempDir(), port: port, url: fmt.Sprintf("nats://127.0.0.1:%d", port)}
	s.start(t)
	t.Cleanup(s.stop)
	return s
}

func (s *natsServer) start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command(s.bin, "-a", "127.0.0.1", "-p", fmt.Sprint(s.port), "-js", "-sd", s.dir)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		nc, err := nats.Connect(s.url)
		if err == nil {
			nc.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *natsServer) stop() {
	if s.cmd != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

func mustConnect(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// clock is a fake clock for the presence rules, shared by the servers of a test as
// their synchronised clocks would be.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const (
	ttl       = 2 * time.Second
	heartbeat = 300 * time.Millisecond
)

// server is one Parley server's presence, on its own NATS connection.
type server struct {
	p  *natspresence.Presence
	nc *nats.Conn
}

func mustPresence(t *testing.T, url string, clk *clock) *server {
	t.Helper()
	nc := mustConnect(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := natspresence.New(ctx, nc, natspresence.Options{
		Timeout:   30 * time.Minute,
		Now:       clk.Now,
		TTL:       ttl,
		Heartbeat: heartbeat,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return &server{p: p, nc: nc}
}

// die stops the server without any clean-up, as a killed process would: its connection
// goes, its heartbeats stop.
func (s *server) die() {
	s.nc.Close()
	s.p.Close()
}

// eventually waits, up to a limit, for cond to hold.
func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: not %s", within, what)
		}
	}
}

func newClock() *clock { return &clock{now: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)} }

// An operator whose console is open on server A is available on server B, and B's
// assignment sees them online.
func TestConsoleOnOneServerIsSeenOnTheOther(t *testing.T) {
	url, clk := mustNATS(t), newClock()
	a, b := mustPresence(t, url, clk), mustPresence(t, url, clk)
	const op = 7
	if b.p.Available(op) {
		t.Fatal("available before any console opened")
	}
	if !a.p.Connect(op) {
		t.Fatal("Connect on A: not coming online")
	}
	eventually(t, "available on B", 5*time.Second, func() bool { return b.p.Available(op) })
	if got := b.p.Status(op); got != parley.StatusOnline {
		t.Errorf("Status on B = %q, want online", got)
	}
	candidates := []parley.Candidate{{OperatorID: op}, {OperatorID: op + 1}}
	b.p.MarkAvailable(candidates)
	if !candidates[0].Online || candidates[1].Online {
		t.Errorf("MarkAvailable on B = %+v, want only operator %d online", candidates, op)
	}
	if !slices.Contains(b.p.Online(), op) {
		t.Errorf("Online() on B = %v, want it to list %d", b.p.Online(), op)
	}
	if b.p.Connect(op) {
		t.Error("a second console, on B, counted as coming online")
	}
	// One console closes on A: the one on B keeps the operator connected past the grace.
	a.p.Disconnect(op)
	clk.Advance(2 * time.Minute)
	b.p.Activity(op)
	time.Sleep(3 * heartbeat)
	if !a.p.Available(op) || !b.p.Available(op) {
		t.Fatalf("with a console open on B: Available on A = %v, on B = %v; want true, true", a.p.Available(op), b.p.Available(op))
	}
}

// A server that was never told of an operator does not count their idle time from its
// own start: it counts from their last activity anywhere, and an operator of whom
// nothing was recorded is idle only once the timeout has passed since a sweep first
// asked.
func TestIdleCountsFromTheLastActivityAnywhere(t *testing.T) {
	url, clk := mustNATS(t), newClock()
	a, b := mustPresence(t, url, clk), mustPresence(t, url, clk)
	const op, quiet = 7, 8
	a.p.Connect(op)
	clk.Advance(29 * time.Minute)
	a.p.Activity(op)
	clk.Advance(2 * time.Minute) // B started 31 minutes ago, the operator was active 2 minutes ago
	eventually(t, "the activity seen on B", 5*time.Second, func() bool { return b.p.Status(op) == parley.StatusOnline })
	if b.p.Idle(op) {
		t.Fatal("B finds the operator active on A idle")
	}
	if b.p.Idle(quiet) {
		t.Fatal("B finds idle an operator nobody recorded, at the first look")
	}
	clk.Advance(28 * time.Minute) // 30 minutes after the last activity
	if b.p.Idle(op) || b.p.Idle(quiet) {
		t.Fatalf("idle at the timeout: Idle(op) = %v, Idle(quiet) = %v", b.p.Idle(op), b.p.Idle(quiet))
	}
	// A server started now counts from the same moments, not from its start.
	c := mustPresence(t, url, clk)
	clk.Advance(2*time.Minute + time.Second)
	for name, s := range map[string]*server{"A": a, "B": b, "C": c} {
		if !s.p.Idle(op) {
			t.Errorf("%s: the operator is not idle 32 minutes after their last activity", name)
		}
		if !s.p.Idle(quiet) {
			t.Errorf("%s: the unrecorded operator is not idle 30 minutes after the first look", name)
		}
	}
}

// A server that dies without cleaning up: its operators turn unavailable everywhere once
// its entries expire.
func TestDeadServersOperatorsTurnUnavailable(t *testing.T) {
	url, clk := mustNATS(t), newClock()
	a, b := mustPresence(t, url, clk), mustPresence(t, url, clk)
	const op, other = 7, 9
	a.p.Connect(op)
	b.p.Connect(other)
	eventually(t, "available on B", 5*time.Second, func() bool { return b.p.Available(op) })
	time.Sleep(ttl) // heartbeats keep it alive past the TTL
	if !b.p.Available(op) {
		t.Fatal("unavailable on B while A is alive")
	}
	a.die()
	eventually(t, "unavailable on B after A died", 3*ttl, func() bool { return !b.p.Available(op) })
	if got := b.p.Status(op); got != parley.StatusOffline {
		t.Errorf("Status on B = %q, want offline", got)
	}
	if !b.p.Available(other) {
		t.Error("B's own operator turned unavailable")
	}
	// A server started afterwards does not see the dead server's entries either.
	c := mustPresence(t, url, clk)
	time.Sleep(2 * heartbeat)
	if c.p.Available(op) || !c.p.Available(other) {
		t.Errorf("on a new server: Available(dead server's) = %v, Available(B's) = %v; want false, true", c.p.Available(op), c.p.Available(other))
	}
}

// A console closed because its session ended takes the operator offline on every server
// at once, without the reload's grace; a console closed by a reload keeps the grace.
func TestEndedIsImmediateAcrossServers(t *testing.T) {
	url, clk := mustNATS(t), newClock()
	a, b := mustPresence(t, url, clk), mustPresence(t, url, clk)
	const reloads, logsOut = 7, 8
	a.p.Connect(reloads)
	a.p.Connect(logsOut)
	eventually(t, "both available on B", 5*time.Second, func() bool { return b.p.Available(reloads) && b.p.Available(logsOut) })
	a.p.Disconnect(reloads)
	a.p.Ended(logsOut)
	eventually(t, "the ended one unavailable on B", 5*time.Second, func() bool { return !b.p.Available(logsOut) })
	if !b.p.Available(reloads) {
		t.Fatal("the reloading operator lost the grace on B")
	}
	clk.Advance(time.Minute)
	if b.p.Available(reloads) {
		t.Fatal("the reloading operator still available on B after the grace")
	}
}

// A console that closed on B, then a session that ended on A: no grace is left from B.
func TestEndedTakesAwayAnotherServersGrace(t *testing.T) {
	url, clk := mustNATS(t), newClock()
	a, b := mustPresence(t, url, clk), mustPresence(t, url, clk)
	const op = 7
	b.p.Connect(op)
	b.p.Disconnect(op) // a reload, which lands on A
	clk.Advance(time.Second)
	a.p.Connect(op)
	eventually(t, "A's console seen on B", 5*time.Second, func() bool { return b.p.Status(op) == parley.StatusOnline })
	clk.Advance(time.Second)
	a.p.Ended(op) // logout
	if a.p.Available(op) {
		t.Fatal("available on A after the logout, by B's grace")
	}
	eventually(t, "unavailable on B after the logout", 5*time.Second, func() bool { return !b.p.Available(op) })
}

// A server cut off from NATS does not find idle an operator it cannot see, and sees again
// once NATS is back: its watchers resume.
func TestIdleIsNotDecidedBlind(t *testing.T) {
	ns, clk := mustNATSServer(t), newClock()
	a, b := mustPresence(t, ns.url, clk), mustPresence(t, ns.url, clk)
	const op, late = 7, 8
	a.p.Connect(op)
	eventually(t, "available on B", 5*time.Second, func() bool { return b.p.Available(op) })

	ns.stop()
	eventually(t, "B cut off", 5*time.Second, func() bool { return !b.nc.IsConnected() })
	clk.Advance(31 * time.Minute)
	if b.p.Idle(op) {
		t.Fatal("B, cut off from NATS, finds the operator idle")
	}

	ns.start(t)
	eventually(t, "both back", 10*time.Second, func() bool { return a.nc.IsConnected() && b.nc.IsConnected() })
	eventually(t, "the operator idle on B, NATS back", 5*time.Second, func() bool { return b.p.Idle(op) })
	a.p.Activity(op)
	a.p.Connect(late)
	eventually(t, "what A did after the restart seen on B", 5*time.Second, func() bool {
		return !b.p.Idle(op) && b.p.Available(op) && b.p.Available(late)
	})
}

// Of two servers, exactly one leads; when it dies, the other takes over, and never do
// both lead at once.
func TestOneLeaderAndTakeOver(t *testing.T) {
	url := mustNATS(t)
	const leaseTTL = 1500 * time.Millisecond
	newLeader := func() (*natspresence.Leader, *nats.Conn) {
		nc := mustConnect(t, url)
		l, err := natspresence.NewLeader(context.Background(), nc, natspresence.LeaderOptions{TTL: leaseTTL})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l, nc
	}
	a, anc := newLeader()
	b, bnc := newLeader()
	eventually(t, "one leader", 5*time.Second, func() bool { return a.Leading() || b.Leading() })
	watch := func(d time.Duration) {
		t.Helper()
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
			if a.Leading() && b.Leading() {
				t.Fatal("both lead")
			}
		}
	}
	watch(2 * leaseTTL)
	leader, follower, leaderConn := a, b, anc
	if b.Leading() {
		leader, follower, leaderConn = b, a, bnc
	}
	if !leader.Leading() || follower.Leading() {
		t.Fatalf("leadership moved without a death: leader %v, follower %v", leader.Leading(), follower.Leading())
	}

	leaderConn.Close() // dies without giving up the lease
	eventually(t, "the follower leading after the leader died", 5*leaseTTL, func() bool {
		if leader.Leading() && follower.Leading() {
			t.Fatal("both lead while the lease passes")
		}
		return follower.Leading()
	})
	if leader.Leading() {
		t.Fatal("the dead leader still counts itself leader")
	}

	// A leader that closes gives up its lease: a third server takes over.
	c, _ := newLeader()
	watch(leaseTTL)
	if c.Leading() {
		t.Fatal("a newcomer took the lease from a live leader")
	}
	follower.Close()
	eventually(t, "the newcomer leading after the leader closed", 3*leaseTTL, c.Leading)
}

// watchedPresence makes a presence with opts on a NATS of its own, and a watcher of the
// updates to one of its buckets from now on.
func watchedPresence(t *testing.T, opts natspresence.Options, bucket string) (*natspresence.Presence, jetstream.KeyWatcher) {
	t.Helper()
	url := mustNATS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := natspresence.New(ctx, mustConnect(t, url), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	js, err := jetstream.New(mustConnect(t, url))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	w, err := kv.WatchAll(context.Background(), jetstream.UpdatesOnly())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop() })
	return p, w
}

// A server puts its operators' entries again at each heartbeat spread over the interval,
// not all at one moment: operators who connected together do not make a burst of writes
// at every heartbeat.
func TestHeartbeatWritesAreSpread(t *testing.T) {
	const hb, operators = time.Second, 10
	p, w := watchedPresence(t, natspresence.Options{Timeout: 30 * time.Minute, TTL: 3 * hb, Heartbeat: hb}, "parley_presence")
	for id := range int64(operators) {
		p.Connect(id + 1)
	}
	// The connections' own writes come at once; the heartbeats' after them.
	var puts []time.Time
	settled, end := time.After(hb/4), time.After(hb/4+2*hb)
	for recording := false; ; {
		select {
		case e := <-w.Updates():
			if recording && e != nil && e.Operation() == jetstream.KeyValuePut {
				puts = append(puts, time.Now())
			}
			continue
		case <-settled:
			recording = true
			continue
		case <-end:
		}
		break
	}
	if len(puts) < operators {
		t.Fatalf("%d entries put in two heartbeats, want each of the %d at least once", len(puts), operators)
	}
	// Puts less than 50 ms apart are one burst.
	largest, burst := 1, 1
	for i := 1; i < len(puts); i++ {
		if puts[i].Sub(puts[i-1]) < 50*time.Millisecond {
			burst++
		} else {
			burst = 1
		}
		largest = max(largest, burst)
	}
	if largest > operators/2 {
		t.Errorf("%d of %d entries put in one burst at a heartbeat; want them spread", largest, operators)
	}
}

// Operators who act together (the first answers of a busy morning) do not write their
// activity together: the heartbeat carries it, each operator's at its own tick. An
// activity the other servers would soon count as stale (they would show the operator
// away) is written at once.
func TestRoutineActivityWaitsForTheHeartbeat(t *testing.T) {
	clk := newClock()
	const hb, operators = time.Second, 10
	p, w := watchedPresence(t, natspresence.Options{Timeout: 30 * time.Minute, Now: clk.Now, TTL: 3 * hb, Heartbeat: hb}, "parley_activity")
	for id := range int64(operators) {
		p.Connect(id + 1)
	}
	// puts records the activity puts for d, by operator.
	puts := func(d time.Duration) map[string]int {
		got := map[string]int{}
		for end := time.After(d); ; {
			select {
			case e := <-w.Updates():
				if e != nil && e.Operation() == jetstream.KeyValuePut {
					got[e.Key()]++
				}
				continue
			case <-end:
			}
			return got
		}
	}
	if got := puts(hb / 4); len(got) != operators {
		t.Fatalf("activity of %d operators written at their connection, want %d", len(got), operators)
	}
	clk.Advance(20 * time.Second)
	for id := range int64(operators) {
		p.Activity(id + 1)
	}
	if got := puts(50 * time.Millisecond); len(got) > operators/2 {
		t.Errorf("%d of %d operators' activity written at once, 20 s after the last; want the heartbeat to spread them", len(got), operators)
	}
	if got := puts(hb + hb/4); len(got) < operators/2 {
		t.Errorf("%d operators' activity written in the heartbeat after it, want the rest of the %d", len(got), operators)
	}
	clk.Advance(5 * time.Minute) // the away delay of a 30-minute timeout
	p.Activity(1)
	if got := puts(50 * time.Millisecond); got["1"] != 1 {
		t.Errorf("activity after 5 minutes without: puts %v within 50 ms, want operator 1's at once", got)
	}
}
