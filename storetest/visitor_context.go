package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// testVisitorContext: what a visitor's browser told with a first message is recorded by
// the start that creates the conversation, per visitor, replaced by the next start's
// (the referrer set by page views kept); a start that creates nothing records nothing.
func testVisitorContext(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	ann, bob := mustVisitor(t, s, "Ann"), mustVisitor(t, s, "Bob")
	wantContext := func(t *testing.T, id int64, want parley.VisitorContext) {
		t.Helper()
		got, err := s.VisitorContext(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("UpdatedAt = %s, want %s", formatTime(got.UpdatedAt), formatTime(want.UpdatedAt))
		}
		got.UpdatedAt, want.UpdatedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("VisitorContext = %+v, want %+v", *got, want)
		}
	}
	wantPages := func(t *testing.T, id int64, want ...string) {
		t.Helper()
		views, err := s.PageViews(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, v := range views {
			got = append(got, v.URL)
		}
		if want == nil {
			want = []string{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("PageViews = %v, want %v", got, want)
		}
	}

	t.Run("nothing told", func(t *testing.T) {
		mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: bob.ID, Body: "Hi", Now: t0}, queue)
		wantContext(t, bob.ID, parley.VisitorContext{Languages: []string{}})
		wantPages(t, bob.ID)
	})

	offset := 60
	first := parley.VisitorContext{
		UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/121.0", Browser: "Firefox 121", OS: "Windows",
		Languages: []string{"fr-BE", "en"}, Timezone: "Europe/Brussels", UTCOffsetMinutes: &offset, UpdatedAt: t0,
	}
	visit := &parley.Visit{
		Context:  first,
		Pages:    []parley.PageView{{URL: "https://shop.example/", ViewedAt: t0}, {URL: "https://shop.example/beans", ViewedAt: t0}},
		Referrer: "https://search.example/?q=coffee",
	}
	mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: ann.ID, Body: "Hello", ClientID: "first-start", Visit: visit, Now: t0}, queue)
	withReferrer := first
	withReferrer.Referrer = "https://search.example/?q=coffee"
	t.Run("told with the first message", func(t *testing.T) {
		wantContext(t, ann.ID, withReferrer)
		wantPages(t, ann.ID, "https://shop.example/beans", "https://shop.example/")
	})

	t.Run("a start that creates nothing records nothing", func(t *testing.T) {
		other := &parley.Visit{Context: parley.VisitorContext{UserAgent: "curl/8.0", Languages: []string{}, UpdatedAt: t0.Add(time.Minute)},
			Pages: []parley.PageView{{URL: "https://shop.example/replayed", ViewedAt: t0}}}
		_, _, created, err := s.StartConversation(ctx, parley.NewConversation{ChannelID: ch.ID, VisitorID: ann.ID, Body: "Hello", ClientID: "first-start", Visit: other, Now: t0.Add(time.Minute)}, queue)
		if err != nil || created {
			t.Fatalf("replayed start: created %v, %v", created, err)
		}
		_, _, _, err = s.StartConversation(ctx, parley.NewConversation{ChannelID: 9999, VisitorID: ann.ID, Body: "Hello", Visit: other, Now: t0.Add(time.Minute)}, queue)
		wantCode(t, err, parley.ENOTFOUND)
		wantContext(t, ann.ID, withReferrer)
		wantPages(t, ann.ID, "https://shop.example/beans", "https://shop.example/")
	})

	t.Run("replaced by the next start, referrer and pages kept", func(t *testing.T) {
		next := parley.VisitorContext{UserAgent: "curl/8.0", Languages: []string{}, UpdatedAt: t0.Add(time.Hour)}
		mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: ann.ID, Body: "Again", Visit: &parley.Visit{Context: next}, Now: t0.Add(time.Hour)}, queue)
		next.Referrer = withReferrer.Referrer
		wantContext(t, ann.ID, next)
		wantPages(t, ann.ID, "https://shop.example/beans", "https://shop.example/")
	})

	t.Run("unknown visitor", func(t *testing.T) {
		_, err := s.VisitorContext(ctx, 9999)
		wantCode(t, err, parley.ENOTFOUND)
	})
}

