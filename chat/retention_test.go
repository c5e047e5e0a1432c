package chat_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/chat"
	"github.com/parleychat/parley/inmem"
	"github.com/parleychat/parley/sqlite"
)

// The retention rule, under an injected clock: nothing goes before the admin sets it, nor
// before a conversation's last activity is older than the days; then the sweep ends a
// conversation still going on (its operator is told), erases it with its visitor, and
// writes one audit entry. Two servers that both believe they lead (leadership changing
// hands) erase once between them.
func TestRetentionSweep(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clk := &clock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	bus := inmem.NewBus()
	logger := slog.New(slog.DiscardHandler)
	f := withAdmin(t, &fixture{svc: chat.New(store, bus, logger, 24*365*time.Hour, clk.Now), bus: bus, clock: clk})
	other := chat.New(store, bus, logger, 24*365*time.Hour, clk.Now) // a second server, leading too
	const day = 24 * time.Hour

	alice := f.mustOperator(t, "alice")
	ch := f.mustChannel(t, 0)
	if _, err := f.svc.JoinChannel(ctx, alice, ch); err != nil {
		t.Fatal(err)
	}
	f.svc.ConsoleOpened(ctx, alice.ID)
	old, oldV := start(t, f.svc, ch, "Hello, long ago")
	if old.Conversation.Status != parley.StatusActive {
		t.Fatalf("set-up: %s, want active", old.Conversation.Status)
	}
	aliceEvents := f.events(t, alice.ID)
	sweep := func(after time.Duration) {
		t.Helper()
		clk.Advance(after)
		for _, svc := range []*chat.Service{f.svc, other} {
			if err := svc.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}

	sweep(40 * day) // no rule yet
	if got := status(t, f.svc, oldV, old.Conversation.ID); got != parley.StatusActive {
		t.Fatalf("without a rule: %s, want active", got)
	}
	recent, recentV := start(t, f.svc, ch, "Hello, now")
	if _, err := f.svc.SetRetentionSettings(ctx, alice, 30); parley.ErrorCode(err) != parley.EFORBIDDEN {
		t.Fatalf("an operator sets the rule: %v, want EFORBIDDEN", err)
	}
	if _, err := f.svc.SetRetentionSettings(ctx, f.admin, -1); parley.ErrorCode(err) != parley.EINVALID {
		t.Fatalf("-1 days: %v, want EINVALID", err)
	}
	if _, err := f.svc.SetRetentionSettings(ctx, f.admin, 50); err != nil {
		t.Fatal(err)
	}
	sweep(time.Minute) // 40 days: within 50
	if got := status(t, f.svc, oldV, old.Conversation.ID); got != parley.StatusActive {
		t.Fatalf("40 days with a rule of 50: %s, want active", got)
	}
	if _, err := f.svc.SetRetentionSettings(ctx, f.admin, 30); err != nil {
		t.Fatal(err)
	}
	sweep(30 * time.Minute) // within the hour of the last run: not yet
	if _, err := f.svc.AuthenticateVisitor(ctx, oldToken(t, old)); err != nil {
		t.Fatalf("swept again within the hour: %v", err)
	}
	sweep(31 * time.Minute)
	if _, err := f.svc.AuthenticateVisitor(ctx, oldToken(t, old)); parley.ErrorCode(err) != parley.EUNAUTHORIZED {
		t.Fatalf("the old visitor's token after the sweep: %v, want EUNAUTHORIZED (erased)", err)
	}
	if _, err := f.svc.OperatorConversation(ctx, f.admin, old.Conversation.ID); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Fatalf("the old conversation after the sweep: %v, want ENOTFOUND", err)
	}
	if got := status(t, f.svc, recentV, recent.Conversation.ID); got != parley.StatusActive {
		t.Fatalf("the recent conversation: %s, want active", got)
	}
	ended := false
	for _, ev := range aliceEvents() {
		if c, ok := ev.Conversation.(map[string]any); ok && ev.Type == parley.EventConversation {
			ended = ended || (c["id"] == float64(old.Conversation.ID) && c["status"] == "ended")
		}
	}
	if !ended {
		t.Error("alice was not told that the old conversation ended")
	}

	log, err := f.svc.AuditLog(ctx, f.admin, parley.AuditQuery{Action: parley.AuditRetentionSweep})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].ActorID != 0 {
		t.Fatalf("retention entries: %+v, want one, by Parley", log)
	}
	var detail struct{ Conversations, Visitors int }
	if json.Unmarshal(log[0].Detail, &detail); detail.Conversations != 1 || detail.Visitors != 1 {
		t.Errorf("entry's detail %s, want 1 conversation and 1 visitor", log[0].Detail)
	}
	settings, err := f.svc.AuditLog(ctx, f.admin, parley.AuditQuery{Action: parley.AuditRetentionSettings})
	if err != nil || len(settings) != 2 || settings[0].ActorLogin != "admin" || string(settings[0].Detail) != `{"days":30,"days_before":50}` {
		t.Fatalf("settings entries: %+v, %v", settings, err)
	}
}

// oldToken is the token of the visitor who started st.
func oldToken(t *testing.T, st *chat.Started) string {
	t.Helper()
	return st.VisitorToken
}
