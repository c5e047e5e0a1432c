package storetest

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// offerTests are the contract of offer and accept (parley.OfferStore), run by Run.
var offerTests = []struct {
	name string
	fn   func(t *testing.T, s parley.Store)
}{
	{"OfferCountsAgainstCap", testOfferCountsAgainstCap},
	{"OfferAcceptRefused", testOfferAcceptRefused},
	{"OfferExpiryMovesOn", testOfferExpiryMovesOn},
	{"OfferMissedTwiceSetsAway", testOfferMissedTwiceSetsAway},
	{"OfferDeclined", testOfferDeclined},
	{"OfferExpiryOnce", func(t *testing.T, s parley.Store) { concurrentOfferExpiry(t, s, s) }},
	{"OfferWebhooks", testOfferWebhooks},
	{"OfferTransfer", testOfferTransfer},
	{"OfferClearedOffTheQueue", testOfferClearedOffTheQueue},
	{"OfferCountsOnTransferToOperator", testOfferCountsOnTransferToOperator},
	{"OfferGoesWithWhoLeaves", testOfferGoesWithWhoLeaves},
}

const offerSeconds = 20

// mustOfferChannel is a channel with offers on (offerSeconds) and the cap.
func mustOfferChannel(tb testing.TB, s parley.Store, name string, capacity int) *parley.Channel {
	tb.Helper()
	ch := mustChannel(tb, s, name, capacity)
	updated, err := s.UpdateChannel(tb.Context(), ch.ID, parley.ChannelUpdate{OfferSeconds: ptr(offerSeconds)})
	if err != nil {
		tb.Fatal(err)
	}
	if updated.OfferSeconds != offerSeconds {
		tb.Fatalf("offer seconds %d, want %d", updated.OfferSeconds, offerSeconds)
	}
	return updated
}

// wantOffered checks that conversation id waits in the queue offered to operatorID
// (0: to nobody).
func wantOffered(t *testing.T, s parley.Store, id, operatorID int64) *parley.Conversation {
	t.Helper()
	c, err := s.Conversation(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != parley.StatusQueued || c.OperatorID != 0 || c.OfferedTo != operatorID {
		t.Fatalf("conversation %d %s with operator %d, offered to %d; want queued, offered to %d",
			id, c.Status, c.OperatorID, c.OfferedTo, operatorID)
	}
	return c
}

// lastRouting is the last decision recorded about the conversation.
func lastRouting(t *testing.T, s parley.Store, id int64) *parley.Routing {
	t.Helper()
	rs, err := s.ConversationRouting(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 {
		t.Fatalf("no decision recorded for conversation %d", id)
	}
	return rs[len(rs)-1]
}

// testOfferCountsAgainstCap: with offers on, a start offers the conversation instead of
// assigning it, and the offer counts against the operator's cap.
func testOfferCountsAgainstCap(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustOfferChannel(t, s, "Website", 1)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, ch.ID, a.ID, b.ID)

	first, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "Ann").ID, Language: "en", Body: "Hello there", Now: t0}, online)
	c := wantOffered(t, s, first.ID, a.ID)
	if want := t0.Add(offerSeconds * time.Second); !c.OfferExpiresAt.Equal(want) || !first.OfferExpiresAt.Equal(want) {
		t.Errorf("offer expires at %v (start returned %v), want %v", c.OfferExpiresAt, first.OfferExpiresAt, want)
	}
	if r := lastRouting(t, s, first.ID); r.Offer != parley.OfferMade || r.OperatorID != a.ID || r.Summary != "Offered to Name of a: speaks en; first of equals; 0 ongoing against 1" {
		t.Errorf("routing %+v; want an offer to a explained", r)
	}
	second, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, online)
	wantOffered(t, s, second.ID, b.ID)
	// a and b both hold an offer, at the cap of one: the third waits, offered to nobody.
	third, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, online)
	wantOffered(t, s, third.ID, 0)
	if r := lastRouting(t, s, third.ID); r.Rule != parley.RuleQueued || r.Candidates[0].SetAside != parley.AsideAtCap || r.Candidates[0].Ongoing != 1 {
		t.Errorf("routing %+v; want queued, a at the cap with the offer ongoing", r)
	}
	// The queue's drain passes over the offered conversations and offers nobody the third.
	if got, err := s.AssignQueued(ctx, ch.ID, t0, online); err != nil || len(got) != 0 {
		t.Errorf("drain = %d conversations, %v; want none", len(got), err)
	}

	offers, away, err := s.Offers(ctx, a.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	if away || len(offers) != 1 {
		t.Fatalf("offers of a = %d, away %v; want one, not away", len(offers), away)
	}
	o := offers[0]
	if o.ConversationID != first.ID || o.ChannelID != ch.ID || o.ChannelName != "Website" || o.Visitor.Name != "Ann" ||
		o.Language != "en" || o.FirstMessage != "Hello there" || o.Seconds != offerSeconds || !o.ExpiresAt.Equal(c.OfferExpiresAt) {
		t.Errorf("offer %+v; want conversation %d in Website from Ann, \"Hello there\", 20 s", o, first.ID)
	}
	if offers, _, _ := s.Offers(ctx, a.ID, t0.Add(offerSeconds*time.Second)); len(offers) != 0 {
		t.Errorf("offers of a once expired = %d, want none", len(offers))
	}
}

