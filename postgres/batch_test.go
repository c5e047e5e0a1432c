package postgres_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley"
	"github.com/parleychat/parley/postgres/pgtest"
)

// TestBadMessageAlone sends, among many messages at once, some that PostgreSQL refuses
// to store (a NUL character, invalid UTF-8), which abort whatever transaction they are
// in: each fails alone, as invalid, and every other message of its batch is stored.
func TestBadMessageAlone(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, pgtest.URL(t))
	ch := &parley.Channel{Name: "Website"}
	if err := s.CreateChannel(ctx, ch); err != nil {
		t.Fatal(err)
	}
	v := &parley.Visitor{}
	if err := s.CreateVisitor(ctx, v, []byte("token")); err != nil {
		t.Fatal(err)
	}
	queue := func(parley.AssignRequest, []parley.Candidate) parley.Routing { return parley.Routing{} }
	c, _, _, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Body: "Hi"}, queue)
	if err != nil {
		t.Fatal(err)
	}

	const rounds, senders = 5, 40
	bad := []string{"nul \x00 byte", "invalid \xff UTF-8"}
	good := 0
	for round := range rounds {
		errs := make([]error, senders+len(bad))
		ready := make(chan struct{})
		var wg sync.WaitGroup
		for i := range errs {
			body := fmt.Sprintf("round %d message %d", round, i)
			if i >= senders {
				body = bad[i-senders]
			}
			wg.Go(func() {
				<-ready
				_, _, errs[i] = s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID,
					Author: parley.Author{Kind: parley.AuthorVisitor, Name: v.Name}, Body: body, Now: time.Now()})
			})
		}
		close(ready)
		wg.Wait()
		for i, err := range errs {
			if i < senders && err != nil {
				t.Errorf("round %d: good message %d: %v", round, i, err)
			}
			if i >= senders && parley.ErrorCode(err) != parley.EINVALID {
				t.Errorf("round %d: bad message %q: %v, want %s", round, bad[i-senders], err, parley.EINVALID)
			}
		}
		good += senders
	}
	msgs, err := s.Messages(ctx, c.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1+good {
		t.Errorf("%d messages stored, want %d", len(msgs), 1+good)
	}
	for i, m := range msgs {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d", i, m.Seq)
		}
	}
}
