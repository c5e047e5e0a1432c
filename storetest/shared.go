package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// RunShared runs the contract of a store that several servers share: open returns two
// handles on one new, empty database (two connection pools, as two servers would have),
// and every test drives both at once. What one server's memory cannot guarantee, the
// database must: the cap and a single assignment per conversation (under concurrent
// starts, drains and transfers), gapless sequence numbers, one message per client_id,
// an enabled admin and an enabled language.
func RunShared(t *testing.T, open func(t *testing.T) (a, b parley.Store)) {
	tests := []struct {
		name string
		fn   func(t *testing.T, a, b parley.Store)
	}{
		{"Assignment", testSharedAssignment},
		{"Messages", testSharedMessages},
		{"MessageIdempotency", testSharedMessageIdempotency},
		{"StartIdempotency", testSharedStartIdempotency},
		{"LastAdmin", testSharedLastAdmin},
		{"LastLanguage", testSharedLastLanguage},
		{"Transfers", func(t *testing.T, a, b parley.Store) { concurrentTransfers(t, a, b) }},
		{"RetentionOnce", testSharedRetentionOnce}, // data.go
		{"HandAssignments", func(t *testing.T, a, b parley.Store) { concurrentHandAssignments(t, a, b) }},
		{"Webhooks", testSharedWebhooks},           // webhooks.go
		{"OfferExpiryOnce", concurrentOfferExpiry}, // offers.go
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := open(t)
			tc.fn(t, a, b)
		})
	}
}

// testSharedAssignment starts conversations and drains the queue through both handles
// at once: no operator goes past the cap, and every assignment is made, and reported,
// once.
func testSharedAssignment(t *testing.T, a, b parley.Store) {
	const (
		operators = 3
		capacity  = 2
		queued    = 10 // before the race
		starts    = 30 // during it
		drains    = 10 // AssignQueued calls during it
	)
	ctx := t.Context()
	handles := []parley.Store{a, b}
	ch := mustChannel(t, a, "Website", capacity)
	for i := range operators {
		mustJoin(t, a, ch.ID, mustUser(t, a, fmt.Sprintf("op%d", i)).ID)
	}
	for range queued {
		mustStart(t, a, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, a, "").ID, Body: "Hi", Now: t0}, queue)
	}
	visitors := make([]*parley.Visitor, starts)
	for i := range visitors {
		visitors[i] = mustVisitor(t, a, "")
	}

	var mu sync.Mutex
	var assigned []int64 // every conversation reported assigned
	var failed []error
	report := func(err error, ids ...int64) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failed = append(failed, err)
		}
		assigned = append(assigned, ids...)
	}
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for i, v := range visitors {
		s := handles[i%2]
		wg.Go(func() {
			<-ready
			c, _, _, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Body: "Hi", Now: t0}, online)
			if err == nil && c.OperatorID != 0 {
				report(nil, c.ID)
			} else {
				report(err)
			}
		})
	}
	for i := range drains {
		s := handles[i%2]
		wg.Go(func() {
			<-ready
			list, err := s.AssignQueued(ctx, ch.ID, t0, online)
			for _, c := range list {
				report(nil, c.ID)
			}
			report(err)
		})
	}
	close(ready)
	wg.Wait()
	for _, err := range failed {
		t.Error(err)
	}

	slices.Sort(assigned)
	if d := len(assigned) - len(slices.Compact(slices.Clone(assigned))); d > 0 {
		t.Errorf("%d assignments reported twice: %v", d, assigned)
	}
	members, err := b.ChannelMembers(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, op := range members {
		list, err := b.OperatorConversations(ctx, op.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > capacity {
			t.Errorf("operator %d holds %d conversations, over the cap of %d", op.ID, len(list), capacity)
		}
		active += len(list)
	}
	if active != operators*capacity || len(assigned) != active {
		t.Errorf("%d active conversations, %d assignments reported; want %d", active, len(assigned), operators*capacity)
	}
	q, err := b.QueuedConversations(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := queued + starts - operators*capacity; len(q) != want {
		t.Errorf("%d queued conversations, want %d", len(q), want)
	}
}

// testSharedMessages sends messages to the same conversations through both handles at
// once: each conversation's messages are numbered 1, 2, 3… with no gap and no number
// given twice.
func testSharedMessages(t *testing.T, a, b parley.Store) {
	const (
		conversations = 3
		senders       = 4 // per handle
		perSender     = 60
	)
	ctx := t.Context()
	ch := mustChannel(t, a, "Website", 0)
	convs := make([]*parley.Conversation, conversations)
	for i := range convs {
		convs[i], _ = mustStart(t, a, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, a, "").ID, Body: "Hi", Now: t0}, queue)
	}

	type key struct{ conv, seq int64 }
	var mu sync.Mutex
	given := map[key]string{}
	var failed []error
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for h, s := range []parley.Store{a, b} {
		for n := range senders {
			wg.Go(func() {
				<-ready
				for i := range perSender {
					c := convs[(n+i)%conversations]
					body := fmt.Sprintf("handle %d sender %d message %d", h, n, i)
					m, _, err := s.AddMessage(ctx, parley.NewMessage{ConversationID: c.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "V"}, Body: body, Now: t0.Add(time.Second)})
					mu.Lock()
					if err != nil {
						failed = append(failed, err)
					} else if other, ok := given[key{c.ID, m.Seq}]; ok {
						failed = append(failed, fmt.Errorf("conversation %d: seq %d given to %q and %q", c.ID, m.Seq, other, body))
					} else {
						given[key{c.ID, m.Seq}] = body
					}
					mu.Unlock()
				}
			})
		}
	}
	close(ready)
	wg.Wait()
	for _, err := range failed {
		t.Error(err)
	}

	total := 0
	for _, c := range convs {
		msgs := mustMessages(t, b, c.ID, 0, 0)
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Fatalf("conversation %d: message %d has seq %d", c.ID, i, m.Seq)
			}
			if i > 0 && given[key{c.ID, m.Seq}] != m.Body {
				t.Errorf("conversation %d seq %d: stored %q, the sender was told %q", c.ID, m.Seq, m.Body, given[key{c.ID, m.Seq}])
			}
		}
		if got := mustConversation(t, a, c.ID); got.LastSeq != int64(len(msgs)) {
			t.Errorf("conversation %d: last seq %d, %d messages", c.ID, got.LastSeq, len(msgs))
		}
		total += len(msgs) - 1
	}
	if want := 2 * senders * perSender; total != want {
		t.Errorf("%d messages stored, want %d", total, want)
	}
}

