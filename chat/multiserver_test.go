package chat_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/inmem"
	"github.com/parleychat/parley/natspresence"
	"github.com/parleychat/parley/sqlite"
)

// mustSharedServers is two services on one store and one bus, as mustServers, each with
// its own presence and sweep leadership shared over NATS, as two Parley servers have.
func mustSharedServers(t *testing.T) *servers {
	t.Helper()
	url := os.Getenv("PARLEY_TEST_NATS")
	if url == "" {
		t.Skip("PARLEY_TEST_NATS not set: e.g. nats://127.0.0.1:4222")
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	bus := inmem.NewBus()

	// Buckets of the test's own, so that tests and servers sharing the NATS do not meet.
	var suffix [6]byte
	rand.Read(suffix[:])
	name := func(what string) string { return "test_" + what + "_" + hex.EncodeToString(suffix[:]) }
	buckets := []string{name("presence"), name("activity"), name("leader")}
	t.Cleanup(func() {
		nc, err := nats.Connect(url)
		if err != nil {
			return
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		for _, b := range buckets {
			js.DeleteKeyValue(ctx, b)
		}
	})

	newServer := func() *chat.Service {
		nc, err := nats.Connect(url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		p, err := natspresence.New(ctx, nc, natspresence.Options{
			Timeout: 30 * time.Minute, Now: clk.Now,
			Bucket: buckets[0], ActivityBucket: buckets[1],
			TTL: 2 * time.Second, Heartbeat: 300 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		l, err := natspresence.NewLeader(ctx, nc, natspresence.LeaderOptions{Bucket: buckets[2], TTL: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return chat.NewWith(store, bus, slog.New(slog.DiscardHandler), chat.Options{Now: clk.Now, Presence: p, Leader: l})
	}
	a, b := newServer(), newServer()
	if _, _, err := a.EnsureAdmin(ctx, "admin-secret-1"); err != nil {
		t.Fatal(err)
	}
	_, admin, err := a.Login(ctx, "admin", "admin-secret-1", chat.Client{})
	if err != nil {
		t.Fatal(err)
	}
	return &servers{a: a, b: b, bus: bus, clock: clk, admin: admin}
}

func (s *servers) mustOperator(t *testing.T, login string) *parley.User {
	t.Helper()
	u, err := s.a.CreateUser(context.Background(), s.admin, chat.NewUser{Login: login, Password: "password-" + login, Name: login})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (s *servers) mustChannel(t *testing.T) int64 {
	t.Helper()
	ch, err := s.a.CreateChannel(context.Background(), s.admin, chat.NewChannel{Name: "Website"})
	if err != nil {
		t.Fatal(err)
	}
	return ch.ID
}

// waitFor waits, up to five seconds, for what another server did to arrive over NATS.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not %s after 5s", what)
		}
	}
}

// An operator whose console is open on server A gets the conversation a visitor starts
// through server B.
func TestOperatorOnOneServerGetsAChatStartedOnTheOther(t *testing.T) {
	ctx := context.Background()
	s := mustSharedServers(t)
	alice := s.mustOperator(t, "alice")
	ch := s.mustChannel(t)
	if _, err := s.a.JoinChannel(ctx, alice, ch); err != nil {
		t.Fatal(err)
	}
	s.a.ConsoleOpened(ctx, alice.ID)
	waitFor(t, "alice available on B", func() bool { return s.b.Presence().Available(alice.ID) })

	st, err := s.b.StartConversation(ctx, chat.StartRequest{ChannelID: ch, Body: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Conversation.Status != parley.StatusActive || st.Conversation.Operator == nil {
		t.Fatalf("conversation started on B: status %q, operator %v; want active with alice", st.Conversation.Status, st.Conversation.Operator)
	}
	mine, err := s.a.OperatorConversations(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 1 || mine[0].ID != st.Conversation.ID {
		t.Fatalf("alice's conversations: %+v, want the one started on B", mine)
	}
}

// Both servers sweep, but only the leading one acts: an idle operator is removed from
// each channel once and told once; an operator active on the other server stays.
func TestOnlyTheLeaderSweeps(t *testing.T) {
	ctx := context.Background()
	s := mustSharedServers(t)
	alice, bob := s.mustOperator(t, "alice"), s.mustOperator(t, "bob")
	ch1, ch2 := s.mustChannel(t), s.mustChannel(t)
	for _, u := range []*parley.User{alice, bob} {
		for _, ch := range []int64{ch1, ch2} {
			if _, err := s.a.JoinChannel(ctx, u, ch); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.a.ConsoleOpened(ctx, alice.ID)
	s.b.ConsoleOpened(ctx, bob.ID)
	var mu sync.Mutex
	removed := 0
	cancel, err := s.bus.Subscribe(parley.UserTopic(alice.ID), func(b []byte) {
		var ev parley.Event
		if json.Unmarshal(b, &ev) == nil && ev.Type == parley.EventChannel && !ev.Channel.Joined {
			mu.Lock()
			removed++
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	removals := func() int {
		mu.Lock()
		defer mu.Unlock()
		return removed
	}
	waitFor(t, "one server leading", func() bool { return s.a.Leading() != s.b.Leading() })
	leader, follower := s.a, s.b
	if s.b.Leading() {
		leader, follower = s.b, s.a
	}

	s.clock.Advance(20 * time.Minute)
	s.b.Activity(ctx, bob.ID)
	waitFor(t, "bob's activity on B seen on A", func() bool { return s.a.Presence().Status(bob.ID) == parley.StatusOnline })
	s.clock.Advance(10*time.Minute + time.Second) // alice idle for more than the timeout, bob not

	if err := follower.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if !isJoined(t, s.a, alice, ch1) || removals() != 0 {
		t.Fatalf("the server that does not lead removed alice (%d notices)", removals())
	}
	var wg sync.WaitGroup
	for _, svc := range []*chat.Service{leader, follower, leader} {
		wg.Go(func() {
			if err := svc.Sweep(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, ch := range []int64{ch1, ch2} {
		if isJoined(t, s.a, alice, ch) {
			t.Errorf("idle alice still in channel %d", ch)
		}
		if !isJoined(t, s.a, bob, ch) {
			t.Errorf("bob, active on the other server, removed from channel %d", ch)
		}
	}
	if got := removals(); got != 2 {
		t.Fatalf("alice was told %d times that she left a channel, want 2 (once per channel)", got)
	}
}

func isJoined(t *testing.T, svc *chat.Service, u *parley.User, ch int64) bool {
	t.Helper()
	v, err := svc.Channel(context.Background(), u, ch)
	if err != nil {
		t.Fatal(err)
	}
	return v.Joined
}
