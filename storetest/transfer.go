package storetest

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// transferTests are the contract of TransferConversation, run by Run.
var transferTests = []struct {
	name string
	fn   func(t *testing.T, s parley.Store)
}{
	{"TransferToOperator", testTransferToOperator},
	{"TransferRefusals", testTransferRefusals},
	{"TransferToChannel", testTransferToChannel},
	{"TransferQueued", testTransferQueued},
	{"ConcurrentTransfers", func(t *testing.T, s parley.Store) { concurrentTransfers(t, s, s) }},
}

// testTransferToOperator hands a conversation to another member: they hold it, with a
// notice naming them, and the next decision counts it for them, not for the operator
// who handed it over.
func testTransferToOperator(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 2)
	a := mustUser(t, s, "a")
	b := mustUser(t, s, "b", func(u *parley.User) { u.ChatName = "Bea" })
	mustJoin(t, s, ch.ID, a.ID, b.ID)
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "Vera").ID, Language: "en", Body: "Hi", Now: t0}, pick(a.ID))
	mustAdd(t, s, c.ID, parley.Author{Kind: parley.AuthorOperator, Name: "Name of a", ID: a.ID}, "Let me ask Bea.", t0.Add(time.Second))

	now := t0.Add(time.Minute)
	rec := &recorder{then: online}
	moved, notice, err := s.TransferConversation(ctx, parley.Transfer{ConversationID: c.ID, From: a.ID, ToOperatorID: b.ID, Now: now}, rec.choose)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 1 || len(rec.calls[0].candidates) != 1 || rec.calls[0].candidates[0].OperatorID != b.ID {
		t.Errorf("chooser calls %+v; want one, with b alone", rec.calls)
	} else if req := rec.calls[0].req; req.Cap != 2 || req.Exclude != a.ID || req.Language != "en" {
		t.Errorf("chooser asked %+v; want cap 2, a excluded, language en", req)
	}
	want := &parley.Message{ConversationID: c.ID, Seq: 3, Author: parley.Author{Kind: parley.AuthorSystem}, Body: "Bea joined the conversation.", CreatedAt: now}
	wantMessage(t, notice, want)
	if moved.Status != parley.StatusActive || moved.OperatorID != b.ID || moved.OperatorName != "Bea" || moved.ChannelID != ch.ID ||
		!moved.AssignedAt.Equal(now) || moved.LastSeq != 3 {
		t.Errorf("transferred conversation: %s", formatConversation(moved))
	}
	wantConversation(t, mustConversation(t, s, c.ID), moved)
	msgs := mustMessages(t, s, c.ID, 0, 0)
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want the history and the notice", len(msgs))
	}
	wantMessage(t, msgs[2], want)
	if msgs[1].Author.ID != a.ID {
		t.Errorf("the message of the operator who handed it over has author %d, want %d", msgs[1].Author.ID, a.ID)
	}
	for _, tc := range []struct {
		op   *parley.User
		want []int64
	}{{a, nil}, {b, []int64{c.ID}}} {
		list, err := s.OperatorConversations(ctx, tc.op.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, cs := range list {
			ids = append(ids, cs.ID)
		}
		wantIDs(t, "conversations of "+tc.op.Login, ids, tc.want)
	}
	if sum := mustSummary(t, s, b.ID, c.ID); sum.Unread != 3 || sum.LastMessage == nil || sum.LastMessage.Seq != 3 {
		t.Errorf("b's summary: unread %d, last %s; want the whole history unread", sum.Unread, formatMessage(sum.LastMessage))
	}

	// The next decision counts the conversation for b, and remembers b was just given one.
	rec = &recorder{then: queue}
	mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: now}, rec.choose)
	wantCandidates(t, rec.calls[0].candidates, []parley.Candidate{
		{OperatorID: a.ID, Languages: []string{"en"}, LastAssigned: t0},
		{OperatorID: b.ID, Ongoing: 1, Load: 1, Languages: []string{"en"}, LastAssigned: now},
	})

	// b hands it back: a transfer to an operator may name the one who handed it over.
	back, _, err := s.TransferConversation(ctx, parley.Transfer{ConversationID: c.ID, From: b.ID, ToOperatorID: a.ID, Now: now.Add(time.Second)}, online)
	if err != nil || back.OperatorID != a.ID {
		t.Fatalf("transfer back: %v, %+v", err, back)
	}
}