// testOfferAcceptRefused: only the operator offered may accept, and only before the
// offer expires; accepted, the conversation is theirs.
func testOfferAcceptRefused(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustOfferChannel(t, s, "Website", 0)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, ch.ID, a.ID, b.ID)
	first, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, online)
	wantOffered(t, s, first.ID, a.ID)

	if _, err := s.AcceptOffer(ctx, first.ID, b.ID, t0.Add(time.Second)); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Errorf("accepted by b: %v, want ECONFLICT", err)
	}
	if _, err := s.AcceptOffer(ctx, first.ID, a.ID, t0.Add(offerSeconds*time.Second)); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Errorf("accepted after expiry: %v, want ECONFLICT", err)
	}
	if _, err := s.AcceptOffer(ctx, 99999, a.ID, t0); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("accepted an unknown conversation: %v, want ENOTFOUND", err)
	}
	wantOffered(t, s, first.ID, a.ID)

	at := t0.Add(5 * time.Second)
	c, err := s.AcceptOffer(ctx, first.ID, a.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != parley.StatusActive || c.OperatorID != a.ID || c.OfferedTo != 0 || !c.AssignedAt.Equal(at) {
		t.Errorf("accepted: %s with %d (offered to %d) at %v; want active with a at %v", c.Status, c.OperatorID, c.OfferedTo, c.AssignedAt, at)
	}
	if r := lastRouting(t, s, first.ID); r.Offer != parley.OfferAccepted || r.Summary != "Offered to Name of a, who accepted it: first of equals; 0 ongoing" {
		t.Errorf("routing %+v; want the offer accepted", r)
	}
	if _, err := s.AcceptOffer(ctx, first.ID, a.ID, at); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Errorf("accepted twice: %v, want ECONFLICT", err)
	}
	// Accepted, it counts as a's: the next goes to b.
	second, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: at}, online)
	wantOffered(t, s, second.ID, b.ID)
	if exp, err := s.ExpireOffers(ctx, at.Add(time.Second), online); err != nil || len(exp.Missed) != 0 {
		t.Errorf("expired before their time: %+v, %v", exp, err)
	}
}