// testPageViews: a visitor's page views are listed newest first, at most MaxPageViews
// are kept (the oldest deleted), per visitor.
func testPageViews(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ann, bob := mustVisitor(t, s, "Ann"), mustVisitor(t, s, "Bob")
	view := func(who string, i int) parley.PageView {
		return parley.PageView{
			URL: fmt.Sprintf("https://shop.example/%s/%d", who, i), Title: fmt.Sprintf("Page %d", i),
			Referrer: "https://shop.example/", ViewedAt: t0.Add(time.Duration(i) * time.Second),
		}
	}
	urls := func(t *testing.T, id int64) []string {
		t.Helper()
		views, err := s.PageViews(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, v := range views {
			out = append(out, v.URL)
		}
		return out
	}
	span := func(who string, from, to int) []string { // newest first
		out := []string{}
		for i := to; i >= from; i-- {
			out = append(out, view(who, i).URL)
		}
		return out
	}

	t.Run("none", func(t *testing.T) {
		if got := urls(t, ann.ID); len(got) != 0 {
			t.Errorf("PageViews = %v, want none", got)
		}
	})

	t.Run("newest first, whole", func(t *testing.T) {
		if err := s.AddPageViews(ctx, ann.ID, []parley.PageView{view("ann", 1), view("ann", 2)}, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.AddPageViews(ctx, ann.ID, []parley.PageView{view("ann", 3)}, ""); err != nil {
			t.Fatal(err)
		}
		views, err := s.PageViews(ctx, ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(views) != 3 {
			t.Fatalf("%d views, want 3", len(views))
		}
		got, want := views[0], view("ann", 3)
		if got.URL != want.URL || got.Title != want.Title || got.Referrer != want.Referrer || !got.ViewedAt.Equal(want.ViewedAt) {
			t.Errorf("newest view = %+v, want %+v", got, want)
		}
		if g, w := urls(t, ann.ID), span("ann", 1, 3); !reflect.DeepEqual(g, w) {
			t.Errorf("PageViews = %v, want %v", g, w)
		}
	})

	t.Run("at most 15, the oldest deleted", func(t *testing.T) {
		for i := 4; i <= 20; i++ {
			if err := s.AddPageViews(ctx, ann.ID, []parley.PageView{view("ann", i)}, ""); err != nil {
				t.Fatal(err)
			}
		}
		if g, w := urls(t, ann.ID), span("ann", 6, 20); !reflect.DeepEqual(g, w) {
			t.Errorf("PageViews = %v, want %v", g, w)
		}
	})

	t.Run("a batch longer than the cap keeps its newest", func(t *testing.T) {
		var batch []parley.PageView
		for i := 1; i <= 17; i++ {
			batch = append(batch, view("bob", i))
		}
		if err := s.AddPageViews(ctx, bob.ID, batch, ""); err != nil {
			t.Fatal(err)
		}
		if g, w := urls(t, bob.ID), span("bob", 3, 17); !reflect.DeepEqual(g, w) {
			t.Errorf("Bob's PageViews = %v, want %v", g, w)
		}
		if g, w := urls(t, ann.ID), span("ann", 6, 20); !reflect.DeepEqual(g, w) {
			t.Errorf("Ann's PageViews changed by Bob's: %v, want %v", g, w)
		}
	})

	t.Run("unknown visitor", func(t *testing.T) {
		wantCode(t, s.AddPageViews(ctx, 9999, []parley.PageView{view("x", 1)}, ""), parley.ENOTFOUND)
		_, err := s.PageViews(ctx, 9999)
		wantCode(t, err, parley.ENOTFOUND)
	})
}

// testVisitorConversations: a visitor's conversations before one, newest first, at most
// the limit, never another visitor's.
func testVisitorConversations(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	ann, bob := mustVisitor(t, s, "Ann"), mustVisitor(t, s, "Bob")
	var mine []int64
	for i := range 4 {
		c, _ := mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: ann.ID, Body: fmt.Sprint("Hello ", i), Now: t0}, queue)
		mine = append(mine, c.ID)
		mustStart(t, s, parley.NewConversation{ChannelID: ch.ID, VisitorID: bob.ID, Body: "Hi", Now: t0}, queue)
	}
	ids := func(t *testing.T, before int64, limit int) []int64 {
		t.Helper()
		convs, err := s.VisitorConversations(ctx, ann.ID, before, limit)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, c := range convs {
			if c.VisitorID != ann.ID {
				t.Errorf("conversation %d of visitor %d listed for Ann", c.ID, c.VisitorID)
			}
			out = append(out, c.ID)
		}
		return out
	}
	wantIDs(t, "before the last", ids(t, mine[3], 10), []int64{mine[2], mine[1], mine[0]})
	wantIDs(t, "limited", ids(t, mine[3], 2), []int64{mine[2], mine[1]})
	wantIDs(t, "before the first", ids(t, mine[0], 10), []int64{})
}
