package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/postgres/pgtest"
)

// User-Agent headers of real browsers.
const (
	chromeOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	firefoxOnLinux  = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
)

// visitorInfo is GET /api/conversations/{id}/visitor.
type visitorInfo struct {
	Name        string   `json:"name"`
	Language    string   `json:"language"`
	Languages   []string `json:"languages"`
	CurrentPage *struct {
		URL   string `json:"url"`
		Title string `json:"title"`
	} `json:"current_page"`
	Pages []struct {
		URL      string `json:"url"`
		Title    string `json:"title"`
		Referrer string `json:"referrer"`
		ViewedAt string `json:"viewed_at"`
	} `json:"pages"`
	Referrer         string `json:"referrer"`
	UserAgent        string `json:"user_agent"`
	Browser          string `json:"browser"`
	OS               string `json:"os"`
	Timezone         string `json:"timezone"`
	UTCOffsetMinutes *int   `json:"utc_offset_minutes"`
	Conversations    []struct {
		ID       int64  `json:"id"`
		Status   string `json:"status"`
		EndedAt  string `json:"ended_at"`
		Operator *struct {
			ID       int64  `json:"id"`
			ChatName string `json:"chat_name"`
		} `json:"operator"`
		Messages []map[string]any `json:"messages"`
	} `json:"conversations"`
}

func (s *testServer) visitorInfo(tb testing.TB, conv int64, token string) visitorInfo {
	tb.Helper()
	var info visitorInfo
	s.must(tb, 200, "GET", fmt.Sprintf("/api/conversations/%d/visitor", conv), token, nil).decode(tb, &info)
	return info
}

func (v visitorInfo) pageURLs() []string {
	out := []string{}
	for _, p := range v.Pages {
		out = append(out, p.URL)
	}
	return out
}

// startAs starts a conversation as a browser with the User-Agent ua would.
func (s *testServer) startAs(tb testing.TB, ch int64, ua string, body map[string]any) response {
	tb.Helper()
	req, err := http.NewRequest("POST", fmt.Sprintf("%s/livechat/channels/%d/conversations", s.URL, ch), jsonBody(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", ua)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// onEveryStore runs test against a server on SQLite, and against one on PostgreSQL when
// PARLEY_TEST_POSTGRES names a database.
func onEveryStore(t *testing.T, test func(t *testing.T, s *testServer)) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			db := ""
			if store == "postgres" {
				db = pgtest.URL(t)
			}
			test(t, mustStart(t, db))
		})
	}
}

func pageView(url, title, referrer string) map[string]any {
	return map[string]any{"url": url, "title": title, "referrer": referrer}
}

// The pages a visitor viewed before their first message come with it, and each later one
// is reported with their token: the operator sees the current page, the pages newest
// first (at most 15), where the visitor came from, their browser and operating system
// parsed from the User-Agent, their languages and time zone.
func TestVisitorContextPages(t *testing.T) {
	onEveryStore(t, testVisitorContextPages)
}

