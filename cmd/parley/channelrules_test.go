package main

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// widgetStatus is what GET /livechat/channels/{id} tells of the rules and hours.
type widgetStatus struct {
	Online    bool `json:"online"`
	Available bool `json:"available"`
	Open      bool `json:"open"`
	Rule      struct {
		Action  string `json:"action"`
		Delay   int    `json:"delay"`
		Message string `json:"message"`
	} `json:"rule"`
}

func (s *testServer) widgetStatus(tb testing.TB, ch int64, page, languages string) widgetStatus {
	tb.Helper()
	var st widgetStatus
	q := url.Values{"url": {page}}
	if languages != "" {
		q.Set("languages", languages)
	}
	s.must(tb, 200, "GET", fmt.Sprintf("/livechat/channels/%d?%s", ch, q.Encode()), "", nil).decode(tb, &st)
	return st
}

// allDay opens every day of the week, all day.
func allDay() []map[string]any {
	var week []map[string]any
	for d := 0; d < 7; d++ {
		week = append(week, map[string]any{"day": d, "from": "00:00", "to": "24:00"})
	}
	return week
}

// An admin sets a channel's rules and hours; the widget's status names the rule of its
// page (first match wins, the invitation in the visitor's language) and whether the
// channel is open; outside its hours a start is refused with 409 and a left message is
// still taken; bad patterns and hours are refused with 400 and change nothing; each
// change is in the audit log.
func TestChannelRulesAndHours(t *testing.T) {
	onEveryStore(t, testChannelRulesAndHours)
}