// testOfferExpiryMovesOn: an offer not accepted in time goes to the next by the rules,
// never back to one who missed it; nobody left, the conversation waits.
func testOfferExpiryMovesOn(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustOfferChannel(t, s, "Website", 0)
	a, b, c := mustUser(t, s, "a"), mustUser(t, s, "b"), mustUser(t, s, "c")
	mustJoin(t, s, ch.ID, a.ID, b.ID, c.ID)
	conv, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, online)
	wantOffered(t, s, conv.ID, a.ID)

	at := t0
	for _, next := range []*parley.User{b, c, nil} {
		prev := wantOffered(t, s, conv.ID, lastRouting(t, s, conv.ID).OperatorID)
		at = prev.OfferExpiresAt
		exp, err := s.ExpireOffers(ctx, at, online)
		if err != nil {
			t.Fatal(err)
		}
		if len(exp.Missed) != 1 || exp.Missed[0].ConversationID != conv.ID || exp.Missed[0].OperatorID != prev.OfferedTo || exp.Missed[0].SetAway {
			t.Fatalf("missed %+v; want conversation %d missed by %d", exp.Missed, conv.ID, prev.OfferedTo)
		}
		if next == nil {
			if len(exp.Assigned) != 0 {
				t.Errorf("offered again to %+v; want nobody left", exp.Assigned)
			}
			wantOffered(t, s, conv.ID, 0)
			break
		}
		if len(exp.Assigned) != 1 || exp.Assigned[0].OfferedTo != next.ID {
			t.Fatalf("re-offered %+v; want to %s", exp.Assigned, next.Login)
		}
		wantOffered(t, s, conv.ID, next.ID)
		r := lastRouting(t, s, conv.ID)
		i := slices.IndexFunc(r.Candidates, func(c parley.RoutingCandidate) bool { return c.OperatorID == prev.OfferedTo })
		if r.Kind != parley.RoutingQueue || r.Offer != parley.OfferMade || i < 0 || r.Candidates[i].SetAside != parley.AsideMissedOffer {
			t.Errorf("routing %+v; want an offer from the queue, %d set aside for missing it", r, prev.OfferedTo)
		}
	}
	rs, err := s.ConversationRouting(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].Offer != parley.OfferMissed || rs[1].Offer != parley.OfferMissed || rs[2].Offer != parley.OfferMissed {
		t.Errorf("%d decisions %+v; want three offers, all missed", len(rs), rs)
	}
	if got := rs[1].Summary; got != "Offered to Name of b, who missed it: first of equals; 0 ongoing; Name of a missed or declined the offer" {
		t.Errorf("summary %q", got)
	}
	// Never back to those who missed it, even when they are all there is.
	if got, err := s.AssignQueued(ctx, ch.ID, at.Add(time.Second), online); err != nil || len(got) != 0 {
		t.Errorf("drain = %+v, %v; want nothing offered", got, err)
	}
	wantOffered(t, s, conv.ID, 0)
}

// testOfferMissedTwiceSetsAway: two offers missed in a row set the operator away, whom
// the next decision sets aside until they are back; an accept between misses resets
// the count.
func testOfferMissedTwiceSetsAway(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustOfferChannel(t, s, "Website", 0)
	a := mustUser(t, s, "a")
	mustJoin(t, s, ch.ID, a.ID)
	start := func(at time.Time) *parley.Conversation {
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: at}, online)
		return c
	}
	expire := func(at time.Time, setAway bool) {
		t.Helper()
		exp, err := s.ExpireOffers(ctx, at, online)
		if err != nil {
			t.Fatal(err)
		}
		if len(exp.Missed) != 1 || exp.Missed[0].OperatorID != a.ID || exp.Missed[0].SetAway != setAway {
			t.Fatalf("missed %+v; want one by a, set away %v", exp.Missed, setAway)
		}
	}
	step := offerSeconds * time.Second

	// Missed, accepted, missed: not away.
	start(t0)
	expire(t0.Add(step), false)
	accepted := start(t0.Add(2 * step))
	if _, err := s.AcceptOffer(ctx, accepted.ID, a.ID, t0.Add(2*step)); err != nil {
		t.Fatal(err)
	}
	start(t0.Add(3 * step))
	expire(t0.Add(4*step), false)
	// Declined, missed: not away either, a decline is an answer.
	declined := start(t0.Add(5 * step))
	if _, err := s.DeclineOffer(ctx, declined.ID, a.ID, t0.Add(5*step), online); err != nil {
		t.Fatal(err)
	}
	start(t0.Add(6 * step))
	expire(t0.Add(7*step), false)
	// Missed again, the second in a row: away.
	start(t0.Add(8 * step))
	expire(t0.Add(9*step), true)

	if ids, err := s.OffersAway(ctx); err != nil || !slices.Equal(ids, []int64{a.ID}) {
		t.Errorf("away = %v, %v; want a", ids, err)
	}
	if _, away, err := s.Offers(ctx, a.ID, t0.Add(9*step)); err != nil || !away {
		t.Errorf("a away = %v, %v; want true", away, err)
	}
	waiting := start(t0.Add(10 * step))
	wantOffered(t, s, waiting.ID, 0)
	if r := lastRouting(t, s, waiting.ID); r.Rule != parley.RuleQueued || r.Candidates[0].SetAside != parley.AsideMissedOffers ||
		r.Summary != "Queued: nobody available: Name of a away after missed offers" {
		t.Errorf("routing %+v; want a set aside for missed offers", r)
	}

	if was, err := s.Back(ctx, a.ID); err != nil || !was {
		t.Fatalf("back = %v, %v; want was away", was, err)
	}
	if ids, err := s.OffersAway(ctx); err != nil || len(ids) != 0 {
		t.Errorf("away after back = %v, %v; want none", ids, err)
	}
	if was, err := s.Back(ctx, a.ID); err != nil || was {
		t.Errorf("back twice = %v, %v; want was not away", was, err)
	}
	// Back: offered again the conversations they did not miss.
	got, err := s.AssignQueued(ctx, ch.ID, t0.Add(11*step), online)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != waiting.ID || got[0].OfferedTo != a.ID {
		t.Errorf("drain after back = %+v; want the one waiting offered to a", got)
	}
	if _, err := s.Back(ctx, 99999); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("back of an unknown user: %v, want ENOTFOUND", err)
	}
}

