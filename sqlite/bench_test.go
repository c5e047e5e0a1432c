package sqlite_test

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/sqlite"
)

// benchConversations opens a store with n active conversations of one operator.
func benchConversations(b *testing.B, n int) (*sqlite.Store, *parley.User, []int64) {
	b.Helper()
	ctx := b.Context()
	s := mustOpen(b, filepath.Join(b.TempDir(), "parley.db"))
	op := &parley.User{Login: "op", Name: "Olga", Role: parley.RoleOperator}
	if err := s.CreateUser(ctx, op, "hash"); err != nil {
		b.Fatal(err)
	}
	ch := &parley.Channel{Name: "Website"}
	if err := s.CreateChannel(ctx, ch); err != nil {
		b.Fatal(err)
	}
	if err := s.JoinChannel(ctx, ch.ID, op.ID); err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, n)
	for i := range ids {
		v := &parley.Visitor{}
		if err := s.CreateVisitor(ctx, v, fmt.Appendf(nil, "token-%d", i)); err != nil {
			b.Fatal(err)
		}
		c, _, _, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Language: "en", Body: "Hello"},
			func(parley.AssignRequest, []parley.Candidate) parley.Routing {
				return parley.Routing{OperatorID: op.ID}
			})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = c.ID
	}
	return s, op, ids
}

// BenchmarkAddMessage stores messages one after the other: each is its own transaction.
func BenchmarkAddMessage(b *testing.B) {
	s, op, ids := benchConversations(b, 100)
	author := parley.Author{Kind: parley.AuthorOperator, Name: "Olga", ID: op.ID}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		nm := parley.NewMessage{ConversationID: ids[i%len(ids)], Author: author, Body: "How can I help?", ClientID: fmt.Sprint("c", i), Now: time.Now()}
		if _, _, err := s.AddMessage(b.Context(), nm); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkAddMessageConcurrent stores messages from 64 senders at once, as a busy
// server does: they share transactions (group commit).
func BenchmarkAddMessageConcurrent(b *testing.B) {
	s, op, ids := benchConversations(b, 100)
	author := parley.Author{Kind: parley.AuthorOperator, Name: "Olga", ID: op.ID}
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32) // ×GOMAXPROCS senders
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			nm := parley.NewMessage{ConversationID: ids[i%int64(len(ids))], Author: author, Body: "How can I help?", ClientID: fmt.Sprint("c", i), Now: time.Now()}
			if _, _, err := s.AddMessage(b.Context(), nm); err != nil {
				b.Fatal(err)
			}
		}
	})
}
