package parley_test

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// t0 is an arbitrary moment the assignment tests count from.
var t0 = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

func TestAssign(t *testing.T) {
	tests := []struct {
		name       string
		req        parley.AssignRequest
		candidates []parley.Candidate
		wantID     int64
		wantOK     bool
		// why is the explanation Route gives, in one line (Routing.Summarize): the
		// winner, the rule that decided, and who was set aside by which rule.
		why string
	}{
		{
			name: "no candidates",
			why:  "Queued: nobody available",
			req:  parley.AssignRequest{Language: "en"},
		},
		{
			name:       "empty candidate list",
			why:        "Queued: nobody available",
			req:        parley.AssignRequest{Language: "en"},
			candidates: []parley.Candidate{},
		},
		{
			name: "nobody online",
			why:  "Queued: nobody available: #1 offline; #2 offline",
			req:  parley.AssignRequest{Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Languages: []string{"en"}},
				{OperatorID: 2, Languages: []string{"en"}},
			},
		},
		{
			name: "everyone online is at the cap",
			why:  "Queued: nobody available: #1 at the cap; #2 at the cap; #3 offline",
			req:  parley.AssignRequest{Cap: 2, Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Ongoing: 2, Load: 2, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Ongoing: 3, Load: 3, Languages: []string{"en"}},
				{OperatorID: 3, Online: false, Languages: []string{"en"}},
			},
		},
		{
			name: "the operator who handed the conversation over is never given it back, even as the previous operator",
			why:  "Assigned to #2: the only one available; 3 ongoing; #1 handed it over",
			req:  parley.AssignRequest{Language: "en", PreviousOperatorID: 1, Exclude: 1},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Ongoing: 3, Load: 3, Languages: []string{"fr"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "nobody but the operator who handed it over: it waits",
			why:  "Queued: nobody available: #1 handed it over; #2 offline",
			req:  parley.AssignRequest{Language: "en", Exclude: 1},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Languages: []string{"en"}},
				{OperatorID: 2, Online: false, Languages: []string{"en"}},
			},
		},
		{
			name: "an operator who is not online is never chosen",
			why:  "Assigned to #2: the only one available; 4 ongoing; #1 offline",
			req:  parley.AssignRequest{Language: "fr"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: false, Languages: []string{"fr"}},
				{OperatorID: 2, Online: true, Ongoing: 4, Load: 9, Languages: []string{"en"}, LastAssigned: t0},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "language beats load among the available",
			why:  "Assigned to #2: speaks fr; 3 ongoing",
			req:  parley.AssignRequest{Language: "fr"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Load: 0, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Ongoing: 3, Load: 3, Languages: []string{"fr"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "visitor language matched to a chat language, not only the main one",
			why:  "Assigned to #2: speaks pt-BR; 2 ongoing",
			req:  parley.AssignRequest{Language: "pt-BR"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Load: 0, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Ongoing: 2, Load: 2, Languages: []string{"en", "fr", "pt-BR"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "load decides among operators who speak the language",
			why:  "Assigned to #3: speaks fr; least busy (1 in all channels); 1 ongoing",
			req:  parley.AssignRequest{Language: "fr"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Load: 0, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Ongoing: 2, Load: 2, Languages: []string{"fr"}},
				{OperatorID: 3, Online: true, Ongoing: 1, Load: 1, Languages: []string{"en", "fr"}},
			},
			wantID: 3, wantOK: true,
		},
		{
			name: "load is compared across channels, the cap only within the channel",
			why:  "Assigned to #2: speaks en; least busy (1 in all channels); 1 ongoing against 2",
			req:  parley.AssignRequest{Cap: 2, Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Ongoing: 0, Load: 3, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Ongoing: 1, Load: 1, Languages: []string{"en"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "nobody speaks the language: every available operator competes on load",
			why:  "Assigned to #2: least busy (0 in all channels); 0 ongoing",
			req:  parley.AssignRequest{Language: "de"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Ongoing: 1, Load: 1, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Load: 0, Languages: []string{"fr"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "visitor without a language: load decides",
			why:  "Assigned to #2: least busy (0 in all channels); 0 ongoing",
			req:  parley.AssignRequest{},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Ongoing: 1, Load: 1, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Load: 0, Languages: nil},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "previous operator keeps the visitor even when busier",
			why:  "Assigned to #1: their previous operator; speaks en; 4 ongoing against 5",
			req:  parley.AssignRequest{Cap: 5, PreviousOperatorID: 1, Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Ongoing: 4, Load: 7, Languages: []string{"en"}, LastAssigned: t0},
				{OperatorID: 2, Online: true, Load: 0, Languages: []string{"en"}},
			},
			wantID: 1, wantOK: true,
		},
		{
			name: "previous operator keeps the visitor without speaking the language",
			why:  "Assigned to #2: their previous operator; 1 ongoing",
			req:  parley.AssignRequest{PreviousOperatorID: 2, Language: "fr"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Load: 0, Languages: []string{"fr"}},
				{OperatorID: 2, Online: true, Ongoing: 1, Load: 1, Languages: []string{"en"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "previous operator offline is not kept",
			why:  "Assigned to #2: the only one available; speaks en; 3 ongoing; #1 offline",
			req:  parley.AssignRequest{PreviousOperatorID: 1, Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: false, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Ongoing: 3, Load: 3, Languages: []string{"en"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "previous operator at the cap is not kept",
			why:  "Assigned to #2: the only one available; 1 ongoing against 2; #1 at the cap",
			req:  parley.AssignRequest{Cap: 2, PreviousOperatorID: 1, Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Ongoing: 2, Load: 2, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Ongoing: 1, Load: 5, Languages: []string{"de"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "previous operator unavailable and nobody else: queued",
			why:  "Queued: nobody available: #1 at the cap",
			req:  parley.AssignRequest{Cap: 1, PreviousOperatorID: 1, Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Ongoing: 1, Load: 1, Languages: []string{"en"}},
			},
		},
		{
			name: "previous operator who left the channel is not a candidate",
			why:  "Assigned to #2: speaks en; least busy (0 in all channels); 0 ongoing",
			req:  parley.AssignRequest{PreviousOperatorID: 9, Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Ongoing: 1, Load: 1, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Load: 0, Languages: []string{"en"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "the cap removes an operator from the choice",
			why:  "Assigned to #2: the only one available; speaks en; 2 ongoing against 3; #1 at the cap",
			req:  parley.AssignRequest{Cap: 3, Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Ongoing: 3, Load: 3, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Ongoing: 2, Load: 4, Languages: []string{"en"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "operator above the cap (cap lowered) is not chosen",
			why:  "Assigned to #2: the only one available; speaks en; 0 ongoing against 1; #1 at the cap",
			req:  parley.AssignRequest{Cap: 1, Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Ongoing: 3, Load: 3, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Ongoing: 0, Load: 8, Languages: []string{"en"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "language never overrides the cap",
			why:  "Assigned to #2: the only one available; 1 ongoing against 2; #1 at the cap",
			req:  parley.AssignRequest{Cap: 2, Language: "fr"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Ongoing: 2, Load: 2, Languages: []string{"fr"}},
				{OperatorID: 2, Online: true, Ongoing: 1, Load: 1, Languages: []string{"en"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "language never overrides availability",
			why:  "Assigned to #2: the only one available; 6 ongoing; #1 offline",
			req:  parley.AssignRequest{Language: "fr"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: false, Languages: []string{"fr"}},
				{OperatorID: 2, Online: true, Ongoing: 6, Load: 6, Languages: []string{"en"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "cap 0 means no cap",
			why:  "Assigned to #1: speaks en; 100 ongoing",
			req:  parley.AssignRequest{Cap: 0, Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Ongoing: 100, Load: 100, Languages: []string{"en"}},
			},
			wantID: 1, wantOK: true,
		},
		{
			name: "same load goes to the least recently assigned",
			why:  "Assigned to #2: speaks en; longest without a new conversation; 0 ongoing",
			req:  parley.AssignRequest{Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Load: 1, Languages: []string{"en"}, LastAssigned: t0.Add(2 * time.Minute)},
				{OperatorID: 2, Online: true, Load: 1, Languages: []string{"en"}, LastAssigned: t0.Add(1 * time.Minute)},
				{OperatorID: 3, Online: true, Load: 1, Languages: []string{"en"}, LastAssigned: t0.Add(3 * time.Minute)},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "never assigned comes before recently assigned",
			why:  "Assigned to #2: speaks en; longest without a new conversation; 0 ongoing",
			req:  parley.AssignRequest{Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Load: 1, Languages: []string{"en"}, LastAssigned: t0},
				{OperatorID: 2, Online: true, Load: 1, Languages: []string{"en"}},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "fairness does not beat load",
			why:  "Assigned to #2: speaks en; least busy (1 in all channels); 0 ongoing",
			req:  parley.AssignRequest{Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Online: true, Load: 2, Languages: []string{"en"}},
				{OperatorID: 2, Online: true, Load: 1, Languages: []string{"en"}, LastAssigned: t0},
			},
			wantID: 2, wantOK: true,
		},
		{
			name: "equal everything goes to the lowest id",
			why:  "Assigned to #3: speaks en; first of equals; 0 ongoing",
			req:  parley.AssignRequest{Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 7, Online: true, Load: 1, Languages: []string{"en"}, LastAssigned: t0},
				{OperatorID: 3, Online: true, Load: 1, Languages: []string{"en"}, LastAssigned: t0},
				{OperatorID: 5, Online: true, Load: 1, Languages: []string{"en"}, LastAssigned: t0},
			},
			wantID: 3, wantOK: true,
		},
		{
			name: "away and offline are told apart",
			why:  "Assigned to #3: the only one available; speaks en; 0 ongoing; #1 away; #2 offline",
			req:  parley.AssignRequest{Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 1, Away: true, Languages: []string{"en"}},
				{OperatorID: 2, Languages: []string{"en"}},
				{OperatorID: 3, Online: true, Languages: []string{"en"}},
			},
			wantID: 3, wantOK: true,
		},
		{
			name: "same instant in another time zone counts as equal",
			why:  "Assigned to #2: speaks en; first of equals; 0 ongoing",
			req:  parley.AssignRequest{Language: "en"},
			candidates: []parley.Candidate{
				{OperatorID: 4, Online: true, Languages: []string{"en"}, LastAssigned: t0},
				{OperatorID: 2, Online: true, Languages: []string{"en"}, LastAssigned: t0.In(time.FixedZone("CET", 3600))},
			},
			wantID: 2, wantOK: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := cloneCandidates(tc.candidates)
			gotID, gotOK := parley.Assign(tc.req, tc.candidates)
			if gotID != tc.wantID || gotOK != tc.wantOK {
				t.Errorf("Assign() = (%d, %v), want (%d, %v)", gotID, gotOK, tc.wantID, tc.wantOK)
			}
			if !reflect.DeepEqual(tc.candidates, before) {
				t.Errorf("Assign() changed its candidates:\n got %+v\nwant %+v", tc.candidates, before)
			}
			r := parley.Route(tc.req, tc.candidates)
			if r.OperatorID != tc.wantID {
				t.Errorf("Route() chose %d, want %d", r.OperatorID, tc.wantID)
			}
			r.Summarize()
			if r.Summary != tc.why {
				t.Errorf("Route() explains\n %q\nwant\n %q", r.Summary, tc.why)
			}
			wantExplained(t, tc.req, tc.candidates, &r)
		})
	}
}

func cloneCandidates(cs []parley.Candidate) []parley.Candidate {
	if cs == nil {
		return nil
	}
	out := make([]parley.Candidate, len(cs))
	for i, c := range cs {
		c.Languages = slices.Clone(c.Languages)
		out[i] = c
	}
	return out
}

// TestAssignQueueDrain places queued conversations, oldest first, the way the server does
// when an operator becomes available: Assign for the head of the queue, count the new
// conversation in the operator's load, and go on until Assign reports nobody is available.
func TestAssignQueueDrain(t *testing.T) {
	type queued struct {
		conversationID int64
		req            parley.AssignRequest
	}
	const capacity = 3
	queue := []queued{ // oldest first
		{101, parley.AssignRequest{Cap: capacity, Language: "en"}},
		{102, parley.AssignRequest{Cap: capacity, Language: "fr"}},
		{103, parley.AssignRequest{Cap: capacity, Language: "de", PreviousOperatorID: 9}},
		{104, parley.AssignRequest{Cap: capacity, Language: "en"}},
		{105, parley.AssignRequest{Cap: capacity, Language: "en"}},
	}
	candidates := []parley.Candidate{
		{OperatorID: 7, Online: false, Languages: []string{"en"}},
		{OperatorID: 8, Online: false, Languages: []string{"fr"}}, // stays offline
	}
	now := t0

	// drain assigns from the head of the queue until nobody is available, and returns
	// the conversations placed, as "conversation→operator" pairs.
	drain := func() [][2]int64 {
		var placed [][2]int64
		for len(queue) > 0 {
			head := queue[0]
			id, ok := parley.Assign(head.req, candidates)
			if !ok {
				break
			}
			now = now.Add(time.Second)
			for i := range candidates {
				if candidates[i].OperatorID == id {
					candidates[i].Ongoing++
					candidates[i].Load++
					candidates[i].LastAssigned = now
				}
			}
			placed = append(placed, [2]int64{head.conversationID, id})
			queue = queue[1:]
		}
		return placed
	}

	steps := []struct {
		name       string
		change     func()
		wantPlaced [][2]int64
		wantQueued []int64
	}{
		{
			name:       "nobody online: everything waits",
			change:     func() {},
			wantQueued: []int64{101, 102, 103, 104, 105},
		},
		{
			name:       "operator comes online: oldest first until the cap",
			change:     func() { candidates[0].Online = true },
			wantPlaced: [][2]int64{{101, 7}, {102, 7}, {103, 7}},
			wantQueued: []int64{104, 105},
		},
		{
			name:       "a conversation ends: the next in line goes to the freed operator",
			change:     func() { candidates[0].Ongoing--; candidates[0].Load-- },
			wantPlaced: [][2]int64{{104, 7}},
			wantQueued: []int64{105},
		},
		{
			name: "the cap is raised: the rest of the queue drains",
			change: func() {
				for i := range queue {
					queue[i].req.Cap = 0
				}
			},
			wantPlaced: [][2]int64{{105, 7}},
			wantQueued: []int64{},
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.change()
			placed := drain()
			if !slices.Equal(placed, st.wantPlaced) {
				t.Errorf("placed %v, want %v", placed, st.wantPlaced)
			}
			var left []int64
			for _, q := range queue {
				left = append(left, q.conversationID)
			}
			if !slices.Equal(left, st.wantQueued) {
				t.Errorf("queued %v, want %v", left, st.wantQueued)
			}
			for _, c := range candidates {
				if c.OperatorID == 8 && c.Ongoing != 0 {
					t.Errorf("offline operator 8 got %d conversations", c.Ongoing)
				}
			}
		})
	}
}

func BenchmarkAssign(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	langs := [][]string{{"en"}, {"fr", "en"}, {"de"}, {"pt-BR", "pt", "es"}, {"es", "en"}, {"it"}, {"nl", "de", "en"}}
	candidates := make([]parley.Candidate, 1000)
	for i := range candidates {
		ongoing := r.IntN(6)
		candidates[i] = parley.Candidate{
			OperatorID:   int64(i + 1),
			Online:       r.IntN(5) != 0, // about one in five offline
			Ongoing:      ongoing,
			Load:         ongoing + r.IntN(4),
			Languages:    langs[r.IntN(len(langs))],
			LastAssigned: t0.Add(-time.Duration(r.IntN(3600)) * time.Second),
		}
	}
	req := parley.AssignRequest{Cap: 5, Language: "pt-BR", PreviousOperatorID: 0}
	if _, ok := parley.Assign(req, candidates); !ok {
		b.Fatal("Assign found nobody")
	}
	b.ReportAllocs()
	for b.Loop() {
		parley.Assign(req, candidates)
	}
}

// wantExplained checks the rows of r, Route's explanation of a decision over
// candidates: one per candidate, in order, with their load, language tier and last
// assignment, set aside exactly when a rule did.
func wantExplained(t *testing.T, req parley.AssignRequest, candidates []parley.Candidate, r *parley.Routing) {
	t.Helper()
	if len(r.Candidates) != len(candidates) {
		t.Fatalf("Route() explains %d candidates, want %d", len(r.Candidates), len(candidates))
	}
	for i, c := range candidates {
		rc := r.Candidates[i]
		tier := parley.TierNone
		if req.Language != "" && len(c.Languages) > 0 && c.Languages[0] == req.Language {
			tier = parley.TierMain
		} else if req.Language != "" && slices.Contains(c.Languages, req.Language) {
			tier = parley.TierChat
		}
		if rc.OperatorID != c.OperatorID || rc.Ongoing != c.Ongoing || rc.Load != c.Load || !rc.LastAssigned.Equal(c.LastAssigned) ||
			rc.Tier != tier || rc.Previous != (req.PreviousOperatorID != 0 && c.OperatorID == req.PreviousOperatorID) {
			t.Errorf("candidate %d explained as %+v, from %+v (tier %s)", i, rc, c, tier)
		}
		var aside string
		switch {
		case req.Exclude != 0 && c.OperatorID == req.Exclude:
			aside = parley.AsideHandedOver
		case !c.Online && c.Away:
			aside = parley.AsideAway
		case !c.Online:
			aside = parley.AsideOffline
		case req.Cap > 0 && c.Ongoing >= req.Cap:
			aside = parley.AsideAtCap
		case r.ByLanguage && tier == parley.TierNone:
			aside = parley.AsideLanguage
		}
		if rc.SetAside != aside {
			t.Errorf("candidate %d set aside %q, want %q", c.OperatorID, rc.SetAside, aside)
		}
	}
}