// testOfferDeclined: a decline passes the offer on at once, and is not a miss.
func testOfferDeclined(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustOfferChannel(t, s, "Website", 0)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, ch.ID, a.ID, b.ID)
	conv, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, online)
	if _, err := s.DeclineOffer(ctx, conv.ID, b.ID, t0, online); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Errorf("declined by b: %v, want ECONFLICT", err)
	}
	got, err := s.DeclineOffer(ctx, conv.ID, a.ID, t0.Add(time.Second), online)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != conv.ID || got[0].OfferedTo != b.ID {
		t.Fatalf("after decline %+v; want offered to b", got)
	}
	rs, err := s.ConversationRouting(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Offer != parley.OfferDeclined || rs[1].Offer != parley.OfferMade {
		t.Errorf("decisions %+v; want a's declined, b's made", rs)
	}
	// b declines too: nobody left, it waits.
	if got, err := s.DeclineOffer(ctx, conv.ID, b.ID, t0.Add(2*time.Second), online); err != nil || len(got) != 0 {
		t.Errorf("after b's decline %+v, %v; want nobody left", got, err)
	}
	wantOffered(t, s, conv.ID, 0)
	// A decline is not a miss: one miss after it leaves a there.
	next, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0.Add(3 * time.Second)}, online)
	wantOffered(t, s, next.ID, a.ID)
	exp, err := s.ExpireOffers(ctx, t0.Add(time.Hour), online)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range exp.Missed {
		if m.SetAway {
			t.Errorf("%+v set away after a decline and one miss", m)
		}
	}
}