func testVisitorContextPages(t *testing.T, s *testServer) {
	_, alice, ch, aliceWS := s.mustAliceOnline(t)

	started := s.startAs(t, ch, chromeOnWindows, map[string]any{
		"body": "Do you ship to Belgium?", "languages": []string{"fr-BE", "en"}, "page_url": "https://shop.example/shipping",
		"timezone": "Europe/Brussels", "utc_offset_minutes": 60,
		"pages": []map[string]any{
			pageView("https://shop.example/", "Fernwood Coffee", "https://search.example/?q=coffee"),
			pageView("https://shop.example/shipping", "Shipping · Fernwood", "https://shop.example/"),
		},
	})
	if started.Status != 201 {
		t.Fatalf("start: %d %s", started.Status, started.Body)
	}
	out := started.object(t)
	conv, token := num(path(out, "conversation", "id")), out["visitor_token"].(string)

	info := s.visitorInfo(t, conv, alice)
	if info.CurrentPage == nil || info.CurrentPage.URL != "https://shop.example/shipping" || info.CurrentPage.Title != "Shipping · Fernwood" {
		t.Errorf("current_page = %+v", info.CurrentPage)
	}
	if got, want := strings.Join(info.pageURLs(), " "), "https://shop.example/shipping https://shop.example/"; got != want {
		t.Errorf("pages = %s, want %s", got, want)
	}
	if len(info.Pages) == 2 && (info.Pages[1].Title != "Fernwood Coffee" || info.Pages[1].Referrer != "https://search.example/?q=coffee" || info.Pages[1].ViewedAt == "") {
		t.Errorf("first page = %+v", info.Pages[1])
	}
	if info.Referrer != "https://search.example/?q=coffee" {
		t.Errorf("referrer = %q, want the search page that brought the visitor", info.Referrer)
	}
	if !strings.HasPrefix(info.Browser, "Chrome") || info.OS != "Windows" || info.UserAgent != chromeOnWindows {
		t.Errorf("browser %q, os %q, user agent %q; want Chrome on Windows", info.Browser, info.OS, info.UserAgent)
	}
	if info.Timezone != "Europe/Brussels" || info.UTCOffsetMinutes == nil || *info.UTCOffsetMinutes != 60 {
		t.Errorf("timezone %q, offset %v", info.Timezone, info.UTCOffsetMinutes)
	}
	if strings.Join(info.Languages, " ") != "fr-BE en" || info.Language != "en" {
		t.Errorf("languages %v, language %q", info.Languages, info.Language)
	}
	if len(info.Conversations) != 0 {
		t.Errorf("earlier conversations of a new visitor: %+v", info.Conversations)
	}

	// After the first message, each page is reported with the visitor's token.
	r := s.must(t, 201, "POST", "/livechat/page-views", token, pageView("https://shop.example/cart", "Your cart", "https://shop.example/shipping")).object(t)
	if r["url"] != "https://shop.example/cart" || r["viewed_at"] == nil {
		t.Errorf("page view answer %v", r)
	}
	// The operator's console is told, and reads the visitor again.
	aliceWS.expect(t, "page_view", func(ev map[string]any) bool { return num(ev["conversation_id"]) == conv })
	info = s.visitorInfo(t, conv, alice)
	if info.CurrentPage == nil || info.CurrentPage.URL != "https://shop.example/cart" || info.CurrentPage.Title != "Your cart" {
		t.Errorf("current_page after a page view = %+v", info.CurrentPage)
	}
	if got := len(info.Pages); got != 3 {
		t.Errorf("%d pages, want 3", got)
	}
	if info.Referrer != "https://search.example/?q=coffee" {
		t.Errorf("referrer %q changed by a page of the same site", info.Referrer)
	}

	// Only the newest 15 are kept.
	for i := 1; i <= 16; i++ {
		s.must(t, 201, "POST", "/livechat/page-views", token, pageView(fmt.Sprintf("https://shop.example/p/%d", i), fmt.Sprintf("Product %d", i), ""))
	}
	info = s.visitorInfo(t, conv, alice)
	var want []string
	for i := 16; i >= 2; i-- {
		want = append(want, fmt.Sprintf("https://shop.example/p/%d", i))
	}
	if got := info.pageURLs(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("pages after 19 views = %v, want the newest 15 %v", got, want)
	}

	// Another browser, another visitor.
	other := s.startAs(t, ch, firefoxOnLinux, map[string]any{"body": "Hi", "page_url": "https://shop.example/about"})
	if other.Status != 201 {
		t.Fatalf("start: %d %s", other.Status, other.Body)
	}
	info2 := s.visitorInfo(t, num(path(other.object(t), "conversation", "id")), alice)
	if !strings.HasPrefix(info2.Browser, "Firefox") || info2.OS != "Linux" {
		t.Errorf("browser %q, os %q; want Firefox on Linux", info2.Browser, info2.OS)
	}
	// A client that sends no pages still shows the page it started on.
	if got := strings.Join(info2.pageURLs(), " "); got != "https://shop.example/about" || info2.CurrentPage == nil || info2.CurrentPage.URL != "https://shop.example/about" {
		t.Errorf("pages %q, current page %+v; want the page_url", got, info2.CurrentPage)
	}
}

