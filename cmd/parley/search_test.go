package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// searchPage is GET /api/search's answer.
type searchPage struct {
	Results []struct {
		Conversation struct {
			ID        int64  `json:"id"`
			ChannelID int64  `json:"channel_id"`
			Status    string `json:"status"`
			Visitor   struct {
				Name string `json:"name"`
			} `json:"visitor"`
			Operator *struct {
				ID       int64  `json:"id"`
				ChatName string `json:"chat_name"`
			} `json:"operator"`
			CreatedAt string  `json:"created_at"`
			EndedAt   *string `json:"ended_at"`
			Rating    *struct {
				Score   int    `json:"score"`
				Comment string `json:"comment"`
			} `json:"rating"`
		} `json:"conversation"`
		Message *struct {
			Seq       int64  `json:"seq"`
			CreatedAt string `json:"created_at"`
			Author    struct {
				Kind string `json:"kind"`
			} `json:"author"`
			Snippet []struct {
				Text  string `json:"text"`
				Match bool   `json:"match"`
			} `json:"snippet"`
		} `json:"message"`
	} `json:"results"`
	NextBefore *int64 `json:"next_before"`
}

func (s *testServer) search(tb testing.TB, token string, params url.Values) searchPage {
	tb.Helper()
	var page searchPage
	s.must(tb, 200, "GET", "/api/search?"+params.Encode(), token, nil).decode(tb, &page)
	return page
}

func (p searchPage) ids() []int64 {
	ids := []int64{}
	for _, r := range p.Results {
		ids = append(ids, r.Conversation.ID)
	}
	return ids
}

// snippet writes a result's snippet with its matches in brackets.
func (p searchPage) snippet(i int) string {
	var b strings.Builder
	for _, part := range p.Results[i].Message.Snippet {
		if part.Match {
			b.WriteString("[" + part.Text + "]")
		} else {
			b.WriteString(part.Text)
		}
	}
	return b.String()
}

// searchTeam is two channels with an operator each, a supervisor, an operator in no
// channel, and a conversation in each channel.
type searchTeam struct {
	admin, alice, bob, carol, mallory string
	aliceID, bobID                    int64
	web, sales                        int64
	vera, hans                        int64
	hansToken                         string
}

func mustSearchTeam(t *testing.T, s *testServer) *searchTeam {
	t.Helper()
	tm := &searchTeam{admin: s.adminToken(t)}
	tm.aliceID, tm.alice = s.mustOperator(t, tm.admin, "alice", map[string]any{"chat_name": "Alice"})
	tm.bobID, tm.bob = s.mustOperator(t, tm.admin, "bob", nil)
	_, tm.carol = s.mustOperator(t, tm.admin, "carol", map[string]any{"role": "supervisor"})
	_, tm.mallory = s.mustOperator(t, tm.admin, "mallory", nil)
	tm.web = s.mustChannel(t, tm.admin, map[string]any{"name": "Website"})
	tm.sales = s.mustChannel(t, tm.admin, map[string]any{"name": "Sales"})
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", tm.web), tm.alice, nil)
	s.must(t, 200, "POST", fmt.Sprintf("/api/channels/%d/join", tm.sales), tm.bob, nil)
	s.console(t, tm.alice)
	s.console(t, tm.bob)

	tm.vera, _ = s.visitorStart(t, tm.web, "Vera Lopez", "Hello, I need a refund for order 42.")
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", tm.vera), tm.alice, map[string]any{"body": "Your refund is on its way."})
	tm.hans, tm.hansToken = s.visitorStart(t, tm.sales, "Hans Müller", "Ich möchte eine Rückerstattung. Refund please!")
	return tm
}

// GET /api/search finds conversations by words (any case, any accent, the start of a
// word), by visitor, operator, channel, rating and dates, newest first and by pages; the
// snippet marks the words.
func TestSearch(t *testing.T) {
	onEveryStore(t, testSearch)
}