// testSharedMessageIdempotency sends each message twice at once, with one client_id,
// through both handles (a client resending through another server): one is stored, and
// both senders are answered with it.
func testSharedMessageIdempotency(t *testing.T, a, b parley.Store) {
	const rounds = 40
	ctx := t.Context()
	ch := mustChannel(t, a, "Website", 0)
	c, _ := mustStart(t, a, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, a, "").ID, Body: "Hi", Now: t0}, queue)

	for i := range rounds {
		nm := parley.NewMessage{ConversationID: c.ID, Author: parley.Author{Kind: parley.AuthorVisitor, Name: "V"},
			Body: fmt.Sprintf("message %d", i), ClientID: fmt.Sprintf("key-%d", i), Now: t0.Add(time.Second)}
		var got [2]*parley.Message
		var created [2]bool
		var errs [2]error
		ready := make(chan struct{})
		var wg sync.WaitGroup
		for h, s := range []parley.Store{a, b} {
			wg.Go(func() {
				<-ready
				got[h], created[h], errs[h] = s.AddMessage(ctx, nm)
			})
		}
		close(ready)
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: %v, %v", i, errs[0], errs[1])
		}
		if created[0] == created[1] {
			t.Errorf("round %d: created %v and %v, want one of each", i, created[0], created[1])
		}
		if got[0].Seq != got[1].Seq || got[0].Body != nm.Body || got[1].Body != nm.Body {
			t.Errorf("round %d: answered %s and %s", i, formatMessage(got[0]), formatMessage(got[1]))
		}
	}
	if msgs := mustMessages(t, b, c.ID, 0, 0); len(msgs) != 1+rounds {
		t.Errorf("%d messages stored, want %d", len(msgs), 1+rounds)
	}
}

// testSharedStartIdempotency starts a conversation twice at once, with one client_id,
// through both handles: one conversation is made, and both starts are answered with it.
func testSharedStartIdempotency(t *testing.T, a, b parley.Store) {
	const rounds = 20
	ctx := t.Context()
	ch := mustChannel(t, a, "Website", 0)
	for i := range rounds {
		v := mustVisitor(t, a, "")
		nc := parley.NewConversation{ChannelID: ch.ID, VisitorID: v.ID, Body: "Hi", ClientID: fmt.Sprintf("start-%d", i), Now: t0}
		var got [2]*parley.Conversation
		var created [2]bool
		var errs [2]error
		ready := make(chan struct{})
		var wg sync.WaitGroup
		for h, s := range []parley.Store{a, b} {
			wg.Go(func() {
				<-ready
				got[h], _, created[h], errs[h] = s.StartConversation(ctx, nc, queue)
			})
		}
		close(ready)
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: %v, %v", i, errs[0], errs[1])
		}
		if created[0] == created[1] || got[0].ID != got[1].ID {
			t.Errorf("round %d: conversations %d (created %v) and %d (created %v), want one, created once",
				i, got[0].ID, created[0], got[1].ID, created[1])
		}
		channels, err := b.VisitorChannels(ctx, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(channels) != 1 {
			t.Errorf("round %d: visitor in channels %v", i, channels)
		}
	}
	if q, err := b.QueuedConversations(ctx, ch.ID); err != nil || len(q) != rounds {
		t.Errorf("%d conversations queued (%v), want %d", len(q), err, rounds)
	}
}

