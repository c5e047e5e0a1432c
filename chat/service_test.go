package chat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/inmem"
	"github.com/parleychat/parley/sqlite"
)

// clock is a fake clock the test advances by hand.
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

type fixture struct {
	svc   *chat.Service
	bus   *inmem.Bus
	clock *clock
	admin *parley.User
}

func mustService(t *testing.T, timeout time.Duration) *fixture {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	bus := inmem.NewBus()
	svc := chat.New(store, bus, slog.New(slog.DiscardHandler), timeout, clk.Now)
	ctx := context.Background()
	if _, _, err := svc.EnsureAdmin(ctx, "admin-secret-1"); err != nil {
		t.Fatal(err)
	}
	_, admin, err := svc.Login(ctx, "admin", "admin-secret-1", chat.Client{})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, bus: bus, clock: clk, admin: admin}
}

func (f *fixture) mustOperator(t *testing.T, login string) *parley.User {
	t.Helper()
	u, err := f.svc.CreateUser(context.Background(), f.admin, chat.NewUser{Login: login, Password: "password-" + login, Name: login})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *fixture) mustChannel(t *testing.T, capacity int) int64 {
	t.Helper()
	ch, err := f.svc.CreateChannel(context.Background(), f.admin, chat.NewChannel{Name: "Website", MaxOngoingPerOperator: capacity})
	if err != nil {
		t.Fatal(err)
	}
	return ch.ID
}