// testTransferRefusals: each refusal says why, and changes nothing.
func testTransferRefusals(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 2)
	other := mustChannel(t, s, "Sales", 0)
	a := mustUser(t, s, "a")
	b := mustUser(t, s, "b", func(u *parley.User) { u.ChatName = "Alex" })
	outsider := mustUser(t, s, "outsider")
	off := mustUser(t, s, "off", func(u *parley.User) { u.Disabled = true })
	mustJoin(t, s, ch.ID, a.ID, b.ID)
	mustJoin(t, s, other.ID, outsider.ID)
	start := func(op int64) *parley.Conversation {
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: t0}, pick(op))
		return c
	}
	c := start(a.ID)
	full := []*parley.Conversation{start(b.ID), start(b.ID)} // b at the cap
	ended := start(a.ID)
	mustEnd(t, s, ended.ID, "", t0)
	queued, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, queue)

	now := t0.Add(time.Minute)
	for _, tc := range []struct {
		name   string
		t      parley.Transfer
		choose parley.Chooser
		code   string
		msg    string
	}{
		{"over the cap", parley.Transfer{ConversationID: c.ID, From: a.ID, ToOperatorID: b.ID}, online, parley.ECONFLICT,
			"Alex already holds 2 conversations, the channel's limit."},
		{"offline", parley.Transfer{ConversationID: full[0].ID, From: b.ID, ToOperatorID: a.ID}, queue, parley.ECONFLICT, "Name of a is offline."},
		{"not a member", parley.Transfer{ConversationID: c.ID, From: a.ID, ToOperatorID: outsider.ID}, online, parley.ECONFLICT,
			"Name of outsider is not a member of Website."},
		{"disabled", parley.Transfer{ConversationID: c.ID, From: a.ID, ToOperatorID: off.ID}, online, parley.ECONFLICT, "Name of off's account is disabled."},
		{"to the operator who holds it", parley.Transfer{ConversationID: c.ID, From: a.ID, ToOperatorID: a.ID}, online, parley.ECONFLICT,
			"Name of a already holds this conversation."},
		{"changed hands meanwhile", parley.Transfer{ConversationID: c.ID, From: b.ID, ToChannelID: other.ID}, online, parley.ECONFLICT,
			fmt.Sprintf("Conversation %d has just been handed to another operator.", c.ID)},
		{"ended", parley.Transfer{ConversationID: ended.ID, From: a.ID, ToChannelID: other.ID}, online, parley.ECONFLICT,
			fmt.Sprintf("Conversation %d has ended: it can no longer be transferred.", ended.ID)},
		{"queued", parley.Transfer{ConversationID: queued.ID, ToChannelID: other.ID}, online, parley.ECONFLICT,
			fmt.Sprintf("Conversation %d is waiting in the queue: it has no operator to hand it over.", queued.ID)},
		{"neither operator nor channel", parley.Transfer{ConversationID: c.ID, From: a.ID}, online, parley.EINVALID,
			"A transfer names either an operator or a channel."},
		{"both operator and channel", parley.Transfer{ConversationID: c.ID, From: a.ID, ToOperatorID: b.ID, ToChannelID: other.ID}, online, parley.EINVALID,
			"A transfer names either an operator or a channel."},
		{"unknown conversation", parley.Transfer{ConversationID: 9999, From: a.ID, ToChannelID: other.ID}, online, parley.ENOTFOUND, "Conversation 9999 not found."},
		{"unknown operator", parley.Transfer{ConversationID: c.ID, From: a.ID, ToOperatorID: 9999}, online, parley.ENOTFOUND, "User 9999 not found."},
		{"unknown channel", parley.Transfer{ConversationID: c.ID, From: a.ID, ToChannelID: 9999}, online, parley.ENOTFOUND, "Channel 9999 not found."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.t.ConversationID
			if id == 9999 {
				id = c.ID // unknown: nothing else may change
			}
			before := mustConversation(t, s, id)
			beforeMsgs := len(mustMessages(t, s, before.ID, 0, 0))
			tc.t.Now = now
			moved, notice, err := s.TransferConversation(ctx, tc.t, tc.choose)
			if moved != nil || notice != nil {
				t.Errorf("a refused transfer returned %+v, %+v", moved, notice)
			}
			wantCode(t, err, tc.code)
			if got := parley.ErrorMessage(err); got != tc.msg {
				t.Errorf("message %q, want %q", got, tc.msg)
			}
			wantConversation(t, mustConversation(t, s, before.ID), before)
			if n := len(mustMessages(t, s, before.ID, 0, 0)); n != beforeMsgs {
				t.Errorf("%d messages after a refused transfer, %d before", n, beforeMsgs)
			}
		})
	}

	// The refusals left the snapshot true: the next decision sees what was there.
	rec := &recorder{then: queue}
	mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: now}, rec.choose)
	wantCandidates(t, rec.calls[0].candidates, []parley.Candidate{
		{OperatorID: a.ID, Ongoing: 1, Load: 1, Languages: []string{"en"}, LastAssigned: t0},
		{OperatorID: b.ID, Ongoing: 2, Load: 2, Languages: []string{"en"}, LastAssigned: t0},
	})
}