// raceAll runs each of fns at once, fns[i] through handles[i%2], and returns their errors.
func raceAll(handles [2]parley.Store, fns []func(s parley.Store) error) []error {
	errs := make([]error, len(fns))
	ready := make(chan struct{})
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() {
			<-ready
			errs[i] = fn(handles[i%2])
		})
	}
	close(ready)
	wg.Wait()
	return errs
}

// testSharedLastAdmin takes away every enabled admin at once, each through either
// handle (admins on two servers disabling, demoting or deleting each other): all but
// one succeed, the last is refused, and one enabled admin remains. Again and again,
// with two to four admins.
func testSharedLastAdmin(t *testing.T, a, b parley.Store) {
	const rounds = 30
	ctx := t.Context()
	remove := []struct {
		what string
		do   func(s parley.Store, id int64) error
	}{
		{"disable", func(s parley.Store, id int64) error {
			_, err := s.UpdateUser(ctx, id, parley.UserUpdate{Disabled: ptr(true)})
			return err
		}},
		{"demote", func(s parley.Store, id int64) error {
			_, err := s.UpdateUser(ctx, id, parley.UserUpdate{Role: ptr(parley.RoleOperator)})
			return err
		}},
		{"delete", func(s parley.Store, id int64) error { return s.DeleteUser(ctx, id, t0) }},
	}
	var survivor *parley.User
	for round := range rounds {
		admins := make([]*parley.User, 2+round%3)
		for i := range admins {
			admins[i] = mustUser(t, a, fmt.Sprintf("admin%d-%d", round, i), func(u *parley.User) { u.Role = parley.RoleAdmin })
		}
		if survivor != nil {
			if _, err := b.UpdateUser(ctx, survivor.ID, parley.UserUpdate{Disabled: ptr(true)}); err != nil {
				t.Fatalf("round %d: disabling the last round's admin: %v", round, err)
			}
		}
		fns := make([]func(s parley.Store) error, len(admins))
		for i, u := range admins {
			fns[i] = func(s parley.Store) error { return remove[(round+i)%len(remove)].do(s, u.ID) }
		}
		errs := raceAll([2]parley.Store{a, b}, fns)
		refused := 0
		for i, err := range errs {
			if err == nil {
				continue
			}
			refused++
			what := remove[(round+i)%len(remove)].what
			if want := parley.LastAdminError(what, admins[i].Login).Message; parley.ErrorMessage(err) != want {
				t.Errorf("round %d: %s %s: %v, want %q", round, what, admins[i].Login, err, want)
			}
		}
		var enabled []*parley.User
		users, err := b.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			if u.Role == parley.RoleAdmin && !u.Disabled {
				enabled = append(enabled, u)
			}
		}
		if len(enabled) != 1 || refused != 1 {
			t.Fatalf("round %d: %d admins taken away at once, %d refused, %d enabled admins left; want 1 refused and 1 left", round, len(admins), refused, len(enabled))
		}
		survivor = enabled[0]
	}
}

// testSharedLastLanguage disables every enabled language at once, each through either
// handle (admins on two servers): all but one succeed, the last is refused, and one
// language stays enabled. Again and again, with two to four languages.
func testSharedLastLanguage(t *testing.T, a, b parley.Store) {
	const rounds = 30
	ctx := t.Context()
	codes := []string{"fr", "de", "es", "ja"}
	names := map[string]string{}
	for _, l := range mustLanguages(t, a) {
		names[l.Code] = l.Name
	}
	set := func(s parley.Store, code string, enabled bool) error {
		return s.SetLanguage(ctx, parley.Language{Code: code, Name: names[code], Enabled: enabled})
	}
	for round := range rounds {
		racing := codes[:2+round%3]
		for _, code := range racing {
			if err := set(a, code, true); err != nil {
				t.Fatal(err)
			}
		}
		for _, l := range mustLanguages(t, b) {
			if l.Enabled && !slices.Contains(racing, l.Code) {
				if err := set(b, l.Code, false); err != nil {
					t.Fatalf("round %d: disabling %s: %v", round, l.Code, err)
				}
			}
		}
		fns := make([]func(s parley.Store) error, len(racing))
		for i, code := range racing {
			fns[i] = func(s parley.Store) error { return set(s, code, false) }
		}
		refused := 0
		for i, err := range raceAll([2]parley.Store{a, b}, fns) {
			if err == nil {
				continue
			}
			refused++
			if parley.ErrorMessage(err) != "At least one language must stay enabled." {
				t.Errorf("round %d: disabling %s: %v", round, racing[i], err)
			}
		}
		var enabled []string
		for _, l := range mustLanguages(t, a) {
			if l.Enabled {
				enabled = append(enabled, l.Code)
			}
		}
		if len(enabled) != 1 || refused != 1 {
			t.Fatalf("round %d: %d languages disabled at once, %d refused, enabled after: %v; want 1 refused and 1 enabled", round, len(racing), refused, enabled)
		}
	}
}