func testChannelRulesAndHours(t *testing.T, s *testServer) {
	admin, _, ch, _ := s.mustAliceOnline(t)
	s.must(t, 200, "PUT", "/api/languages/fr", admin, map[string]any{"enabled": true})
	rulesURL := fmt.Sprintf("/api/channels/%d/rules", ch)
	hoursURL := fmt.Sprintf("/api/channels/%d/hours", ch)

	// No rules: the button shows everywhere, and the channel is open.
	if st := s.widgetStatus(t, ch, "https://example.com/pricing", ""); st.Rule.Action != "show" || !st.Open || !st.Online || !st.Available {
		t.Errorf("without rules: %+v, want show, open, online, available", st)
	}

	rules := []map[string]any{
		{"pattern": "/pricing/enterprise", "action": "hide"},
		{"pattern": "/pricing*", "action": "auto_open", "delay": 5, "message": "Questions about our prices?", "translations": map[string]string{"fr": "Des questions sur nos prix ?"}},
		{"pattern": "https://shop.example.com/*", "action": "hide"},
	}
	var got struct {
		Rules []map[string]any `json:"rules"`
		Hours map[string]any   `json:"hours"`
	}
	s.must(t, 200, "PUT", rulesURL, admin, map[string]any{"rules": rules}).decode(t, &got)
	if len(got.Rules) != 3 || got.Rules[1]["pattern"] != "/pricing*" || got.Hours["enabled"] != false {
		t.Errorf("PUT rules answered %+v", got)
	}
	for _, tc := range []struct {
		page, languages, action, message string
		delay                            int
	}{
		{"https://example.com/pricing/enterprise", "", "hide", "", 0},
		{"https://example.com/pricing/team?plan=pro", "en", "auto_open", "Questions about our prices?", 5},
		{"https://example.com/pricing", "fr-BE,fr", "auto_open", "Des questions sur nos prix ?", 5},
		{"https://SHOP.example.com/cart", "", "hide", "", 0},
		{"https://example.com/about", "", "show", "", 0},
		{"", "", "show", "", 0},
	} {
		st := s.widgetStatus(t, ch, tc.page, tc.languages)
		if st.Rule.Action != tc.action || st.Rule.Message != tc.message || st.Rule.Delay != tc.delay {
			t.Errorf("rule on %q (%s) = %+v, want %s after %d s with %q", tc.page, tc.languages, st.Rule, tc.action, tc.delay, tc.message)
		}
	}

	// Bad rules: 400 with the reason, and the rules stay as they were.
	for _, bad := range []struct {
		rule map[string]any
		says string
	}{
		{map[string]any{"pattern": "pricing*", "action": "show"}, "must be"},
		{map[string]any{"pattern": "/a b", "action": "show"}, "space"},
		{map[string]any{"pattern": "https://", "action": "show"}, "names no host"},
		{map[string]any{"pattern": "", "action": "show"}, "needs a URL pattern"},
		{map[string]any{"pattern": "*", "action": "popup"}, "action"},
		{map[string]any{"pattern": "*", "action": "auto_open", "delay": 5}, "invitation message"},
		{map[string]any{"pattern": "*", "action": "auto_open", "delay": -1, "message": "Hi"}, "delay"},
		{map[string]any{"pattern": "*", "action": "auto_open", "delay": 5, "message": "Hi", "translations": map[string]string{"de": "Hallo"}}, "not enabled"},
	} {
		s.wantRefused(t, "PUT", rulesURL, admin, map[string]any{"rules": []any{bad.rule}}, 400, "EINVALID", bad.says)
	}
	s.wantRefused(t, "PUT", rulesURL, admin, `{"rules": "nope"}`, 400, "EINVALID", "")
	s.wantRefused(t, "PUT", "/api/channels/999999/rules", admin, map[string]any{"rules": []any{}}, 404, "ENOTFOUND", "")
	s.must(t, 200, "GET", rulesURL, admin, nil).decode(t, &got)
	if len(got.Rules) != 3 {
		t.Errorf("after refused changes, %d rules, want the 3 set before", len(got.Rules))
	}

	// Bad hours: 400, nothing changes.
	for _, bad := range []struct {
		hours map[string]any
		says  string
	}{
		{map[string]any{"enabled": true, "time_zone": "Mars/Olympus", "week": allDay()}, "time zone"},
		{map[string]any{"enabled": true, "time_zone": "UTC", "week": []any{map[string]any{"day": 8, "from": "09:00", "to": "17:00"}}}, "day"},
		{map[string]any{"enabled": true, "time_zone": "UTC", "week": []any{map[string]any{"day": 1, "from": "9am", "to": "17:00"}}}, "HH:MM"},
		{map[string]any{"enabled": true, "time_zone": "UTC", "week": allDay(), "holidays": []string{"2025-13-01"}}, "holiday"},
		{map[string]any{"enabled": true, "time_zone": "UTC"}, "at least one opening range"},
	} {
		s.wantRefused(t, "PUT", hoursURL, admin, bad.hours, 400, "EINVALID", bad.says)
	}
	if st := s.widgetStatus(t, ch, "https://example.com/", ""); !st.Open {
		t.Errorf("after refused hours the channel is closed: %+v", st)
	}

	// Closed: open all week but today and yesterday (in the zone) are holidays.
	now := time.Now().UTC()
	closed := map[string]any{"enabled": true, "time_zone": "UTC", "week": allDay(),
		"holidays": []string{now.AddDate(0, 0, -1).Format(time.DateOnly), now.Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)}}
	s.must(t, 200, "PUT", hoursURL, admin, closed).decode(t, &got)
	if got.Hours["enabled"] != true || got.Hours["time_zone"] != "UTC" || len(got.Hours["holidays"].([]any)) != 3 {
		t.Errorf("PUT hours answered %+v", got.Hours)
	}
	if st := s.widgetStatus(t, ch, "https://example.com/about", ""); st.Open || st.Online || st.Available {
		t.Errorf("outside hours: %+v, want closed, not online, not available (the widget offers the form)", st)
	}
	s.wantRefused(t, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hello?"}, 409, "ECONFLICT", "business hours")
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/offline-messages", ch), "", map[string]string{"name": "Ann", "email": "ann@example.com", "body": "call me"})

	// Open again: every day, all day, no holiday.
	s.must(t, 200, "PUT", hoursURL, admin, map[string]any{"enabled": true, "time_zone": "Pacific/Auckland", "week": allDay(), "holidays": []string{}})
	if st := s.widgetStatus(t, ch, "https://example.com/about", ""); !st.Open || !st.Online {
		t.Errorf("within hours: %+v, want open and online", st)
	}
	s.must(t, 201, "POST", fmt.Sprintf("/livechat/channels/%d/conversations", ch), "", map[string]any{"body": "hello"})

	// The audit log has each change.
	var rulesSet, hoursSet int
	for _, e := range s.auditLog(t, admin, "") {
		if e.TargetID != fmt.Sprint(ch) {
			continue
		}
		switch e.Action {
		case "channel.rules":
			rulesSet++
		case "channel.hours":
			hoursSet++
		}
	}
	if rulesSet != 1 || hoursSet != 2 {
		t.Errorf("audit log: %d channel.rules and %d channel.hours entries, want 1 and 2", rulesSet, hoursSet)
	}
}
