package storetest

import (
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// Honest waiting (waiting.go): the channels' wait limits, and the estimates recorded
// with the departures from the queue that the store records itself, whatever assigns.
var waitingTests = []struct {
	name string
	fn   func(t *testing.T, s parley.Store)
}{
	{"WaitLimits", testWaitLimits},
	{"WaitEstimates", testWaitEstimates},
}

func testWaitLimits(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	if l, err := s.WaitLimits(ctx, ch.ID); err != nil || l != (parley.WaitLimits{}) {
		t.Fatalf("new channel's limits = %+v, %v; want none", l, err)
	}
	for _, want := range []parley.WaitLimits{{MaxWaitMinutes: 10, MaxPlace: 5}, {MaxPlace: 3}} {
		if err := s.SetWaitLimits(ctx, ch.ID, want); err != nil {
			t.Fatal(err)
		}
		if l, err := s.WaitLimits(ctx, ch.ID); err != nil || l != want {
			t.Errorf("limits = %+v, %v; want %+v", l, err, want)
		}
	}
	_, err := s.WaitLimits(ctx, 9999)
	wantCode(t, err, parley.ENOTFOUND)
	wantCode(t, s.SetWaitLimits(ctx, 9999, parley.WaitLimits{MaxPlace: 1}), parley.ENOTFOUND)
}

func testWaitEstimates(t *testing.T, s parley.Store) {
	ctx := t.Context()
	web, sales := mustChannel(t, s, "Website", 0), mustChannel(t, s, "Sales", 0)
	op := mustUser(t, s, "op")
	mustJoin(t, s, web.ID, op.ID)
	mustJoin(t, s, sales.ID, op.ID)
	start := func(ch int64, at time.Time) *parley.Conversation {
		v := mustVisitor(t, s, "")
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch, VisitorID: v.ID, Language: "en", Body: "Anyone?", Now: at}, queue)
		return c
	}
	record := func(c *parley.Conversation, estimate time.Duration, at time.Time) {
		t.Helper()
		e := &parley.WaitEstimate{ConversationID: c.ID, ChannelID: c.ChannelID, Place: c.QueuePosition, Estimate: estimate, Estimated: estimate > 0, QueuedAt: at}
		if err := s.RecordWaitEstimate(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var queued []*parley.Conversation
	for i := range 4 {
		at := t0.Add(time.Duration(i) * time.Minute)
		c := start(web.ID, at)
		record(c, time.Duration(i)*3*time.Minute, at) // the first: no estimate
		queued = append(queued, c)
	}
	// The first estimate of a conversation stays.
	record(queued[1], time.Hour, t0.Add(time.Hour))
	// Not recorded: no departure when it is assigned.
	unrecorded := start(sales.ID, t0)

	if list, err := s.QueueDepartures(ctx, web.ID, t0, 10); err != nil || len(list) != 0 {
		t.Fatalf("departures before any = %v, %v", list, err)
	}

	// The drain assigns the two oldest, a hand assignment the fourth; the third ends.
	once := func(n int) parley.Chooser {
		return func(parley.AssignRequest, []parley.Candidate) parley.Routing {
			if n == 0 {
				return parley.Routing{}
			}
			n--
			return parley.Routing{OperatorID: op.ID}
		}
	}
	drained := t0.Add(10 * time.Minute)
	if got, err := s.AssignQueued(ctx, web.ID, drained, once(2)); err != nil || len(got) != 2 {
		t.Fatalf("AssignQueued = %d, %v; want 2", len(got), err)
	}
	byHand := t0.Add(12 * time.Minute)
	if _, _, err := s.AssignConversation(ctx, parley.HandAssignment{ConversationID: queued[3].ID, OperatorID: op.ID, Now: byHand}, online); err != nil {
		t.Fatal(err)
	}
	mustEnd(t, s, queued[2].ID, parley.VisitorLeftMessage, byHand)
	if _, err := s.AssignQueued(ctx, sales.ID, drained, once(1)); err != nil {
		t.Fatal(err)
	}
	_ = unrecorded

	deps, err := s.QueueDepartures(ctx, web.ID, t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 3 || !deps[0].Equal(byHand) || !deps[1].Equal(drained) || !deps[2].Equal(drained) {
		t.Errorf("departures = %v; want %v, then %v twice", deps, byHand, drained)
	}
	if deps, err := s.QueueDepartures(ctx, web.ID, t0, 1); err != nil || len(deps) != 1 {
		t.Errorf("departures, at most 1 = %v, %v", deps, err)
	}
	if deps, err := s.QueueDepartures(ctx, web.ID, byHand.Add(time.Second), 10); err != nil || len(deps) != 0 {
		t.Errorf("departures since after the last = %v, %v", deps, err)
	}
	if deps, err := s.QueueDepartures(ctx, sales.ID, t0, 10); err != nil || len(deps) != 0 {
		t.Errorf("departures of the channel without estimates = %v, %v", deps, err)
	}

	// Recorded after its assignment (between the start's commit and the record): the
	// assignment is read from the conversation.
	late := start(web.ID, t0.Add(20*time.Minute))
	lateAt := t0.Add(21 * time.Minute)
	if _, err := s.AssignQueued(ctx, web.ID, lateAt, once(1)); err != nil {
		t.Fatal(err)
	}
	record(late, 2*time.Minute, late.CreatedAt)

	list, err := s.WaitEstimates(ctx, 0, t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id        int64
		place     int
		estimate  time.Duration
		estimated bool
		queued    time.Time
		assigned  time.Time
	}
	var got []row
	for _, e := range list {
		got = append(got, row{e.ConversationID, e.Place, e.Estimate, e.Estimated, e.QueuedAt, e.AssignedAt})
	}
	want := []row{
		{queued[0].ID, 1, 0, false, t0, drained},
		{queued[1].ID, 2, 3 * time.Minute, true, t0.Add(time.Minute), drained},
		{queued[3].ID, 4, 9 * time.Minute, true, t0.Add(3 * time.Minute), byHand},
		{late.ID, 1, 2 * time.Minute, true, late.CreatedAt, lateAt},
	}
	if len(got) != len(want) {
		t.Fatalf("estimates = %+v\nwant %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.id != w.id || g.place != w.place || g.estimate != w.estimate || g.estimated != w.estimated || !g.queued.Equal(w.queued) || !g.assigned.Equal(w.assigned) {
			t.Errorf("estimate %d = %+v, want %+v", i, g, w)
		}
	}
	if list, err := s.WaitEstimates(ctx, sales.ID, t0, t0.Add(time.Hour)); err != nil || len(list) != 0 {
		t.Errorf("estimates of Sales = %d, %v; want none", len(list), err)
	}
	if list, err := s.WaitEstimates(ctx, web.ID, drained.Add(time.Second), t0.Add(time.Hour)); err != nil || len(list) != 2 {
		t.Errorf("estimates assigned after the drain = %d, %v; want 2", len(list), err)
	}

	// A message left instead of waiting names the conversation.
	c := start(web.ID, t0.Add(30*time.Minute))
	m := &parley.OfflineMessage{ChannelID: web.ID, Name: "Vi", Email: "vi@example.com", Body: "Call me", ConversationID: &c.ID, CreatedAt: t0.Add(31 * time.Minute)}
	if err := s.CreateOfflineMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	if got := mustOffline(t, s, m.ID); got.ConversationID == nil || *got.ConversationID != c.ID {
		t.Errorf("left message's conversation = %v, want %d", got.ConversationID, c.ID)
	}
}