func testSearch(t *testing.T, s *testServer) {
	tm := mustSearchTeam(t, s)
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name   string
		params url.Values
		want   []int64
	}{
		{"word", q("q", "refund"), []int64{tm.hans, tm.vera}},
		{"start of a word", q("q", "REF"), []int64{tm.hans, tm.vera}},
		{"accents", q("q", "ruckerstattung"), []int64{tm.hans}},
		{"two words in one message", q("q", "refund order"), []int64{tm.vera}},
		{"visitor", q("visitor", "lopez"), []int64{tm.vera}},
		{"operator", q("operator_id", fmt.Sprint(tm.bobID)), []int64{tm.hans}},
		{"channel", q("channel_id", fmt.Sprint(tm.web)), []int64{tm.vera}},
		{"words and channel", q("q", "refund", "channel_id", fmt.Sprint(tm.sales)), []int64{tm.hans}},
		{"dates", q("from", "2000-01-01", "to", "2999-12-31"), []int64{tm.hans, tm.vera}},
		{"before the start", q("q", "refund", "to", "2001-01-01T00:00:00Z"), []int64{}},
		{"any text is a query", q("q", `refund" OR NEAR(x) & !'y' :* \`), []int64{}},
		{"quotes and stars", q("q", `"refund*"`), []int64{tm.hans, tm.vera}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantSearchIDs(t, tc.name, s.search(t, tm.carol, tc.params).ids(), tc.want)
		})
	}

	t.Run("result", func(t *testing.T) {
		page := s.search(t, tm.admin, q("q", "refund"))
		if len(page.Results) != 2 || page.NextBefore != nil {
			t.Fatalf("%d results, next %v", len(page.Results), page.NextBefore)
		}
		r := page.Results[1]
		c := r.Conversation
		if c.ID != tm.vera || c.ChannelID != tm.web || c.Status != "active" || c.Visitor.Name != "Vera Lopez" ||
			c.Operator == nil || c.Operator.ID != tm.aliceID || c.Operator.ChatName != "Alice" || c.CreatedAt == "" || c.EndedAt != nil {
			t.Errorf("conversation %+v", c)
		}
		// The newest message with the word: Alice's answer.
		if m := r.Message; m == nil || m.Seq != 2 || m.Author.Kind != "operator" || m.CreatedAt == "" {
			t.Fatalf("message %+v", r.Message)
		}
		if got, want := page.snippet(1), "Your [refund] is on its way."; got != want {
			t.Errorf("snippet %q, want %q", got, want)
		}
		if got, want := page.snippet(0), "Ich möchte eine Rückerstattung. [Refund] please!"; got != want {
			t.Errorf("snippet %q, want %q", got, want)
		}
		if got, want := s.search(t, tm.admin, q("q", "RUCKER")).snippet(0), "Ich möchte eine [Rückerstattung]. Refund please!"; got != want {
			t.Errorf("snippet %q, want %q", got, want)
		}
	})

	t.Run("rating", func(t *testing.T) {
		s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", tm.hans), tm.hansToken, nil)
		s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/rating", tm.hans), tm.hansToken, map[string]any{"score": 1, "comment": "Slow."})
		page := s.search(t, tm.admin, q("rating", "1"))
		wantSearchIDs(t, "bad", page.ids(), []int64{tm.hans})
		if r := page.Results[0].Conversation; r.Status != "ended" || r.EndedAt == nil || r.Rating == nil || r.Rating.Score != 1 || r.Rating.Comment != "Slow." {
			t.Errorf("conversation %+v", r)
		}
		if page.Results[0].Message != nil {
			t.Errorf("a search without words has a message: %+v", page.Results[0].Message)
		}
		wantSearchIDs(t, "good", s.search(t, tm.admin, q("rating", "5")).ids(), []int64{})
	})

	t.Run("pages", func(t *testing.T) {
		first := s.search(t, tm.admin, q("q", "refund", "limit", "1"))
		if len(first.Results) != 1 || first.NextBefore == nil || *first.NextBefore != tm.hans {
			t.Fatalf("first page %v, next %v", first.ids(), first.NextBefore)
		}
		second := s.search(t, tm.admin, q("q", "refund", "limit", "1", "before", fmt.Sprint(*first.NextBefore)))
		if len(second.Results) != 1 || second.Results[0].Conversation.ID != tm.vera || second.NextBefore != nil {
			t.Fatalf("second page %v, next %v", second.ids(), second.NextBefore)
		}
	})
}

// An operator finds only the conversations they may read: theirs and their channels';
// a supervisor and an admin find every one, and a supervisor may open what they find.
func TestSearchScoping(t *testing.T) {
	onEveryStore(t, func(t *testing.T, s *testServer) {
		tm := mustSearchTeam(t, s)
		for _, tc := range []struct {
			who   string
			token string
			q     string
			want  []int64
		}{
			{"alice", tm.alice, "refund", []int64{tm.vera}},
			{"alice, sales' words", tm.alice, "ruckerstattung", []int64{}},
			{"alice, sales' channel", tm.alice, fmt.Sprintf("channel_id=%d", tm.sales), []int64{}},
			{"alice, bob's", tm.alice, fmt.Sprintf("operator_id=%d", tm.bobID), []int64{}},
			{"alice, hans", tm.alice, "visitor=hans", []int64{}},
			{"bob", tm.bob, "refund", []int64{tm.hans}},
			{"mallory, in no channel", tm.mallory, "refund", []int64{}},
			{"mallory, all dates", tm.mallory, "from=2000-01-01", []int64{}},
			{"carol, a supervisor", tm.carol, "refund", []int64{tm.hans, tm.vera}},
			{"the admin", tm.admin, "refund", []int64{tm.hans, tm.vera}},
		} {
			t.Run(tc.who, func(t *testing.T) {
				params, err := url.ParseQuery(tc.q)
				if err != nil || !strings.Contains(tc.q, "=") {
					params = url.Values{"q": {tc.q}}
				}
				wantSearchIDs(t, tc.who, s.search(t, tc.token, params).ids(), tc.want)
			})
		}
		// What a supervisor finds, they may read (read-only: it is not theirs to write in).
		s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d", tm.hans), tm.carol, nil)
		s.must(t, 200, "GET", fmt.Sprintf("/api/conversations/%d/messages", tm.hans), tm.carol, nil)
		s.must(t, 403, "POST", fmt.Sprintf("/api/conversations/%d/messages", tm.hans), tm.carol, map[string]any{"body": "Hi"})
		s.must(t, 403, "GET", fmt.Sprintf("/api/conversations/%d/messages", tm.hans), tm.alice, nil)
	})
}

// Bad input is a 400 with the JSON error body, never a 500.
func TestSearchBadInput(t *testing.T) {
	onEveryStore(t, func(t *testing.T, s *testServer) {
		tm := mustSearchTeam(t, s)
		for _, tc := range []struct {
			name, query string
		}{
			{"nothing", ""},
			{"no word", "q=" + url.QueryEscape(`"!?*" -- ()`)},
			{"blank", "q=%20%20"},
			{"too long", "q=" + strings.Repeat("a", 201)},
			{"too many words", "q=" + url.QueryEscape("a b c d e f g h i j k")},
			{"not UTF-8", "q=%ff%fe"},
			{"rating 4", "q=x&rating=4"},
			{"rating word", "rating=good"},
			{"operator", "operator_id=alice"},
			{"negative channel", "channel_id=-1"},
			{"zero before", "q=x&before=0"},
			{"limit 0", "q=x&limit=0"},
			{"limit 101", "q=x&limit=101"},
			{"bad from", "from=2025-13-01"},
			{"bad to", "to=yesterday"},
			{"time without zone", "from=2025-01-01T10:00:00"},
			{"from after to", "from=2025-02-01&to=2025-01-01"},
			{"visitor with a control", "visitor=" + url.QueryEscape("a\x1bb")},
			{"visitor too long", "visitor=" + strings.Repeat("v", 101)},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := s.call(t, "GET", "/api/search?"+tc.query, tm.alice, nil)
				if r.Status != 400 {
					t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
				}
				if code := r.errorCode(t); code != "EINVALID" {
					t.Errorf("code %s", code)
				}
				if msg := r.errorMessage(t); msg == "" {
					t.Error("no message")
				}
			})
		}
		// The edges that are allowed.
		for _, query := range []string{
			"q=" + strings.Repeat("a", 200), "q=x&limit=100", "q=x&limit=1", "from=2025-01-01&to=2025-01-01",
			"from=2025-01-01T10:00:00%2B02:00", "to=2025-01-01T23:00:00.000Z", "q=" + url.QueryEscape("\u0301 caf\u0301e ½ x² \u200d"), "q=%CC%81", "q=" + url.QueryEscape(`NEAR("a" b) AND c* OR ^d`), "visitor=%25_%5C",
		} {
			s.must(t, 200, "GET", "/api/search?"+query, tm.alice, nil)
		}
	})
}

func wantSearchIDs(tb testing.TB, what string, got, want []int64) {
	tb.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		tb.Errorf("%s: found %v, want %v", what, got, want)
	}
}