// testTransferToChannel moves a conversation to another channel, where the usual rules
// assign it among the members, never to the operator who handed it over; and leaving
// (a transfer to its own channel) gives it to another member even when the one leaving
// was the visitor's previous operator.
func testTransferToChannel(t *testing.T, s parley.Store) {
	ctx := t.Context()
	web := mustChannel(t, s, "Website", 0)
	sales := mustChannel(t, s, "Sales", 3)
	a, b, d := mustUser(t, s, "a"), mustUser(t, s, "b"), mustUser(t, s, "d")
	mustJoin(t, s, web.ID, a.ID, b.ID)
	mustJoin(t, s, sales.ID, a.ID, d.ID)
	v := mustVisitor(t, s, "Vera")
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: v.ID, Language: "en", Body: "Hi", Now: t0}, pick(a.ID))

	now := t0.Add(time.Minute)
	rec := &recorder{then: online}
	moved, notice, err := s.TransferConversation(ctx, parley.Transfer{ConversationID: c.ID, From: a.ID, ToChannelID: sales.ID, Now: now}, rec.choose)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 1 {
		t.Fatalf("%d chooser calls, want 1", len(rec.calls))
	}
	if req := rec.calls[0].req; req.Cap != 3 || req.Exclude != a.ID {
		t.Errorf("chooser asked %+v; want Sales' cap 3, a excluded", req)
	}
	var ids []int64
	for _, cand := range rec.calls[0].candidates {
		ids = append(ids, cand.OperatorID)
	}
	wantIDs(t, "candidates", ids, []int64{a.ID, d.ID}) // Sales' members: a is there, and excluded
	if moved.ChannelID != sales.ID || moved.OperatorID != d.ID || moved.Status != parley.StatusActive {
		t.Fatalf("moved: %s; want Sales, d", formatConversation(moved))
	}
	wantMessage(t, notice, &parley.Message{ConversationID: c.ID, Seq: 2, Author: parley.Author{Kind: parley.AuthorSystem}, Body: "Name of d joined the conversation.", CreatedAt: now})
	wantConversation(t, mustConversation(t, s, c.ID), moved)
	channels, err := s.VisitorChannels(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "the visitor's channels", channels, []int64{sales.ID})

	// d leaves it: only d is excluded now, so a, who handed it over before, takes it.
	left, _, err := s.TransferConversation(ctx, parley.Transfer{ConversationID: c.ID, From: d.ID, ToChannelID: sales.ID, Now: now.Add(time.Second)}, online)
	if err != nil {
		t.Fatal(err)
	}
	if left.OperatorID != a.ID || left.ChannelID != sales.ID {
		t.Errorf("after d left: %s; want a, in Sales", formatConversation(left))
	}

	// A visitor's previous operator who leaves is not given the conversation back.
	c2, _ := mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: v.ID, Language: "en", Body: "Again", Now: now}, pick(b.ID))
	left, _, err = s.TransferConversation(ctx, parley.Transfer{ConversationID: c2.ID, From: b.ID, ToChannelID: web.ID, Now: now.Add(2 * time.Second)}, online)
	if err != nil {
		t.Fatal(err)
	}
	if left.OperatorID != a.ID {
		t.Errorf("after b left: operator %d, want a (%d)", left.OperatorID, a.ID)
	}
}