// events collects the events published for one operator.
func (f *fixture) events(t *testing.T, userID int64) func() []parley.Event {
	var mu sync.Mutex
	var got []parley.Event
	cancel, err := f.bus.Subscribe(parley.UserTopic(userID), func(b []byte) {
		var ev parley.Event
		json.Unmarshal(b, &ev)
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	return func() []parley.Event {
		mu.Lock()
		defer mu.Unlock()
		return append([]parley.Event(nil), got...)
	}
}

func joined(t *testing.T, f *fixture, u *parley.User, ch int64) bool {
	t.Helper()
	v, err := f.svc.Channel(context.Background(), u, ch)
	if err != nil {
		t.Fatal(err)
	}
	return v.Joined
}

// The thirty-minute rule with an injected clock: an operator without activity for more
// than the timeout is removed from every channel and told so; one who shows activity stays.
func TestSweepRemovesIdleOperators(t *testing.T) {
	ctx := context.Background()
	f := mustService(t, 30*time.Minute)
	alice, bob := f.mustOperator(t, "alice"), f.mustOperator(t, "bob")
	ch1, ch2 := f.mustChannel(t, 0), f.mustChannel(t, 0)
	for _, u := range []*parley.User{alice, bob} {
		for _, ch := range []int64{ch1, ch2} {
			if _, err := f.svc.JoinChannel(ctx, u, ch); err != nil {
				t.Fatal(err)
			}
		}
		f.svc.ConsoleOpened(ctx, u.ID)
	}
	aliceEvents := f.events(t, alice.ID)

	f.clock.Advance(20 * time.Minute)
	f.svc.Activity(ctx, bob.ID)
	f.clock.Advance(10 * time.Minute) // alice idle exactly 30 minutes: not more
	if err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if !joined(t, f, alice, ch1) {
		t.Fatal("alice removed at exactly the timeout")
	}
	f.clock.Advance(time.Second)
	if err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []int64{ch1, ch2} {
		if joined(t, f, alice, ch) {
			t.Errorf("idle alice still in channel %d", ch)
		}
		if !joined(t, f, bob, ch) {
			t.Errorf("active bob removed from channel %d", ch)
		}
	}
	removed := 0
	for _, ev := range aliceEvents() {
		if ev.Type == parley.EventChannel && !ev.Channel.Joined {
			removed++
		}
	}
	if removed != 2 {
		t.Fatalf("alice got %d channel events saying she left, want 2: %+v", removed, aliceEvents())
	}
	if f.svc.Presence().Available(alice.ID) {
		t.Fatal("idle alice is still available")
	}
}

// An operator whose consoles are all closed stays available for a grace of a minute
// (a reload), then gets no new conversation.
func TestClosedConsoleGrace(t *testing.T) {
	ctx := context.Background()
	f := mustService(t, 30*time.Minute)
	alice := f.mustOperator(t, "alice")
	ch := f.mustChannel(t, 0)
	f.svc.JoinChannel(ctx, alice, ch)
	f.svc.ConsoleOpened(ctx, alice.ID)
	f.svc.ConsoleClosed(alice.ID)

	f.clock.Advance(30 * time.Second)
	st, err := f.svc.StartConversation(ctx, chat.StartRequest{ChannelID: ch, Body: "during the reload"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Conversation.Status != parley.StatusActive {
		t.Fatalf("during the grace: %s, want active", st.Conversation.Status)
	}
	f.clock.Advance(31 * time.Second)
	st, err = f.svc.StartConversation(ctx, chat.StartRequest{ChannelID: ch, Body: "after the grace"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Conversation.Status != parley.StatusQueued {
		t.Fatalf("after the grace: %s, want queued", st.Conversation.Status)
	}
	// Reopening the console gives her the waiting conversation.
	f.svc.ConsoleOpened(ctx, alice.ID)
	c, err := f.svc.VisitorConversation(ctx, mustVisitor(t, f, st.VisitorToken), st.Conversation.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != parley.StatusActive {
		t.Fatalf("after reopening: %s, want active", c.Status)
	}
}

func mustVisitor(t *testing.T, f *fixture, token string) *parley.Visitor {
	t.Helper()
	v, err := f.svc.AuthenticateVisitor(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// "Ongoing" means a message in the last thirty minutes: a conversation gone quiet no
// longer counts towards the cap, and the sweep lets the queue move on.
func TestQuietConversationsFreeTheCap(t *testing.T) {
	ctx := context.Background()
	f := mustService(t, 2*time.Hour)
	alice := f.mustOperator(t, "alice")
	ch := f.mustChannel(t, 1)
	f.svc.JoinChannel(ctx, alice, ch)
	f.svc.ConsoleOpened(ctx, alice.ID)

	first, err := f.svc.StartConversation(ctx, chat.StartRequest{ChannelID: ch, Body: "first"})
	if err != nil || first.Conversation.Status != parley.StatusActive {
		t.Fatalf("first: %+v, %v", first, err)
	}
	second, err := f.svc.StartConversation(ctx, chat.StartRequest{ChannelID: ch, Body: "second"})
	if err != nil || second.Conversation.Status != parley.StatusQueued {
		t.Fatalf("second: %+v, %v", second, err)
	}
	f.clock.Advance(29 * time.Minute)
	f.svc.Activity(ctx, alice.ID)
	f.svc.Sweep(ctx)
	v := mustVisitor(t, f, second.VisitorToken)
	if c, _ := f.svc.VisitorConversation(ctx, v, second.Conversation.ID); c.Status != parley.StatusQueued {
		t.Fatalf("after 29 quiet minutes: %s, want queued", c.Status)
	}
	f.clock.Advance(2 * time.Minute)
	f.svc.Sweep(ctx)
	if c, _ := f.svc.VisitorConversation(ctx, v, second.Conversation.ID); c.Status != parley.StatusActive {
		t.Fatalf("after 31 quiet minutes: %s, want active", c.Status)
	}
}

// The operators of a channel are told when another's presence changes: online when a
// console opens, offline when the last one has been closed for longer than the grace.
func TestPresenceChangesAreTold(t *testing.T) {
	ctx := context.Background()
	f := mustService(t, 30*time.Minute)
	alice, bob := f.mustOperator(t, "alice"), f.mustOperator(t, "bob")
	ch := f.mustChannel(t, 0)
	f.svc.JoinChannel(ctx, alice, ch)
	f.svc.JoinChannel(ctx, bob, ch)
	f.svc.ConsoleOpened(ctx, alice.ID)
	events := f.events(t, alice.ID)
	bobIs := func() []parley.Status {
		var seen []parley.Status
		for _, ev := range events() {
			if ev.Type != parley.EventChannel {
				continue
			}
			for _, op := range ev.Channel.Operators {
				if op.ID == bob.ID {
					seen = append(seen, op.Status)
				}
			}
		}
		return seen
	}

	// Changes reach the others within a telling window (they are gathered when many
	// come at once); waitFor gives them twice that.
	waitFor := func(n int) []parley.Status {
		deadline := time.Now().Add(2 * chat.TellWindow)
		for len(bobIs()) < n && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(chat.TellWindow) // and nothing more comes
		return bobIs()
	}

	f.svc.ConsoleOpened(ctx, bob.ID)
	if got := waitFor(1); len(got) != 1 || got[0] != parley.StatusOnline {
		t.Fatalf("after Bob opened his console, Alice was told %v, want [online]", got)
	}
	f.svc.ConsoleClosed(bob.ID)
	f.clock.Advance(30 * time.Second)
	f.svc.Sweep(ctx)
	if got := waitFor(2); len(got) != 1 {
		t.Fatalf("during the reload grace, Alice was told %v, want nothing new", got)
	}
	f.clock.Advance(31 * time.Second)
	f.svc.Sweep(ctx)
	if got := waitFor(2); len(got) != 2 || got[1] != parley.StatusOffline {
		t.Fatalf("after the grace, Alice was told %v, want [online offline]", got)
	}
	f.svc.Sweep(ctx)
	if got := waitFor(3); len(got) != 2 {
		t.Fatalf("a sweep without change told Alice %v", got)
	}
}

// When many operators come online at once, the others are told of all of them in a
// few channel events, not one per operator.
func TestPresenceChangesAreGathered(t *testing.T) {
	ctx := context.Background()
	f := mustService(t, 30*time.Minute)
	ch := f.mustChannel(t, 0)
	watcher := f.mustOperator(t, "watcher")
	f.svc.JoinChannel(ctx, watcher, ch)
	f.svc.ConsoleOpened(ctx, watcher.ID)
	time.Sleep(chat.TellWindow)
	var team []*parley.User
	for i := range 20 {
		u := f.mustOperator(t, fmt.Sprintf("op%d", i))
		f.svc.JoinChannel(ctx, u, ch)
		team = append(team, u)
	}
	time.Sleep(chat.TellWindow)
	events := f.events(t, watcher.ID)
	for _, u := range team {
		f.svc.ConsoleOpened(ctx, u.ID)
	}
	var last *parley.ChannelView
	n := 0
	deadline := time.Now().Add(2 * chat.TellWindow)
	for time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		n, last = 0, nil
		for _, ev := range events() {
			if ev.Type == parley.EventChannel {
				n++
				last = ev.Channel
			}
		}
	}
	if n == 0 || n > 3 {
		t.Fatalf("20 operators came online: the watcher got %d channel events, want 1 to 3", n)
	}
	online := 0
	for _, op := range last.Operators {
		if op.Status == parley.StatusOnline {
			online++
		}
	}
	if online != 21 || !last.Joined {
		t.Errorf("last channel event: %d operators online, joined %v; want 21, true", online, last.Joined)
	}
}