// Beside a conversation, the operator sees the visitor's earlier conversations in full,
// newest first, never this one nor a later one; another operator is refused.
func TestVisitorContextEarlierConversations(t *testing.T) {
	onEveryStore(t, testVisitorContextEarlierConversations)
}

func testVisitorContextEarlierConversations(t *testing.T, s *testServer) {
	admin, alice, ch, _ := s.mustAliceOnline(t)
	_, mallory := s.mustOperator(t, admin, "mallory", nil)

	first, token := s.visitorStart(t, ch, "Zoe", "Where is my order?")
	s.must(t, 201, "POST", fmt.Sprintf("/api/conversations/%d/messages", first), alice, map[string]string{"body": "It left this morning."})
	s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", first), token, nil)
	second := num(path(s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{
		"body": "Me again", "visitor_token": token,
	}).object(t), "conversation", "id"))
	s.must(t, 200, "POST", fmt.Sprintf("/livechat/conversations/%d/end", second), token, nil)
	third := num(path(s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{
		"body": "And again", "visitor_token": token,
	}).object(t), "conversation", "id"))

	for _, who := range []struct {
		name, token string
	}{{"alice", alice}, {"the admin", admin}} {
		t.Run(who.name, func(t *testing.T) {
			info := s.visitorInfo(t, third, who.token)
			if len(info.Conversations) != 2 || info.Conversations[0].ID != second || info.Conversations[1].ID != first {
				t.Fatalf("earlier conversations %+v, want %d then %d", info.Conversations, second, first)
			}
			old := info.Conversations[1]
			var bodies []string
			for _, m := range old.Messages {
				bodies = append(bodies, fmt.Sprint(path(m, "author", "kind"), ":", m["body"]))
			}
			if got, want := strings.Join(bodies, "|"), "visitor:Where is my order?|operator:It left this morning.|system:Visitor left the conversation."; got != want {
				t.Errorf("messages of the first conversation %q, want %q", got, want)
			}
			if old.Status != "ended" || old.EndedAt == "" || old.Operator == nil || old.Operator.ChatName != "Alice" {
				t.Errorf("first conversation %+v", old)
			}
			if info.Name != "Zoe" {
				t.Errorf("name %q", info.Name)
			}
		})
	}
	if info := s.visitorInfo(t, first, alice); len(info.Conversations) != 0 {
		t.Errorf("the first conversation lists %+v as earlier", info.Conversations)
	}

	r := s.call(t, "GET", fmt.Sprintf("/api/conversations/%d/visitor", third), mallory, nil)
	if r.Status != 403 || r.errorCode(t) != "EFORBIDDEN" {
		t.Errorf("another operator: %d %s", r.Status, r.Body)
	}
	r = s.call(t, "GET", "/api/conversations/99999/visitor", alice, nil)
	if r.Status != 404 || r.errorCode(t) != "ENOTFOUND" {
		t.Errorf("unknown conversation: %d %s", r.Status, r.Body)
	}
}

// Bad page views and start contexts are refused with a 400 naming the problem, and
// nothing is stored: no conversation, no page view.
func TestVisitorContextBadInput(t *testing.T) {
	onEveryStore(t, testVisitorContextBadInput)
}

