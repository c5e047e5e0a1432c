package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// liveTests are the contract of LiveStore, run by Run.
var liveTests = []struct {
	name string
	fn   func(t *testing.T, s parley.Store)
}{
	{"LiveConversations", testLiveConversations},
	{"AssignByHand", testAssignByHand},
	{"AssignByHandRefusals", testAssignByHandRefusals},
	{"ConcurrentHandAssignments", func(t *testing.T, s parley.Store) { concurrentHandAssignments(t, s, s) }},
}

// testLiveConversations lists what has not ended, with the wait of each: a queued one
// since it entered the queue (its start, or a transfer), an active one since the
// visitor's first message after the operator's last, none once the operator answered.
func testLiveConversations(t *testing.T, s parley.Store) {
	ctx := t.Context()
	web := mustChannel(t, s, "Website", 0)
	sales := mustChannel(t, s, "Sales", 0)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, web.ID, a.ID, b.ID)
	active, _ := mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: mustVisitor(t, s, "Vera").ID, Language: "en", Body: "Hi", Now: t0}, pick(a.ID))
	queued, _ := mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: mustVisitor(t, s, "Quinn").ID, Language: "fr", Body: "Allô", Now: t0.Add(time.Second)}, queue)
	ended, _ := mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Bye", Now: t0}, pick(b.ID))
	mustEnd(t, s, ended.ID, parley.VisitorLeftMessage, t0.Add(time.Second))
	moved, _ := mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hey", Now: t0}, pick(b.ID))
	if _, _, err := s.TransferConversation(ctx, parley.Transfer{ConversationID: moved.ID, From: b.ID, ToChannelID: sales.ID, Now: t0.Add(time.Minute)}, online); err != nil {
		t.Fatal(err)
	}

	check := func(what string, wantWaiting, wantLast time.Time) {
		t.Helper()
		list, err := s.LiveConversations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range list {
			ids = append(ids, c.ID)
		}
		wantIDs(t, what+": live conversations", ids, []int64{active.ID, queued.ID, moved.ID})
		if len(list) != 3 {
			return
		}
		if c := list[0]; c.Status != parley.StatusActive || c.OperatorID != a.ID || !c.QueuedSince.IsZero() || !c.WaitingSince.Equal(wantWaiting) || !c.LastUnansweredAt.Equal(wantLast) {
			t.Errorf("%s: active %s, queued since %v, waiting since %v, last unanswered %v; want waiting since %v, last unanswered %v",
				what, formatConversation(&c.Conversation), c.QueuedSince, c.WaitingSince, c.LastUnansweredAt, wantWaiting, wantLast)
		}
		if c := list[1]; c.Status != parley.StatusQueued || c.VisitorName != "Quinn" || c.Language != "fr" || c.QueuePosition != 1 ||
			!c.QueuedSince.Equal(t0.Add(time.Second)) || !c.WaitingSince.IsZero() {
			t.Errorf("%s: queued %s since %v, waiting since %v", what, formatConversation(&c.Conversation), c.QueuedSince, c.WaitingSince)
		}
		if c := list[2]; c.Status != parley.StatusQueued || c.ChannelID != sales.ID || !c.QueuedSince.Equal(t0.Add(time.Minute)) {
			t.Errorf("%s: transferred to a queue %s since %v, want since the transfer", what, formatConversation(&c.Conversation), c.QueuedSince)
		}
		one, err := s.LiveConversation(ctx, active.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !one.WaitingSince.Equal(list[0].WaitingSince) || !one.LastUnansweredAt.Equal(list[0].LastUnansweredAt) {
			t.Errorf("%s: LiveConversation waits since %v (last %v), LiveConversations %v (last %v)", what, one.WaitingSince, one.LastUnansweredAt, list[0].WaitingSince, list[0].LastUnansweredAt)
		}
	}
	check("unanswered", t0, t0)
	mustAdd(t, s, active.ID, parley.Author{Kind: parley.AuthorOperator, Name: "A", ID: a.ID}, "Hello", t0.Add(2*time.Second))
	check("answered", time.Time{}, time.Time{})
	mustAdd(t, s, active.ID, parley.Author{Kind: parley.AuthorVisitor, Name: "Vera"}, "One more thing", t0.Add(3*time.Second))
	mustAdd(t, s, active.ID, parley.Author{Kind: parley.AuthorVisitor, Name: "Vera"}, "Hello?", t0.Add(4*time.Second))
	check("asked again", t0.Add(3*time.Second), t0.Add(4*time.Second))

	got, err := s.LiveConversation(ctx, ended.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != parley.StatusEnded || !got.WaitingSince.IsZero() || !got.LastUnansweredAt.IsZero() || !got.QueuedSince.IsZero() {
		t.Errorf("ended: %s, queued since %v, waiting since %v", formatConversation(&got.Conversation), got.QueuedSince, got.WaitingSince)
	}
	_, err = s.LiveConversation(ctx, 9999)
	wantCode(t, err, parley.ENOTFOUND)
}

// testAssignByHand gives a queued conversation to a member past the channel's cap: the
// chooser is asked about them alone, with no cap; the visitor reads who joined; the
// conversation counts for them from then on, and leaves the queue.
func testAssignByHand(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 1)
	a := mustUser(t, s, "a", func(u *parley.User) { u.ChatName = "Ann" })
	b := mustUser(t, s, "b")
	mustJoin(t, s, ch.ID, a.ID, b.ID)
	mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, pick(a.ID))
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "Vera").ID, Language: "en", Body: "Hello?", Now: t0}, queue)
	mustAdd(t, s, c.ID, parley.Author{Kind: parley.AuthorVisitor, Name: "Vera"}, "Still there?", t0.Add(time.Second))

	now := t0.Add(time.Minute)
	rec := &recorder{then: online}
	got, notice, err := s.AssignConversation(ctx, parley.HandAssignment{ConversationID: c.ID, OperatorID: a.ID, Now: now}, rec.choose)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 1 || len(rec.calls[0].candidates) != 1 || rec.calls[0].candidates[0].OperatorID != a.ID {
		t.Errorf("chooser calls %+v; want one, with a alone", rec.calls)
	} else if req := rec.calls[0].req; req.Cap != 0 || req.Language != "en" || rec.calls[0].candidates[0].Ongoing != 1 {
		t.Errorf("chooser asked %+v about %+v; want no cap, language en, a's one ongoing conversation", req, rec.calls[0].candidates[0])
	}
	want := &parley.Message{ConversationID: c.ID, Seq: 3, Author: parley.Author{Kind: parley.AuthorSystem}, Body: "Ann joined the conversation.", CreatedAt: now}
	wantMessage(t, notice, want)
	if got.Status != parley.StatusActive || got.OperatorID != a.ID || got.OperatorName != "Ann" || !got.AssignedAt.Equal(now) || got.LastSeq != 3 || got.QueuePosition != 0 {
		t.Errorf("assigned: %s", formatConversation(got))
	}
	wantConversation(t, mustConversation(t, s, c.ID), got)
	if msgs := mustMessages(t, s, c.ID, 0, 0); len(msgs) != 3 {
		t.Errorf("%d messages, want the two and the notice", len(msgs))
	} else {
		wantMessage(t, msgs[2], want)
	}
	if q, err := s.QueuedConversations(ctx, ch.ID); err != nil || len(q) != 0 {
		t.Errorf("queue after the hand assignment: %v, %v", q, err)
	}
	// The next decision counts it for a: two ongoing, past the cap.
	rec = &recorder{then: queue}
	mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: now}, rec.choose)
	for _, cand := range rec.calls[0].candidates {
		if cand.OperatorID == a.ID && cand.Ongoing != 2 {
			t.Errorf("a counts %d ongoing conversations after the hand assignment, want 2", cand.Ongoing)
		}
	}
	if sum := mustSummary(t, s, a.ID, c.ID); sum.Unread != 3 {
		t.Errorf("a's summary: %d unread, want the whole history", sum.Unread)
	}
}