// concurrentOfferExpiry expires the same offers through a and b (two handles on one
// database, or one handle twice) at once: each offer is missed once, and each
// conversation offered to the next once.
func concurrentOfferExpiry(t *testing.T, a, b parley.Store) {
	ctx := t.Context()
	const conversations = 6
	ch := mustOfferChannel(t, a, "Website", 0)
	var ops []int64
	for _, login := range []string{"op1", "op2", "op3", "op4"} {
		ops = append(ops, mustUser(t, a, login).ID)
	}
	mustJoin(t, a, ch.ID, ops...)
	for range conversations {
		mustStart(t, a, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, a, "").ID, Body: "Hi", Now: t0}, online)
	}

	var mu sync.Mutex
	var missed, offered []int64
	var wg sync.WaitGroup
	at := t0.Add(offerSeconds * time.Second)
	for _, s := range []parley.Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			exp, err := s.ExpireOffers(ctx, at, online)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, m := range exp.Missed {
				missed = append(missed, m.ConversationID)
			}
			for _, c := range exp.Assigned {
				offered = append(offered, c.ID)
			}
		}()
	}
	wg.Wait()
	slices.Sort(missed)
	slices.Sort(offered)
	if len(missed) != conversations || len(slices.Compact(slices.Clone(missed))) != conversations {
		t.Errorf("missed %v; want each of %d conversations once", missed, conversations)
	}
	if len(offered) != conversations || len(slices.Compact(slices.Clone(offered))) != conversations {
		t.Errorf("offered again %v; want each of %d conversations once", offered, conversations)
	}
	for _, id := range missed {
		rs, err := a.ConversationRouting(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 || rs[0].Offer != parley.OfferMissed || rs[1].Offer != parley.OfferMade || rs[1].OperatorID == rs[0].OperatorID {
			t.Errorf("conversation %d: decisions %+v; want one missed, then one offer to another", id, rs)
		}
	}
}

// testOfferWebhooks: an offer assigns nothing, so the outbox has the start only; the
// accept writes conversation.assigned in its transaction.
func testOfferWebhooks(t *testing.T, s parley.Store) {
	ctx := t.Context()
	mustWebhook(t, s, "https://hooks.example/", true, parley.WebhookStarted, parley.WebhookAssigned)
	ch := mustOfferChannel(t, s, "Website", 0)
	a := mustUser(t, s, "a")
	mustJoin(t, s, ch.ID, a.ID)
	conv, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, online)
	events := func() []string {
		var out []string
		for _, d := range claimAll(t, s, t0.Add(time.Hour)) {
			out = append(out, d.Event)
		}
		return out
	}
	if got := events(); !slices.Equal(got, []string{parley.WebhookStarted}) {
		t.Errorf("outbox after the offer = %v, want the start only", got)
	}
	if _, err := s.AcceptOffer(ctx, conv.ID, a.ID, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := events(); !slices.Equal(got, []string{parley.WebhookAssigned}) {
		t.Errorf("outbox after the accept = %v, want conversation.assigned", got)
	}
}

// testOfferTransfer: a transfer to a channel that offers its conversations offers it to
// the member the rules choose, never the operator who handed it over.
func testOfferTransfer(t *testing.T, s parley.Store) {
	ctx := t.Context()
	web := mustChannel(t, s, "Website", 0)
	sales := mustOfferChannel(t, s, "Sales", 0)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, web.ID, a.ID)
	mustJoin(t, s, sales.ID, a.ID, b.ID)
	conv, _ := mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, online)
	if conv.OperatorID != a.ID || conv.Status != parley.StatusActive {
		t.Fatalf("started %s with %d, want active with a (offers are off in Website)", conv.Status, conv.OperatorID)
	}
	moved, notice, err := s.TransferConversation(ctx, parley.Transfer{ConversationID: conv.ID, From: a.ID, ToChannelID: sales.ID, Now: t0.Add(time.Second)}, online)
	if err != nil {
		t.Fatal(err)
	}
	if notice != nil || moved.ChannelID != sales.ID {
		t.Errorf("transferred to %d with notice %v; want Sales, no notice while offered", moved.ChannelID, notice)
	}
	wantOffered(t, s, conv.ID, b.ID)
	if r := lastRouting(t, s, conv.ID); r.Kind != parley.RoutingTransfer || r.Offer != parley.OfferMade || r.OperatorID != b.ID {
		t.Errorf("routing %+v; want a transfer offered to b", r)
	}
	c, err := s.AcceptOffer(ctx, conv.ID, b.ID, t0.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if c.OperatorID != b.ID || c.Status != parley.StatusActive || c.ChannelID != sales.ID {
		t.Errorf("accepted %+v; want active with b in Sales", c)
	}
}

