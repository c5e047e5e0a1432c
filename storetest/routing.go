package storetest

import (
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// routingTests are the contract of the routing explanations (parley.RoutingStore), run
// by Run.
var routingTests = []struct {
	name string
	fn   func(t *testing.T, s parley.Store)
}{
	{"RoutingRecorded", testRoutingRecorded},
}

// testRoutingRecorded makes a decision of every kind (a start, assigned and queued, the
// queue drained, a transfer to a channel, a hand assignment) and reads back each
// explanation as the chooser gave it, with the candidates' names and the summary.
func testRoutingRecorded(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 2)
	a := mustUser(t, s, "a", func(u *parley.User) { u.MainLanguage, u.ChatLanguages = "fr", []string{"en"} })
	b := mustUser(t, s, "b")
	c := mustUser(t, s, "c", func(u *parley.User) { u.ChatName = "Cy" })
	mustJoin(t, s, ch.ID, a.ID, b.ID, c.ID)

	// wantRouting checks the decisions recorded for conversation id.
	wantRouting := func(t *testing.T, id int64, want ...parley.Routing) []*parley.Routing {
		t.Helper()
		got, err := s.ConversationRouting(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d decisions recorded, want %d: %+v", len(got), len(want), got)
		}
		for i, w := range want {
			g := got[i]
			if !g.At.Equal(w.At) || g.Kind != w.Kind || g.OperatorID != w.OperatorID || g.Rule != w.Rule || g.Summary != w.Summary {
				t.Errorf("decision %d: %s at %v, %d by %s, %q;\nwant %s at %v, %d by %s, %q",
					i, g.Kind, g.At, g.OperatorID, g.Rule, g.Summary, w.Kind, w.At, w.OperatorID, w.Rule, w.Summary)
			}
		}
		return got
	}

	// Started: a alone speaks French.
	fr, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "fr", Body: "Salut", Now: t0}, online)
	if fr.OperatorID != a.ID {
		t.Fatalf("French conversation given to %d, want a", fr.OperatorID)
	}
	got := wantRouting(t, fr.ID, parley.Routing{At: t0, Kind: parley.RoutingStart, OperatorID: a.ID, Rule: parley.RuleOnly,
		Summary: "Assigned to Name of a: speaks fr; 0 ongoing against 2"})
	if r := got[0]; !r.ByLanguage || r.Cap != 2 || r.Language != "fr" || len(r.Candidates) != 3 {
		t.Errorf("decision %+v; want by language, cap 2, fr, three candidates", r)
	} else {
		want := []parley.RoutingCandidate{
			{OperatorID: a.ID, Name: "Name of a", Tier: parley.TierMain},
			{OperatorID: b.ID, Name: "Name of b", Tier: parley.TierNone, SetAside: parley.AsideLanguage},
			{OperatorID: c.ID, Name: "Cy", Tier: parley.TierNone, SetAside: parley.AsideLanguage},
		}
		for i, w := range want {
			if g := r.Candidates[i]; g != w {
				t.Errorf("candidate %d = %+v, want %+v", i, g, w)
			}
		}
	}

	// Started while nobody is online: queued, each set aside; then the queue drains
	// to b (a is busier, b and c equal: the first account); then b transfers it to the
	// channel, where c is less busy than a.
	t1, t2, t3 := t0.Add(time.Minute), t0.Add(2*time.Minute), t0.Add(3*time.Minute)
	en, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hi", Now: t1}, parley.Route)
	if en.Status != parley.StatusQueued {
		t.Fatalf("conversation %s, want queued", en.Status)
	}
	if _, err := s.AssignQueued(ctx, ch.ID, t2, online); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.TransferConversation(ctx, parley.Transfer{ConversationID: en.ID, From: b.ID, ToChannelID: ch.ID, Now: t3}, online); err != nil {
		t.Fatal(err)
	}
	got = wantRouting(t, en.ID,
		parley.Routing{At: t1, Kind: parley.RoutingStart, Rule: parley.RuleQueued,
			Summary: "Queued: nobody available: Name of a offline; Name of b offline; Cy offline"},
		parley.Routing{At: t2, Kind: parley.RoutingQueue, OperatorID: b.ID, Rule: parley.RuleLowestID,
			Summary: "Assigned to Name of b: speaks en; first of equals; 0 ongoing against 2"},
		parley.Routing{At: t3, Kind: parley.RoutingTransfer, OperatorID: c.ID, Rule: parley.RuleLoad,
			Summary: "Assigned to Cy: speaks en; least busy (0 in all channels); 0 ongoing against 2; Name of b handed it over"},
	)
	if r := got[1]; r.Candidates[0].Tier != parley.TierChat || r.Candidates[0].Ongoing != 1 || r.Candidates[0].Load != 1 || r.Candidates[1].Tier != parley.TierMain {
		t.Errorf("drain's candidates %+v; want a speaking en as a chat language with one ongoing, b as their main", r.Candidates)
	}
	if r := got[2]; !r.Candidates[0].LastAssigned.Equal(t0) || !r.Candidates[1].LastAssigned.Equal(t2) || !r.Candidates[2].LastAssigned.IsZero() {
		t.Errorf("transfer's candidates %+v; want a last assigned at t0, b at t2, c never", r.Candidates)
	}

	// Given by hand: one candidate, the operator named.
	t4 := t0.Add(4 * time.Minute)
	hand, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: mustVisitor(t, s, "").ID, Language: "en", Body: "Hello", Now: t4}, queue)
	if _, _, err := s.AssignConversation(ctx, parley.HandAssignment{ConversationID: hand.ID, OperatorID: a.ID, Now: t4}, online); err != nil {
		t.Fatal(err)
	}
	wantRouting(t, hand.ID,
		parley.Routing{At: t4, Kind: parley.RoutingStart, Summary: "Queued: nobody available"}, // the queue chooser explains nothing
		parley.Routing{At: t4, Kind: parley.RoutingHand, OperatorID: a.ID, Rule: parley.RuleOnly,
			Summary: "Given by hand to Name of a: speaks en; 1 ongoing"})

	if _, err := s.ConversationRouting(ctx, 99999); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("routing of an unknown conversation: %v, want ENOTFOUND", err)
	}
}

// wantRecorded checks the one decision recorded for conversation id, queued with
// every candidate offline: each candidate as the chooser saw them (want), with their
// language tier.
func wantRecorded(t *testing.T, s parley.Store, id int64, req parley.AssignRequest, want []parley.Candidate, tiers []parley.LanguageTier) {
	t.Helper()
	rs, err := s.ConversationRouting(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].OperatorID != 0 || rs[0].Rule != parley.RuleQueued || rs[0].Cap != req.Cap || rs[0].Language != req.Language || len(rs[0].Candidates) != len(want) {
		t.Fatalf("recorded %+v; want one decision, queued, by the request %+v, of %d candidates", rs, req, len(want))
	}
	for i, w := range want {
		g := rs[0].Candidates[i]
		if g.OperatorID != w.OperatorID || g.Ongoing != w.Ongoing || g.Load != w.Load || !g.LastAssigned.Equal(w.LastAssigned) ||
			g.Tier != tiers[i] || g.SetAside != parley.AsideOffline || g.Previous != (w.OperatorID == req.PreviousOperatorID) {
			t.Errorf("candidate %d recorded as %+v; want %+v, tier %s, offline", i, g, w, tiers[i])
		}
	}
}