// testAssignByHandRefusals: each refusal says why and changes nothing.
func testAssignByHandRefusals(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	a := mustUser(t, s, "a", func(u *parley.User) { u.ChatName = "Ann" })
	outsider := mustUser(t, s, "outsider")
	gone := mustUser(t, s, "gone")
	off := mustUser(t, s, "off")
	mustJoin(t, s, ch.ID, a.ID, gone.ID, off.ID)
	if _, err := s.UpdateUser(ctx, off.ID, parley.UserUpdate{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, gone.ID, t0); err != nil {
		t.Fatal(err)
	}
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, queue)
	ended, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, queue)
	mustEnd(t, s, ended.ID, parley.VisitorLeftMessage, t0)
	active, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, pick(a.ID))

	offline := func(parley.AssignRequest, []parley.Candidate) parley.Routing { return parley.Routing{} }
	for _, tc := range []struct {
		name   string
		a      parley.HandAssignment
		choose parley.Chooser
		code   string
		says   string
	}{
		{"not a member", parley.HandAssignment{ConversationID: c.ID, OperatorID: outsider.ID}, online, parley.ECONFLICT, "Name of outsider is not a member of Website."},
		{"disabled", parley.HandAssignment{ConversationID: c.ID, OperatorID: off.ID}, online, parley.ECONFLICT, "Name of off's account is disabled."},
		{"deleted", parley.HandAssignment{ConversationID: c.ID, OperatorID: gone.ID}, online, parley.ENOTFOUND, ""},
		{"unknown user", parley.HandAssignment{ConversationID: c.ID, OperatorID: 9999}, online, parley.ENOTFOUND, ""},
		{"offline", parley.HandAssignment{ConversationID: c.ID, OperatorID: a.ID}, offline, parley.ECONFLICT, "Ann is offline."},
		{"ended", parley.HandAssignment{ConversationID: ended.ID, OperatorID: a.ID}, online, parley.ECONFLICT, fmt.Sprintf("Conversation %d has ended.", ended.ID)},
		{"already theirs", parley.HandAssignment{ConversationID: active.ID, OperatorID: a.ID}, online, parley.ECONFLICT, fmt.Sprintf("Ann already holds conversation %d.", active.ID)},
		{"unknown conversation", parley.HandAssignment{ConversationID: 9999, OperatorID: a.ID}, online, parley.ENOTFOUND, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.a.Now = t0.Add(time.Minute)
			got, notice, err := s.AssignConversation(ctx, tc.a, tc.choose)
			wantCode(t, err, tc.code)
			if tc.says != "" && parley.ErrorMessage(err) != tc.says {
				t.Errorf("refusal says %q, want %q", parley.ErrorMessage(err), tc.says)
			}
			if got != nil || notice != nil {
				t.Errorf("refused, yet returned %v, %v", got, notice)
			}
		})
	}
	if got := mustConversation(t, s, c.ID); got.Status != parley.StatusQueued || got.OperatorID != 0 || got.LastSeq != 1 {
		t.Errorf("after the refusals: %s", formatConversation(got))
	}
}

