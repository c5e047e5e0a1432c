package chat_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
)

// Sessions are remembered between requests, but a logout, a change of preferences and
// the session's end take effect at once.
func TestSessionsInMemoryFollowChanges(t *testing.T) {
	ctx := context.Background()
	f := mustService(t, 30*time.Minute)
	f.mustOperator(t, "alice")
	token, _, err := f.svc.Login(ctx, "alice", "password-alice", chat.Client{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.svc.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	u.ChatName = "changed by a caller" // callers get their own copy
	name := "Ally"
	if _, err := f.svc.UpdatePreferences(ctx, u, chat.Preferences{ChatName: &name}); err != nil {
		t.Fatal(err)
	}
	if u, err = f.svc.Authenticate(ctx, token); err != nil || u.ChatName != "Ally" {
		t.Fatalf("after changing the chat name: %+v, %v; want Ally", u, err)
	}

	if err := f.svc.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, token); parley.ErrorCode(err) != parley.EUNAUTHORIZED {
		t.Fatalf("after logout: %v, want EUNAUTHORIZED", err)
	}

	token, _, err = f.svc.Login(ctx, "alice", "password-alice", chat.Client{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, token); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(chat.SessionTTL)
	if _, err := f.svc.Authenticate(ctx, token); parley.ErrorCode(err) != parley.EUNAUTHORIZED {
		t.Fatalf("after %v: %v, want EUNAUTHORIZED", chat.SessionTTL, err)
	}
}

// The parties of an active conversation are remembered for its messages; once it has
// ended, neither side can write in it, and nobody else ever could.
func TestConversationPartiesInMemory(t *testing.T) {
	ctx := context.Background()
	f := mustService(t, 30*time.Minute)
	alice, bob := f.mustOperator(t, "alice"), f.mustOperator(t, "bob")
	ch := f.mustChannel(t, 0)
	f.svc.JoinChannel(ctx, alice, ch)
	f.svc.ConsoleOpened(ctx, alice.ID)
	started, err := f.svc.StartConversation(ctx, chat.StartRequest{ChannelID: ch, Body: "Hello", VisitorName: "Vera"})
	if err != nil {
		t.Fatal(err)
	}
	id := started.Conversation.ID
	v := mustVisitor(t, f, started.VisitorToken)
	other, err := f.svc.StartConversation(ctx, chat.StartRequest{ChannelID: ch, Body: "Me too"})
	if err != nil {
		t.Fatal(err)
	}
	stranger := mustVisitor(t, f, other.VisitorToken)

	for range 2 { // the second time, from memory
		m, _, err := f.svc.SendVisitorMessage(ctx, v, id, "Are you there?", "")
		if err != nil || m.Author.Name != "Vera" {
			t.Fatalf("visitor's message: %+v, %v", m, err)
		}
		if _, _, err := f.svc.SendOperatorMessage(ctx, alice, id, "Yes.", ""); err != nil {
			t.Fatalf("operator's message: %v", err)
		}
		if _, _, err := f.svc.SendOperatorMessage(ctx, bob, id, "Me!", ""); parley.ErrorCode(err) != parley.EFORBIDDEN {
			t.Fatalf("another operator's message: %v, want EFORBIDDEN", err)
		}
		if _, _, err := f.svc.SendVisitorMessage(ctx, stranger, id, "Me!", ""); parley.ErrorCode(err) != parley.ENOTFOUND {
			t.Fatalf("another visitor's message: %v, want ENOTFOUND", err)
		}
	}

	if _, err := f.svc.EndByVisitor(ctx, v, id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.SendOperatorMessage(ctx, alice, id, "Bye?", ""); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Fatalf("operator's message after the end: %v, want ECONFLICT", err)
	}
	if _, _, err := f.svc.SendVisitorMessage(ctx, v, id, "Wait", ""); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Fatalf("visitor's message after the end: %v, want ECONFLICT", err)
	}
}

// The operator's event for a conversation just started is built without reading it back:
// it says what reading it back would.
func TestStartedConversationEventIsTheStoredView(t *testing.T) {
	ctx := context.Background()
	f := mustService(t, 30*time.Minute)
	alice := f.mustOperator(t, "alice")
	ch := f.mustChannel(t, 0)
	f.svc.JoinChannel(ctx, alice, ch)
	f.svc.ConsoleOpened(ctx, alice.ID)
	events := f.events(t, alice.ID)
	started, err := f.svc.StartConversation(ctx, chat.StartRequest{ChannelID: ch, Body: "Hello", VisitorName: "Vera", PageURL: "https://example.com/pricing", ClientID: "c-1"})
	if err != nil {
		t.Fatal(err)
	}
	var pushed []byte
	for _, ev := range events() {
		if ev.Type == parley.EventConversation {
			pushed, _ = json.Marshal(ev.Conversation)
		}
	}
	stored, err := f.svc.OperatorConversation(ctx, alice, started.Conversation.ID)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(stored)
	var got, wanted map[string]any
	json.Unmarshal(pushed, &got)
	json.Unmarshal(want, &wanted)
	if !reflect.DeepEqual(got, wanted) {
		t.Errorf("pushed %s\nstored %s", pushed, want)
	}
}

// The enabled languages and their matcher are kept in memory: a language enabled by an
// admin is matched from the next conversation on, and one disabled no longer is.
func TestLanguageMatcherFollowsEnabledLanguages(t *testing.T) {
	f := mustService(t, time.Hour)
	ctx := context.Background()
	ch := f.mustChannel(t, 0)
	start := func(body string) string {
		t.Helper()
		st, err := f.svc.StartConversation(ctx, chat.StartRequest{ChannelID: ch, Body: body, Languages: []string{"fr-BE", "en"}})
		if err != nil {
			t.Fatal(err)
		}
		return st.Conversation.Language
	}
	if got := start("hello"); got != "en" {
		t.Fatalf("with English alone, a Belgian visitor got %q, want en", got)
	}
	if _, err := f.svc.SetLanguage(ctx, f.admin, "fr", true); err != nil {
		t.Fatal(err)
	}
	if got := start("bonjour"); got != "fr" {
		t.Fatalf("once French is enabled, a Belgian visitor got %q, want fr", got)
	}
	if _, err := f.svc.SetLanguage(ctx, f.admin, "fr", false); err != nil {
		t.Fatal(err)
	}
	if got := start("hello again"); got != "en" {
		t.Fatalf("once French is disabled again, a Belgian visitor got %q, want en", got)
	}
}