// testOfferClearedOffTheQueue: a conversation given by hand while offered, or ended, is no
// longer offered to anyone, so that nothing of the old offer comes back with it when it
// is put back in the queue.
func testOfferClearedOffTheQueue(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustOfferChannel(t, s, "Website", 0)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, ch.ID, a.ID, b.ID)
	given, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, online)
	wantOffered(t, s, given.ID, a.ID)
	ended, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hello", Now: t0}, online)
	offered := wantOffered(t, s, ended.ID, ended.OfferedTo).OfferedTo

	if _, _, err := s.AssignConversation(ctx, parley.HandAssignment{ConversationID: given.ID, OperatorID: b.ID, Now: t0.Add(time.Second)}, online); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EndConversation(ctx, ended.ID, "", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{given.ID, ended.ID} {
		if c := mustConversation(t, s, id); c.OfferedTo != 0 {
			t.Errorf("conversation %d, %s, still offered to %d", id, c.Status, c.OfferedTo)
		}
	}
	// Back in the queue, the conversation given by hand is offered to nobody until a
	// decision offers it anew.
	if _, err := s.RequeueConversations(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	wantOffered(t, s, given.ID, 0)
	for _, op := range []int64{a.ID, offered} {
		if list, _, err := s.Offers(ctx, op, t0.Add(2*time.Second)); err != nil || len(list) != 0 {
			t.Errorf("offers of %d after the hand assignment, the end and the requeue: %v, %v; want none", op, list, err)
		}
	}
}

// testOfferCountsOnTransferToOperator: a transfer to an operator counts the offer standing
// for them against the channel's cap, as every other decision does.
func testOfferCountsOnTransferToOperator(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustOfferChannel(t, s, "Website", 1)
	a, b := mustUser(t, s, "a"), mustUser(t, s, "b")
	mustJoin(t, s, ch.ID, a.ID)
	conv, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, online)
	wantOffered(t, s, conv.ID, a.ID)
	if _, err := s.AcceptOffer(ctx, conv.ID, a.ID, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	mustJoin(t, s, ch.ID, b.ID)
	offered, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hello", Now: t0.Add(2 * time.Second)}, online)
	wantOffered(t, s, offered.ID, b.ID)
	_, _, err := s.TransferConversation(ctx, parley.Transfer{ConversationID: conv.ID, From: a.ID, ToOperatorID: b.ID, Now: t0.Add(3 * time.Second)}, online)
	if parley.ErrorCode(err) != parley.ECONFLICT || !strings.Contains(parley.ErrorMessage(err), "limit") {
		t.Errorf("transferred to b, whose offer fills the cap of 1: %v; want ECONFLICT naming the limit", err)
	}
}

// testOfferGoesWithWhoLeaves: an operator who leaves the channel, or all their channels
// (disabled, deleted), takes their standing offers back with them, without a miss.
func testOfferGoesWithWhoLeaves(t *testing.T, s parley.Store) {
	ctx := t.Context()
	web, sales := mustOfferChannel(t, s, "Website", 0), mustOfferChannel(t, s, "Sales", 0)
	a := mustUser(t, s, "a")
	mustJoin(t, s, web.ID, a.ID)
	mustJoin(t, s, sales.ID, a.ID)
	inWeb, _ := mustStart(t, s, parley.NewConversation{ChannelID: web.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hi", Now: t0}, online)
	inSales, _ := mustStart(t, s, parley.NewConversation{ChannelID: sales.ID, VisitorID: mustVisitor(t, s, "").ID, Body: "Hello", Now: t0}, online)
	wantOffered(t, s, inWeb.ID, a.ID)
	wantOffered(t, s, inSales.ID, a.ID)

	if err := s.LeaveChannel(ctx, web.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	wantOffered(t, s, inWeb.ID, 0)
	wantOffered(t, s, inSales.ID, a.ID) // another channel's offer stays
	if _, err := s.LeaveChannels(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	wantOffered(t, s, inSales.ID, 0)
	if exp, err := s.ExpireOffers(ctx, t0.Add(time.Hour), online); err != nil || len(exp.Missed) != 0 {
		t.Errorf("expired after leaving: %+v, %v; want no miss", exp, err)
	}
}