func testVisitorContextBadInput(t *testing.T, s *testServer) {
	_, alice, ch, _ := s.mustAliceOnline(t)
	conv, token := s.visitorStart(t, ch, "Ann", "Hello")
	long := "https://shop.example/" + strings.Repeat("a", 2048)
	before := s.visitorInfo(t, conv, alice)

	for _, tc := range []struct {
		name string
		body any
		want string // in the error message
	}{
		{"javascript URL", pageView("javascript:alert(1)", "x", ""), "Page URL must be an http or https URL"},
		{"relative URL", pageView("/cart", "x", ""), "Page URL must be an http or https URL"},
		{"no URL", pageView("", "x", ""), "Page URL is required"},
		{"URL too long", pageView(long, "x", ""), "Page URL has 2069 characters; the limit is 2048"},
		{"title too long", pageView("https://shop.example/", strings.Repeat("t", 301), ""), "Page title has 301 characters; the limit is 300"},
		{"title with an escape", pageView("https://shop.example/", "a\x1b[31mb", ""), "Page title contains an escape character"},
		{"data referrer", pageView("https://shop.example/", "x", "data:text/html,hi"), "Referrer must be an http or https URL"},
		{"unknown field", map[string]any{"url": "https://shop.example/", "viewed_at": "2020-01-01T00:00:00Z"}, "viewed_at"},
		{"not JSON", "url=https://shop.example/", ""},
	} {
		t.Run("page view: "+tc.name, func(t *testing.T) {
			r := s.call(t, "POST", "/livechat/page-views", token, tc.body)
			if r.Status != 400 || r.errorCode(t) != "EINVALID" {
				t.Fatalf("status %d, want 400 EINVALID: %s", r.Status, r.Body)
			}
			if !strings.Contains(string(r.Body), tc.want) {
				t.Errorf("error %s does not say %q", r.Body, tc.want)
			}
		})
	}
	r := s.call(t, "POST", "/livechat/page-views", "", pageView("https://shop.example/", "x", ""))
	if r.Status != 401 || r.errorCode(t) != "EUNAUTHORIZED" {
		t.Errorf("page view without a token: %d %s", r.Status, r.Body)
	}

	var sixteen []map[string]any
	for i := range 16 {
		sixteen = append(sixteen, pageView(fmt.Sprintf("https://shop.example/%d", i), "", ""))
	}
	for _, tc := range []struct {
		name  string
		extra map[string]any
		want  string
	}{
		{"bad page", map[string]any{"pages": []map[string]any{pageView("ftp://shop.example/", "", "")}}, "Page URL must be an http or https URL"},
		{"too many pages", map[string]any{"pages": sixteen}, "At most 15 pages may be sent"},
		{"bad time zone", map[string]any{"timezone": "Europe/Paris; DROP TABLE"}, "is not a time zone name"},
		{"offset out of range", map[string]any{"timezone": "UTC", "utc_offset_minutes": 5000}, "UTC offset 5000 is not between"},
		{"offset not a number", map[string]any{"utc_offset_minutes": "60"}, "utc_offset_minutes"},
	} {
		t.Run("start: "+tc.name, func(t *testing.T) {
			body := map[string]any{"body": "Hello", "visitor_token": token}
			for k, v := range tc.extra {
				body[k] = v
			}
			r := s.call(t, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", body)
			if r.Status != 400 || r.errorCode(t) != "EINVALID" {
				t.Fatalf("status %d, want 400 EINVALID: %s", r.Status, r.Body)
			}
			if !strings.Contains(string(r.Body), tc.want) {
				t.Errorf("error %s does not say %q", r.Body, tc.want)
			}
		})
	}

	var list []map[string]any
	s.must(t, 200, "GET", "/api/conversations", alice, nil).decode(t, &list)
	if len(list) != 1 {
		t.Errorf("refused starts created conversations: %v", list)
	}
	after := s.visitorInfo(t, conv, alice)
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	if string(b1) != string(b2) {
		t.Errorf("refused requests changed what the operator sees:\nbefore %s\nafter  %s", b1, b2)
	}
}
