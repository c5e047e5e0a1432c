package parley_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// A decision in a large channel lists RoutingListed candidates, the winner first, and
// counts the others by the rule that set them aside.
func TestRoutingListsALargeChannelInPart(t *testing.T) {
	var candidates []parley.Candidate
	for i := range 200 {
		candidates = append(candidates, parley.Candidate{
			OperatorID: int64(i + 1),
			Online:     i%2 == 0, // the odd ids offline
			Ongoing:    2,
			Load:       2 + i%3,
			Languages:  []string{"en"},
		})
	}
	candidates[150].Load = 0 // id 151, online: the least busy
	r := parley.Route(parley.AssignRequest{Cap: 3, Language: "en"}, candidates)
	if r.OperatorID != 151 || r.Rule != parley.RuleLoad {
		t.Fatalf("Route() chose %d by %s, want 151 by load", r.OperatorID, r.Rule)
	}
	if len(r.Candidates) != parley.RoutingListed || r.Candidates[0].OperatorID != 151 {
		t.Fatalf("listed %d candidates, first %d; want %d, the winner first", len(r.Candidates), r.Candidates[0].OperatorID, parley.RoutingListed)
	}
	for _, c := range r.Candidates[:parley.RoutingListed-1] {
		if c.SetAside != "" { // 100 competed: the list has no room for those set aside
			t.Errorf("candidate %d listed, set aside %q, before those who competed", c.OperatorID, c.SetAside)
		}
	}
	if want := map[string]int{"": 50, parley.AsideOffline: 100}; fmt.Sprint(r.Omitted) != fmt.Sprint(want) {
		t.Errorf("omitted %v, want %v", r.Omitted, want)
	}
	r.Summarize()
	if want := "Assigned to #151: speaks en; least busy (0 in all channels); 2 ongoing against 3; 150 more not listed"; r.Summary != want {
		t.Errorf("summary %q, want %q", r.Summary, want)
	}
}

// A hand assignment is told apart in the summary, and names replace ids.
func TestRoutingSummaryNames(t *testing.T) {
	r := parley.Route(parley.AssignRequest{Language: "fr"}, []parley.Candidate{
		{OperatorID: 4, Online: true, Ongoing: 1, Languages: []string{"en", "fr"}, LastAssigned: t0.Add(time.Minute)},
	})
	r.Kind = parley.RoutingHand
	parley.NameRoutings([]*parley.Routing{&r}, map[int64]string{4: "Alex"})
	if want := "Given by hand to Alex: speaks fr; 1 ongoing"; r.Summary != want || r.Candidates[0].Tier != parley.TierChat {
		t.Errorf("summary %q, tier %s; want %q, chat", r.Summary, r.Candidates[0].Tier, want)
	}
}

// MarkAvailable tells an operator who is away (a console open, inactive too long) from
// one who is offline, for the explanation of a decision.
func TestMarkAvailableAway(t *testing.T) {
	now := t0
	p := parley.NewPresence(parley.DefaultInactivityTimeout, func() time.Time { return now })
	p.Connect(1) // stays open, inactive
	p.Connect(2)
	p.Disconnect(2) // closed: offline once the grace is over
	p.Connect(3)
	now = now.Add(parley.DefaultInactivityTimeout + time.Minute)
	p.Activity(3)
	cands := []parley.Candidate{{OperatorID: 1}, {OperatorID: 2}, {OperatorID: 3}, {OperatorID: 4}}
	p.MarkAvailable(cands)
	got := fmt.Sprint(cands[0].Online, cands[0].Away, cands[1].Online, cands[1].Away, cands[2].Online, cands[2].Away, cands[3].Online, cands[3].Away)
	if want := "false true false false true false false false"; got != want {
		t.Errorf("online, away of each = %s, want %s", got, want)
	}
}

// A transfer to, or a hand assignment of, an operator who is away says so, as the
// explanation does.
func TestTransferRefusalAway(t *testing.T) {
	for _, tc := range []struct {
		c    parley.Candidate
		want string
	}{
		{parley.Candidate{Away: true}, "Bea is away: their console is open, but they have been inactive too long."},
		{parley.Candidate{}, "Bea is offline."},
		{parley.Candidate{Online: true, Ongoing: 2}, "Bea already holds 2 conversations, the channel's limit."},
	} {
		if got := parley.TransferRefusal("Bea", &tc.c, 2); got.Message != tc.want || got.Code != parley.ECONFLICT {
			t.Errorf("TransferRefusal(%+v) = %v, want %q", tc.c, got, tc.want)
		}
	}
}
