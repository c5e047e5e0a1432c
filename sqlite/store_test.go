package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/sqlite"
	"github.com/parleychat/parley/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) parley.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "parley.db"))
	})
}

// TestReopen checks that everything is in the file: a store opened again on it sees
// the conversation, and its messages go on from the last seq.
func TestReopen(t *testing.T) {
	ctx := t.Context()
	// A directory that does not exist yet: Open creates it.
	path := filepath.Join(t.TempDir(), "data", "parley.db")
	t0 := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

	s := mustOpen(t, path)
	op := &parley.User{Login: "op", Name: "Olga", Role: parley.RoleOperator, ChatName: "Olly"}
	if err := s.CreateUser(ctx, op, "hash"); err != nil {
		t.Fatal(err)
	}
	ch := &parley.Channel{Name: "Website", MaxOngoingPerOperator: 2}
	if err := s.CreateChannel(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if err := s.JoinChannel(ctx, ch.ID, op.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLanguage(ctx, parley.Language{Code: "fr", Name: "French", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	v := &parley.Visitor{}
	if err := s.CreateVisitor(ctx, v, []byte("token")); err != nil {
		t.Fatal(err)
	}
	c, _, _, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Language: "fr", Body: "Bonjour", Now: t0},
		func(parley.AssignRequest, []parley.Candidate) parley.Routing {
			return parley.Routing{OperatorID: op.ID}
		})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: parley.Author{Kind: parley.AuthorOperator, Name: "Olly", ID: op.ID}, Body: "Bonjour !", Now: t0.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = mustOpen(t, path)
	got, err := s.Conversation(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.OperatorID != op.ID || got.OperatorName != "Olly" || got.LastSeq != 2 || got.Language != "fr" {
		t.Errorf("conversation after reopening: %+v", got)
	}
	msgs, err := s.Messages(ctx, c.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Body != "Bonjour" || msgs[1].Body != "Bonjour !" || msgs[1].Author.ID != op.ID {
		t.Errorf("messages after reopening: %+v", msgs)
	}
	m, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: v.Name}, Body: "Merci", Now: t0.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Seq != 3 {
		t.Errorf("seq after reopening = %d, want 3", m.Seq)
	}
	if vv, err := s.VisitorByToken(ctx, []byte("token")); err != nil || vv.ID != v.ID {
		t.Errorf("VisitorByToken after reopening = %+v, %v", vv, err)
	}
	langs, err := s.Languages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	enabled := map[string]bool{}
	for _, l := range langs {
		enabled[l.Code] = l.Enabled
	}
	if !enabled["fr"] || !enabled["en"] {
		t.Errorf("enabled languages after reopening: fr %v, en %v; want both (migrations must not seed again)", enabled["fr"], enabled["en"])
	}
	if ids, err := s.UserChannels(ctx, op.ID); err != nil || len(ids) != 1 || ids[0] != ch.ID {
		t.Errorf("UserChannels after reopening = %v, %v", ids, err)
	}
}

func TestPing(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "parley.db"))
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// TestWAL checks that the file is in WAL mode, which lets readers run beside the writer.
func TestWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.db")
	mustOpen(t, path)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal mode %q, want wal", mode)
	}
}

func mustOpen(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}
