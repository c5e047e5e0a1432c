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

// servers is two services on one store and one bus, as two Parley servers share their
// database and their broker.
type servers struct {
	a, b  *chat.Service
	store parley.Store
	bus   *inmem.Bus
	clock *clock
	admin *parley.User
}

func mustServers(t *testing.T) *servers {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	bus := inmem.NewBus()
	a := chat.New(store, bus, slog.New(slog.DiscardHandler), time.Hour, clk.Now)
	b := chat.New(store, bus, slog.New(slog.DiscardHandler), time.Hour, clk.Now)
	if _, _, err := a.EnsureAdmin(ctx, "admin-secret-1"); err != nil {
		t.Fatal(err)
	}
	_, admin, err := a.Login(ctx, "admin", "admin-secret-1", chat.Client{})
	if err != nil {
		t.Fatal(err)
	}
	return &servers{a: a, b: b, store: store, bus: bus, clock: clk, admin: admin}
}

// A language enabled or disabled on one server is matched, or no longer, on the other
// from the next conversation on.
func TestLanguagesReachTheOtherServers(t *testing.T) {
	ctx := context.Background()
	s := mustServers(t)
	ch, err := s.a.CreateChannel(ctx, s.admin, chat.NewChannel{Name: "Website"})
	if err != nil {
		t.Fatal(err)
	}
	startOnB := func(body string) string {
		t.Helper()
		st, err := s.b.StartConversation(ctx, chat.StartRequest{ChannelID: ch.ID, Body: body, Languages: []string{"fr-BE", "en"}})
		if err != nil {
			t.Fatal(err)
		}
		return st.Conversation.Language
	}
	if got := startOnB("hello"); got != "en" {
		t.Fatalf("with English alone, a Belgian visitor got %q, want en", got)
	}
	if _, err := s.a.SetLanguage(ctx, s.admin, "fr", true); err != nil {
		t.Fatal(err)
	}
	if got := startOnB("bonjour"); got != "fr" {
		t.Fatalf("French enabled on the other server: a Belgian visitor got %q, want fr", got)
	}
	if _, err := s.a.SetLanguage(ctx, s.admin, "fr", false); err != nil {
		t.Fatal(err)
	}
	if got := startOnB("hello again"); got != "en" {
		t.Fatalf("French disabled on the other server: a Belgian visitor got %q, want en", got)
	}
}

// A start replayed without a token (the browser lost the answer) gives the visitor a new
// token; the old one stops working on every server, not only the one that took the replay.
func TestReplacedVisitorTokenReachesTheOtherServers(t *testing.T) {
	ctx := context.Background()
	s := mustServers(t)
	ch, err := s.a.CreateChannel(ctx, s.admin, chat.NewChannel{Name: "Website"})
	if err != nil {
		t.Fatal(err)
	}
	req := chat.StartRequest{ChannelID: ch.ID, Body: "Hello", VisitorName: "Vera", ClientID: "replayed-start-0001"}
	first, err := s.a.StartConversation(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.b.AuthenticateVisitor(ctx, first.VisitorToken); err != nil {
		t.Fatal(err)
	}
	again, err := s.a.StartConversation(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.VisitorToken == first.VisitorToken || again.Conversation.ID != first.Conversation.ID {
		t.Fatalf("the replay: created %v, conversation %d (first %d), token changed %v; want the first conversation with a new token",
			again.Created, again.Conversation.ID, first.Conversation.ID, again.VisitorToken != first.VisitorToken)
	}
	if _, err := s.b.AuthenticateVisitor(ctx, first.VisitorToken); parley.ErrorCode(err) != parley.EUNAUTHORIZED {
		t.Fatalf("the replaced token on the other server: %v, want EUNAUTHORIZED", err)
	}
	if _, err := s.b.AuthenticateVisitor(ctx, again.VisitorToken); err != nil {
		t.Fatalf("the new token on the other server: %v", err)
	}
}

// A conversation ended on one server is no longer active on the other: the visitor's
// typing there reaches nobody, and neither side's message is taken.
func TestEndedConversationReachesTheOtherServers(t *testing.T) {
	ctx := context.Background()
	s := mustServers(t)
	ch, err := s.a.CreateChannel(ctx, s.admin, chat.NewChannel{Name: "Website"})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := s.a.CreateUser(ctx, s.admin, chat.NewUser{Login: "alice", Password: "password-alice", Name: "Alice"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.a.JoinChannel(ctx, alice, ch.ID); err != nil {
		t.Fatal(err)
	}
	s.a.ConsoleOpened(ctx, alice.ID)
	var mu sync.Mutex
	typing := 0
	cancel, err := s.bus.Subscribe(parley.UserTopic(alice.ID), func(b []byte) {
		var ev parley.Event
		json.Unmarshal(b, &ev)
		if ev.Type == parley.EventTyping {
			mu.Lock()
			typing++
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cancel)
	typed := func() int {
		mu.Lock()
		defer mu.Unlock()
		return typing
	}

	st, err := s.a.StartConversation(ctx, chat.StartRequest{ChannelID: ch.ID, Body: "Hello", VisitorName: "Vera"})
	if err != nil {
		t.Fatal(err)
	}
	id := st.Conversation.ID
	if st.Conversation.Status != parley.StatusActive {
		t.Fatalf("conversation %s, want active", st.Conversation.Status)
	}
	v, err := s.b.AuthenticateVisitor(ctx, st.VisitorToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.b.VisitorTyping(ctx, v, id); err != nil {
		t.Fatal(err)
	}
	if got := typed(); got != 1 {
		t.Fatalf("typing on the other server while active: %d events, want 1", got)
	}
	if _, err := s.a.EndByOperator(ctx, alice, id); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(chat.TypingInterval + time.Second)
	if err := s.b.VisitorTyping(ctx, v, id); err != nil {
		t.Fatal(err)
	}
	if got := typed(); got != 1 {
		t.Fatalf("typing on the other server after the end: %d events, want 1 (the one before)", got)
	}
	if _, _, err := s.b.SendVisitorMessage(ctx, v, id, "Wait", ""); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Fatalf("visitor's message on the other server after the end: %v, want ECONFLICT", err)
	}
}

// A notice lost on the way (the bus reconnected) leaves nothing stale once the server
// forgets its caches, as it does when the bus asks it to resynchronise.
func TestForgetCachesAfterLostNotices(t *testing.T) {
	ctx := context.Background()
	s := mustServers(t)
	// B hears nothing from A: its own bus, as if every notice had been lost.
	lonely := chat.New(s.store, inmem.NewBus(), slog.New(slog.DiscardHandler), time.Hour, s.clock.Now)
	ch, err := s.a.CreateChannel(ctx, s.admin, chat.NewChannel{Name: "Website"})
	if err != nil {
		t.Fatal(err)
	}
	start := func() string {
		t.Helper()
		st, err := lonely.StartConversation(ctx, chat.StartRequest{ChannelID: ch.ID, Body: "bonjour", Languages: []string{"fr-BE", "en"}})
		if err != nil {
			t.Fatal(err)
		}
		return st.Conversation.Language
	}
	if got := start(); got != "en" {
		t.Fatalf("with English alone: %q", got)
	}
	if _, err := s.a.SetLanguage(ctx, s.admin, "fr", true); err != nil {
		t.Fatal(err)
	}
	if got := start(); got != "en" {
		t.Fatalf("the notice was lost, yet the server knew French was enabled (%q): the test proves nothing", got)
	}
	lonely.ForgetCaches()
	if got := start(); got != "fr" {
		t.Fatalf("after ForgetCaches a Belgian visitor got %q, want fr", got)
	}
}
