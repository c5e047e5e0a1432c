package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// How far the operator has read, as the visitor is told: the assigned operator's read
// mark or their own last message, whichever is later; nobody else's.
func testOperatorReadSeq(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	op, colleague := mustUser(t, s, "op"), mustUser(t, s, "colleague")
	mustJoin(t, s, ch.ID, op.ID, colleague.ID)
	visitor := parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }

	queued, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "Va").ID, Body: "1", Now: t0}, queue)
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "Vi").ID, Body: "1", Now: t0}, pick(op.ID))
	mustAdd(t, s, c.ID, visitor, "2", at(1))
	mustAdd(t, s, c.ID, visitor, "3", at(2))

	steps := []struct {
		name string
		do   func(t *testing.T)
		want int64
	}{
		{"nothing read yet", func(t *testing.T) {}, 0},
		{"the operator reads 2", func(t *testing.T) { mustMarkRead(t, s, op.ID, c.ID, 2) }, 2},
		{"a colleague's read does not count", func(t *testing.T) { mustMarkRead(t, s, colleague.ID, c.ID, 3) }, 2},
		{"the operator answers: read up to their message", func(t *testing.T) {
			mustAdd(t, s, c.ID, parley.Author{Kind: parley.AuthorOperator, Name: "Op", ID: op.ID}, "4", at(3))
		}, 4},
		{"the visitor writes again", func(t *testing.T) { mustAdd(t, s, c.ID, visitor, "5", at(4)) }, 4},
		{"an older mark does not move it back", func(t *testing.T) { mustMarkRead(t, s, op.ID, c.ID, 3) }, 4},
		{"the operator reads everything", func(t *testing.T) { mustMarkRead(t, s, op.ID, c.ID, 99) }, 5},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do(t)
			got, err := s.OperatorReadSeq(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got != st.want {
				t.Errorf("OperatorReadSeq = %d, want %d", got, st.want)
			}
		})
	}

	t.Run("queued: no operator", func(t *testing.T) {
		mustMarkRead(t, s, colleague.ID, queued.ID, 1)
		if got, err := s.OperatorReadSeq(ctx, queued.ID); err != nil || got != 0 {
			t.Errorf("OperatorReadSeq of a queued conversation = %d, %v; want 0", got, err)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		_, err := s.OperatorReadSeq(ctx, 9999)
		wantCode(t, err, parley.ENOTFOUND)
	})
}

// The conversations the sweep ends for want of their visitor: not ended, the visitor not
// seen and silent since the cut-off. Being seen never moves back in time.
func testAbandonedConversations(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	op := mustUser(t, s, "op")
	mustJoin(t, s, ch.ID, op.ID)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	since := at(10)
	start := func(when time.Time, choose parley.Chooser) (*parley.Conversation, *parley.Visitor) {
		v := mustVisitor(t, s, "")
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Body: "Hello", Now: when}, choose)
		return c, v
	}
	see := func(v *parley.Visitor, when time.Time) {
		t.Helper()
		if err := s.SeeVisitors(ctx, []int64{v.ID}, when); err != nil {
			t.Fatal(err)
		}
	}

	silent, _ := start(t0, pick(op.ID)) // never seen, nothing since its first message
	seenLater, v := start(t0, pick(op.ID))
	see(v, at(15))
	see(v, at(1)) // an older sighting reported late changes nothing
	seenBefore, v := start(t0, pick(op.ID))
	see(v, at(5))
	seenAtCutoff, v := start(t0, pick(op.ID))
	see(v, since)
	wroteLater, _ := start(t0, pick(op.ID))
	mustAdd(t, s, wroteLater.ID, parley.Author{Kind: parley.AuthorVisitor, Name: "Vi"}, "Still there", at(12))
	answered, _ := start(t0, pick(op.ID)) // the operator's message says nothing of the visitor
	mustAdd(t, s, answered.ID, parley.Author{Kind: parley.AuthorOperator, Name: "Op", ID: op.ID}, "Hello?", at(12))
	queued, _ := start(t0, queue)
	ended, _ := start(t0, pick(op.ID))
	mustEnd(t, s, ended.ID, parley.VisitorLeftMessage, at(2))
	startedLater, _ := start(at(11), pick(op.ID))
	// Two conversations of one visitor, seen once: neither is abandoned.
	both, v := start(t0, pick(op.ID))
	other := mustChannel(t, s, "Sales", 0)
	mustJoin(t, s, other.ID, op.ID)
	bothOther, _ := mustStart(t, s, parley.NewConversation{ChannelID: other.ID, VisitorID: v.ID, Body: "Hi", Now: t0}, pick(op.ID))
	see(v, at(20))

	list, err := s.AbandonedConversations(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, c := range list {
		ids = append(ids, c.ID)
		wantConversation(t, c, mustConversation(t, s, c.ID))
	}
	wantIDs(t, "AbandonedConversations", ids, []int64{silent.ID, seenBefore.ID, answered.ID, queued.ID})
	for _, c := range []*parley.Conversation{seenLater, seenAtCutoff, wroteLater, ended, startedLater, both, bothOther} {
		if slices.Contains(ids, c.ID) {
			t.Errorf("conversation %d is listed as abandoned", c.ID)
		}
	}

	t.Run("ignored ids", func(t *testing.T) {
		if err := s.SeeVisitors(ctx, nil, at(30)); err != nil {
			t.Errorf("SeeVisitors of nobody: %v", err)
		}
		if err := s.SeeVisitors(ctx, []int64{9999}, at(30)); err != nil {
			t.Errorf("SeeVisitors of an unknown visitor: %v", err)
		}
	})
	t.Run("many at once", func(t *testing.T) {
		var ids []int64
		for range 1200 {
			ids = append(ids, mustVisitor(t, s, "").ID)
		}
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: ids[len(ids)-1], Body: "Hello", Now: t0}, pick(op.ID))
		if err := s.SeeVisitors(ctx, ids, at(40)); err != nil {
			t.Fatal(err)
		}
		list, err := s.AbandonedConversations(ctx, at(35))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range list {
			if l.ID == c.ID {
				t.Fatalf("conversation %d of a visitor seen with 1,199 others is listed as abandoned", c.ID)
			}
		}
	})
}