// testTransferQueued: with nobody else available, the conversation waits in the new
// channel's queue, ahead of younger ones; the operator who handed it over is passed over
// for it, but takes the next one, and another member who comes takes it.
func testTransferQueued(t *testing.T, s parley.Store) {
	ctx := t.Context()
	web := mustChannel(t, s, "Website", 0)
	sales := mustChannel(t, s, "Sales", 0)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, web.ID, a.ID)
	mustJoin(t, s, sales.ID, a.ID)
	c, _ := mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: t0}, pick(a.ID))
	younger, _ := mustStart(t, s, parley.NewConversation{ChannelID: sales.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: t0}, queue)

	now := t0.Add(time.Minute)
	moved, notice, err := s.TransferConversation(ctx, parley.Transfer{ConversationID: c.ID, From: a.ID, ToChannelID: sales.ID, Now: now}, online)
	if err != nil {
		t.Fatal(err)
	}
	if notice != nil {
		t.Errorf("a queued conversation got a notice: %s", formatMessage(notice))
	}
	if moved.Status != parley.StatusQueued || moved.OperatorID != 0 || moved.ChannelID != sales.ID || moved.QueuePosition != 1 || !moved.AssignedAt.IsZero() {
		t.Errorf("moved: %s; want queued first in Sales", formatConversation(moved))
	}
	q, err := s.QueuedConversations(ctx, sales.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q[0].ID != c.ID || q[1].ID != younger.ID || q[1].QueuePosition != 2 {
		t.Errorf("Sales' queue: %v", q)
	}
	if list, err := s.OperatorConversations(ctx, a.ID); err != nil || len(list) != 0 {
		t.Errorf("a's conversations: %v, %v; want none", list, err)
	}

	// a, the only member, is passed over for it and takes the younger one.
	assigned, err := s.AssignQueued(ctx, sales.ID, now, online)
	if err != nil {
		t.Fatal(err)
	}
	if len(assigned) != 1 || assigned[0].ID != younger.ID || assigned[0].OperatorID != a.ID {
		t.Fatalf("assigned %v; want the younger conversation to a", assigned)
	}
	if got := mustConversation(t, s, c.ID); got.Status != parley.StatusQueued || got.QueuePosition != 1 {
		t.Errorf("the transferred conversation: %s; want still first in the queue", formatConversation(got))
	}

	// b joins Sales and takes it.
	mustJoin(t, s, sales.ID, b.ID)
	assigned, err = s.AssignQueued(ctx, sales.ID, now.Add(time.Second), online)
	if err != nil {
		t.Fatal(err)
	}
	if len(assigned) != 1 || assigned[0].ID != c.ID || assigned[0].OperatorID != b.ID {
		t.Fatalf("assigned %v; want the transferred conversation to b", assigned)
	}
}