// concurrentHandAssignments races two hand assignments of each of several queued
// conversations, to two operators, through the handles in turn: each conversation goes
// to exactly one of them, which the store reports once, with one notice.
func concurrentHandAssignments(t *testing.T, handles ...parley.Store) {
	const conversations = 12
	ctx := t.Context()
	s := handles[0]
	ch := mustChannel(t, s, "Website", 1)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, ch.ID, a.ID, b.ID)
	var convs []int64
	for range conversations {
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, queue)
		convs = append(convs, c.ID)
	}
	type result struct {
		conv, op int64
		err      error
	}
	results := make(chan result, 2*conversations)
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range convs {
		for j, op := range []int64{a.ID, b.ID} {
			h := handles[(i+j)%len(handles)]
			wg.Go(func() {
				<-ready
				c, _, err := h.AssignConversation(ctx, parley.HandAssignment{ConversationID: id, OperatorID: op, Now: t0.Add(time.Minute)}, online)
				if err == nil && c.OperatorID != op {
					err = fmt.Errorf("assigned to %d, asked for %d", c.OperatorID, op)
				}
				results <- result{id, op, err}
			})
		}
	}
	close(ready)
	wg.Wait()
	close(results)
	won := map[int64]int64{}
	for r := range results {
		switch {
		case r.err == nil:
			if prev, ok := won[r.conv]; ok {
				t.Errorf("conversation %d given to %d and to %d", r.conv, prev, r.op)
			}
			won[r.conv] = r.op
		case parley.ErrorCode(r.err) != parley.ECONFLICT:
			t.Errorf("conversation %d to %d: %v", r.conv, r.op, r.err)
		}
	}
	for _, id := range convs {
		op, ok := won[id]
		if !ok {
			t.Errorf("conversation %d given to nobody", id)
			continue
		}
		c := mustConversation(t, s, id)
		if c.Status != parley.StatusActive || c.OperatorID != op {
			t.Errorf("conversation %d: %s, want active with %d", id, formatConversation(c), op)
		}
		msgs := mustMessages(t, s, id, 0, 0)
		if len(msgs) != 2 || msgs[1].Author.Kind != parley.AuthorSystem {
			t.Errorf("conversation %d holds %d messages, want its first and one notice", id, len(msgs))
		}
	}
}
