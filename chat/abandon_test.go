package chat_test

import (
	"context"
	"encoding/json"
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

// abandonAfter is the limit the tests of abandoned conversations run with.
const abandonAfter = 30 * time.Minute

// mustAbandoning is a service whose conversations end once their visitor has been gone
// for limit (0: never), with an inactivity timeout long enough that no operator goes idle
// meanwhile.
func mustAbandoning(t *testing.T, limit time.Duration) *fixture {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	bus := inmem.NewBus()
	svc := chat.NewWith(store, bus, slog.New(slog.DiscardHandler), chat.Options{Timeout: 24 * time.Hour, Now: clk.Now, AbandonAfter: limit})
	return withAdmin(t, &fixture{svc: svc, bus: bus, clock: clk})
}

func withAdmin(t *testing.T, f *fixture) *fixture {
	t.Helper()
	ctx := context.Background()
	if _, _, err := f.svc.EnsureAdmin(ctx, "admin-secret-1"); err != nil {
		t.Fatal(err)
	}
	_, admin, err := f.svc.Login(ctx, "admin", "admin-secret-1", chat.Client{})
	if err != nil {
		t.Fatal(err)
	}
	f.admin = admin
	return f
}

// pass lets minutes go by a minute at a time, each followed by the sweep of every
// server given, as their Run would.
func pass(t *testing.T, clk *clock, minutes int, servers ...*chat.Service) {
	t.Helper()
	for range minutes {
		clk.Advance(time.Minute)
		for _, svc := range servers {
			if err := svc.Sweep(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// visitorEvents collects the events published for one visitor.
func visitorEvents(t *testing.T, bus parley.Bus, visitorID int64) func() []parley.Event {
	var mu sync.Mutex
	var got []parley.Event
	cancel, err := bus.Subscribe(parley.VisitorTopic(visitorID), func(b []byte) {
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

// start begins a conversation as a new visitor and returns it with the visitor.
func start(t *testing.T, svc *chat.Service, ch int64, body string) (*chat.Started, *parley.Visitor) {
	t.Helper()
	ctx := context.Background()
	st, err := svc.StartConversation(ctx, chat.StartRequest{ChannelID: ch, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	v, err := svc.AuthenticateVisitor(ctx, st.VisitorToken)
	if err != nil {
		t.Fatal(err)
	}
	return st, v
}

func status(t *testing.T, svc *chat.Service, v *parley.Visitor, id int64) parley.ConversationStatus {
	t.Helper()
	c, err := svc.VisitorConversation(context.Background(), v, id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Status
}

// A conversation whose visitor has no widget open and writes nothing ends after the limit
// with "Visitor left the conversation.", as if they had ended it: both sides are told,
// the operator's place is freed and the queue moves on. A visitor with a widget open, or
// who writes, keeps theirs.
func TestAbandonedConversationEnds(t *testing.T) {
	ctx := context.Background()
	f := mustAbandoning(t, abandonAfter)
	alice := f.mustOperator(t, "alice")
	ch := f.mustChannel(t, 1)
	if _, err := f.svc.JoinChannel(ctx, alice, ch); err != nil {
		t.Fatal(err)
	}
	f.svc.ConsoleOpened(ctx, alice.ID)

	gone, goneV := start(t, f.svc, ch, "Hello?")
	waiting, waitingV := start(t, f.svc, ch, "Anyone?")            // queued: alice is at her cap
	writing, writingV := start(t, f.svc, ch, "I will write again") // queued behind
	if gone.Conversation.Status != parley.StatusActive || waiting.Conversation.Status != parley.StatusQueued {
		t.Fatalf("set-up: %s and %s, want active and queued", gone.Conversation.Status, waiting.Conversation.Status)
	}
	f.svc.VisitorConnected(ctx, waitingV.ID) // the waiting visitor keeps the widget open
	aliceEvents := f.events(t, alice.ID)
	goneEvents := visitorEvents(t, f.bus, goneV.ID)

	pass(t, f.clock, 20, f.svc)
	if _, _, err := f.svc.SendVisitorMessage(ctx, writingV, writing.Conversation.ID, "Still here", ""); err != nil {
		t.Fatal(err)
	}
	pass(t, f.clock, 10, f.svc) // exactly the limit: not more
	if got := status(t, f.svc, goneV, gone.Conversation.ID); got != parley.StatusActive {
		t.Fatalf("after exactly the limit: %s, want active", got)
	}
	pass(t, f.clock, 1, f.svc)
	if got := status(t, f.svc, goneV, gone.Conversation.ID); got != parley.StatusEnded {
		t.Fatalf("after the limit: %s, want ended", got)
	}
	msgs, err := f.svc.VisitorMessages(ctx, goneV, gone.Conversation.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Author.Kind != parley.AuthorSystem || msgs[0].Body != parley.VisitorLeftMessage {
		t.Fatalf("messages after the first: %+v, want the visitor-left notice", msgs)
	}
	told := func(events []parley.Event) (notice, ended bool) {
		for _, ev := range events {
			if ev.Type == parley.EventMessage && ev.ConversationID == gone.Conversation.ID && ev.Message.Body == parley.VisitorLeftMessage {
				notice = true
			}
			if ev.Type == parley.EventConversation {
				b, _ := json.Marshal(ev.Conversation)
				var c struct {
					ID     int64  `json:"id"`
					Status string `json:"status"`
				}
				json.Unmarshal(b, &c)
				if c.ID == gone.Conversation.ID && c.Status == "ended" {
					ended = true
				}
			}
		}
		return notice, ended
	}
	if notice, ended := told(aliceEvents()); !notice || !ended {
		t.Errorf("alice told of the notice %v, of the end %v; want both", notice, ended)
	}
	if notice, ended := told(goneEvents()); !notice || !ended {
		t.Errorf("the visitor told of the notice %v, of the end %v; want both", notice, ended)
	}
	// Alice's place went to the first in line, whose widget is open; the one who wrote at
	// minute 20 still waits.
	if got := status(t, f.svc, waitingV, waiting.Conversation.ID); got != parley.StatusActive {
		t.Errorf("the waiting conversation: %s, want active (assigned to alice)", got)
	}
	if got := status(t, f.svc, writingV, writing.Conversation.ID); got != parley.StatusQueued {
		t.Errorf("the conversation whose visitor wrote at minute 20: %s, want queued", got)
	}
	pass(t, f.clock, 19, f.svc)
	if got := status(t, f.svc, writingV, writing.Conversation.ID); got != parley.StatusQueued {
		t.Errorf("30 minutes after the visitor's last message: %s, want queued", got)
	}
	pass(t, f.clock, 1, f.svc)
	if got := status(t, f.svc, writingV, writing.Conversation.ID); got != parley.StatusEnded {
		t.Errorf("31 minutes after the visitor's last message: %s, want ended", got)
	}
}

// A visitor whose widget stays open keeps the conversation however long it is quiet; once
// the widget closes, the limit counts from then.
func TestOpenWidgetKeepsTheConversation(t *testing.T) {
	ctx := context.Background()
	f := mustAbandoning(t, abandonAfter)
	alice := f.mustOperator(t, "alice")
	ch := f.mustChannel(t, 0)
	f.svc.JoinChannel(ctx, alice, ch)
	f.svc.ConsoleOpened(ctx, alice.ID)
	st, v := start(t, f.svc, ch, "Hello")
	f.svc.VisitorConnected(ctx, v.ID)
	f.svc.VisitorConnected(ctx, v.ID) // a second tab
	f.svc.VisitorDisconnected(v.ID)   // closed: the first stays open

	pass(t, f.clock, 120, f.svc)
	if got := status(t, f.svc, v, st.Conversation.ID); got != parley.StatusActive {
		t.Fatalf("after two hours with the widget open: %s, want active", got)
	}
	f.svc.VisitorDisconnected(v.ID)
	pass(t, f.clock, 29, f.svc)
	if got := status(t, f.svc, v, st.Conversation.ID); got != parley.StatusActive {
		t.Fatalf("29 minutes after the widget closed: %s, want active", got)
	}
	pass(t, f.clock, 3, f.svc)
	if got := status(t, f.svc, v, st.Conversation.ID); got != parley.StatusEnded {
		t.Fatalf("32 minutes after the widget closed: %s, want ended", got)
	}
}

// A queued conversation whose visitor has gone leaves the queue: those behind move up.
func TestAbandonedQueuedConversationLeavesTheQueue(t *testing.T) {
	ctx := context.Background()
	f := mustAbandoning(t, abandonAfter)
	ch := f.mustChannel(t, 0) // nobody online: everything waits
	first, firstV := start(t, f.svc, ch, "First")
	second, secondV := start(t, f.svc, ch, "Second")
	if first.Conversation.QueuePosition != 1 || second.Conversation.QueuePosition != 2 {
		t.Fatalf("set-up: places %d and %d", first.Conversation.QueuePosition, second.Conversation.QueuePosition)
	}
	f.svc.VisitorConnected(ctx, secondV.ID)
	events := visitorEvents(t, f.bus, secondV.ID)

	pass(t, f.clock, 31, f.svc)
	if got := status(t, f.svc, firstV, first.Conversation.ID); got != parley.StatusEnded {
		t.Fatalf("the first in line, gone: %s, want ended", got)
	}
	c, err := f.svc.VisitorConversation(ctx, secondV, second.Conversation.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != parley.StatusQueued || c.QueuePosition != 1 {
		t.Fatalf("the second: %s at place %d, want queued first in line", c.Status, c.QueuePosition)
	}
	moved := false
	for _, ev := range events() {
		if ev.Type == parley.EventConversation {
			b, _ := json.Marshal(ev.Conversation)
			var got parley.VisitorConversation
			json.Unmarshal(b, &got)
			moved = moved || (got.ID == second.Conversation.ID && got.QueuePosition == 1)
		}
	}
	if !moved {
		t.Errorf("the second visitor was not told they moved up: %+v", events())
	}
}

// With the limit at 0, nothing ends for want of its visitor.
func TestAbandonOff(t *testing.T) {
	ctx := context.Background()
	f := mustAbandoning(t, 0)
	alice := f.mustOperator(t, "alice")
	ch := f.mustChannel(t, 0)
	f.svc.JoinChannel(ctx, alice, ch)
	f.svc.ConsoleOpened(ctx, alice.ID)
	st, v := start(t, f.svc, ch, "Hello")
	f.clock.Advance(48 * time.Hour)
	if err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := status(t, f.svc, v, st.Conversation.ID); got != parley.StatusActive {
		t.Fatalf("after two days with abandoning off: %s, want active", got)
	}
}

// notLeading is a server that another leads.
type notLeading struct{}

func (notLeading) Leading() bool { return false }

// Several servers: the visitor's widget is open on a server that does not lead; that
// server records the visitor as seen, so the leader's sweep keeps the conversation; once
// the widget there closes, the leader ends it after the limit.
func TestAbandonAcrossServers(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	bus := inmem.NewBus()
	logger := slog.New(slog.DiscardHandler)
	leader := chat.NewWith(store, bus, logger, chat.Options{Timeout: 24 * time.Hour, Now: clk.Now, AbandonAfter: abandonAfter})
	follower := chat.NewWith(store, bus, logger, chat.Options{Timeout: 24 * time.Hour, Now: clk.Now, AbandonAfter: abandonAfter, Leader: notLeading{}})
	f := withAdmin(t, &fixture{svc: leader, bus: bus, clock: clk})
	ch := f.mustChannel(t, 0)
	st, v := start(t, follower, ch, "Hello") // queued: nobody online
	follower.VisitorConnected(ctx, v.ID)

	pass(t, clk, 90, follower, leader)
	if got := status(t, leader, v, st.Conversation.ID); got != parley.StatusQueued {
		t.Fatalf("with the widget open on the other server for 90 minutes: %s, want queued", got)
	}
	follower.VisitorDisconnected(v.ID)
	pass(t, clk, 29, follower, leader)
	if got := status(t, leader, v, st.Conversation.ID); got != parley.StatusQueued {
		t.Fatalf("29 minutes after the widget closed: %s, want queued", got)
	}
	pass(t, clk, 3, follower)
	if got := status(t, leader, v, st.Conversation.ID); got != parley.StatusQueued {
		t.Fatalf("the server that does not lead ended it: %s", got)
	}
	if err := leader.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := status(t, leader, v, st.Conversation.ID); got != parley.StatusEnded {
		t.Fatalf("32 minutes after the widget closed, swept by the leader: %s, want ended", got)
	}
}

// Visitors coming back at once are recorded as seen when their widget opens, before the
// next refresh: the leader does not end their conversations. Were that server to stop
// (no refresh from it), they count as gone from then on.
func TestVisitorsRecordedWhenTheirWidgetOpens(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	bus := inmem.NewBus()
	logger := slog.New(slog.DiscardHandler)
	leader := chat.NewWith(store, bus, logger, chat.Options{Timeout: 24 * time.Hour, Now: clk.Now, AbandonAfter: abandonAfter})
	other := chat.NewWith(store, bus, logger, chat.Options{Timeout: 24 * time.Hour, Now: clk.Now, AbandonAfter: abandonAfter, Leader: notLeading{}})
	f := withAdmin(t, &fixture{svc: leader, bus: bus, clock: clk})
	ch := f.mustChannel(t, 0)
	type waiting struct {
		id int64
		v  *parley.Visitor
	}
	var chats []waiting
	for range 20 {
		st, v := start(t, leader, ch, "Hello")
		chats = append(chats, waiting{st.Conversation.ID, v})
	}

	pass(t, clk, 29, leader)
	var wg sync.WaitGroup
	for _, c := range chats {
		wg.Go(func() { other.VisitorConnected(ctx, c.v.ID) })
	}
	wg.Wait()
	pass(t, clk, 2, leader) // the other server never refreshes
	for _, c := range chats {
		if got := status(t, leader, c.v, c.id); got != parley.StatusQueued {
			t.Fatalf("conversation %d, whose widget opened at minute 29: %s at minute 31, want queued", c.id, got)
		}
	}
	pass(t, clk, 29, leader)
	for _, c := range chats {
		if got := status(t, leader, c.v, c.id); got != parley.StatusEnded {
			t.Fatalf("conversation %d, its server silent for 31 minutes: %s, want ended", c.id, got)
		}
	}
}