// concurrentTransfers transfers conversations between operators and channels while
// visitors start new ones, through the handles at once: no operator ever goes past a
// channel's cap, no conversation is held by two operators or both held and queued, and
// message numbers have no gap. Refusals (ECONFLICT: an operator at the cap, a
// conversation that changed hands meanwhile) are expected; nothing else.
func concurrentTransfers(t *testing.T, handles ...parley.Store) {
	const (
		operators = 4
		capacity  = 2
		initial   = 6  // conversations assigned before the race
		starts    = 12 // during it
		transfers = 60
	)
	ctx := t.Context()
	s := handles[0]
	web := mustChannel(t, s, "Website", capacity)
	sales := mustChannel(t, s, "Sales", capacity)
	channels := []int64{web.ID, sales.ID}
	var ops []int64
	for i := range operators {
		op := mustUser(t, s, fmt.Sprintf("op%d", i)).ID
		ops = append(ops, op)
		mustJoin(t, s, web.ID, op)
		if i%2 == 0 {
			mustJoin(t, s, sales.ID, op)
		}
	}
	var convs []int64
	for range initial {
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, online)
		if c.OperatorID == 0 {
			t.Fatalf("conversation %d queued before the race", c.ID)
		}
		convs = append(convs, c.ID)
	}
	visitors := make([]*parley.Visitor, starts)
	for i := range visitors {
		visitors[i] = mustVisitor(t, s, "")
	}

	var mu sync.Mutex
	var failed []error
	fail := func(err error) {
		mu.Lock()
		failed = append(failed, err)
		mu.Unlock()
	}
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for i, v := range visitors {
		h := handles[i%len(handles)]
		wg.Go(func() {
			<-ready
			if _, _, _, err := h.StartConversation(ctx, parley.NewConversation{ChannelID: channels[i%2], VisitorID: v.ID, Body: "Hi", Now: t0}, online); err != nil {
				fail(err)
			}
		})
	}
	for i := range transfers {
		h := handles[i%len(handles)]
		r := rand.New(rand.NewPCG(uint64(i), 1))
		id := convs[r.IntN(len(convs))]
		wg.Go(func() {
			<-ready
			c, err := h.Conversation(ctx, id)
			if err != nil {
				fail(err)
				return
			}
			tr := parley.Transfer{ConversationID: id, From: c.OperatorID, Now: t0.Add(time.Second)}
			if r.IntN(2) == 0 {
				tr.ToOperatorID = ops[r.IntN(len(ops))]
			} else {
				tr.ToChannelID = channels[r.IntN(2)]
			}
			_, _, err = h.TransferConversation(ctx, tr, online)
			if code := parley.ErrorCode(err); code != "" && code != parley.ECONFLICT {
				fail(err)
			}
		})
	}
	close(ready)
	wg.Wait()
	for _, err := range failed {
		t.Error(err)
	}

	last := handles[len(handles)-1]
	held := map[int64]int64{} // conversation → operator
	for _, op := range ops {
		list, err := last.OperatorConversations(ctx, op)
		if err != nil {
			t.Fatal(err)
		}
		perChannel := map[int64]int{}
		for _, cs := range list {
			if other, ok := held[cs.ID]; ok {
				t.Errorf("conversation %d held by operators %d and %d", cs.ID, other, op)
			}
			held[cs.ID] = op
			if cs.Status != parley.StatusActive {
				t.Errorf("conversation %d of operator %d is %s", cs.ID, op, cs.Status)
			}
			perChannel[cs.ChannelID]++
		}
		for ch, n := range perChannel {
			if n > capacity {
				t.Errorf("operator %d holds %d conversations in channel %d, over the cap of %d", op, n, ch, capacity)
			}
		}
	}
	for _, ch := range channels {
		q, err := last.QueuedConversations(ctx, ch)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range q {
			if _, ok := held[c.ID]; ok {
				t.Errorf("conversation %d is both queued and held", c.ID)
			}
		}
	}
	for _, id := range convs {
		c := mustConversation(t, last, id)
		if c.Status == parley.StatusActive && held[id] != c.OperatorID {
			t.Errorf("conversation %d has operator %d, listed for %d", id, c.OperatorID, held[id])
		}
		for i, m := range mustMessages(t, last, id, 0, 0) {
			if m.Seq != int64(i+1) {
				t.Fatalf("conversation %d: message %d has seq %d", id, i, m.Seq)
			}
		}
	}
}
