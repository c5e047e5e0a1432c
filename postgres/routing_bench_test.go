package postgres_test

import (
	"fmt"
	"github.com/parleychat/parley/postgres/pgtest"
	"testing"

	"github.com/parleychat/parley"
)

// BenchmarkStartAssigned starts conversations in a channel of 1,000 members, every one
// online, without a cap: each start decides among them all with the real rules and
// records the decision (and, since explainable routing, its explanation).
func BenchmarkStartAssigned(b *testing.B) {
	ctx := b.Context()
	s := mustOpen(b, pgtest.URL(b))
	ch := &parley.Channel{Name: "Website"}
	if err := s.CreateChannel(ctx, ch); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		op := &parley.User{Login: fmt.Sprintf("op%d", i), Name: fmt.Sprintf("Op %d", i), Role: parley.RoleOperator}
		if err := s.CreateUser(ctx, op, "hash"); err != nil {
			b.Fatal(err)
		}
		if err := s.JoinChannel(ctx, ch.ID, op.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++ // a new visitor each time: nobody's previous operator decides
		v := &parley.Visitor{}
		if err := s.CreateVisitor(ctx, v, fmt.Appendf(nil, "token-%d", n)); err != nil {
			b.Fatal(err)
		}
		if _, _, _, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Language: "en", Body: "Hello"}, benchChooser); err != nil {
			b.Fatal(err)
		}
	}
}

// benchChooser is the server's chooser with every candidate online.
func benchChooser(req parley.AssignRequest, candidates []parley.Candidate) parley.Routing {
	for i := range candidates {
		candidates[i].Online = true
	}
	return parley.Route(req, candidates)
}
