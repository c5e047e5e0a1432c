package parley_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley"
)

func TestMatchRulePattern(t *testing.T) {
	tests := []struct {
		pattern, url string
		want         bool
	}{
		{"*", "https://example.com/anything?x=1", true},
		{"*", "not a url", true},
		{"/pricing*", "https://example.com/pricing", true},
		{"/pricing*", "https://example.com/pricing/team", true},
		{"/pricing*", "https://example.com/pricing?plan=pro#top", true},
		{"/pricing*", "https://example.com/en/pricing", false},
		{"/pricing", "https://example.com/pricing?utm=mail", true}, // the query counts only with a "?"
		{"/pricing", "https://example.com/pricing/", false},
		{"/Pricing", "https://example.com/pricing", false}, // paths keep their case
		{"/", "https://example.com", true},                 // an empty path is "/"
		{"/*/checkout", "https://example.com/fr/checkout", true},
		{"/*/checkout", "https://example.com/checkout", false},
		{"/search?q=*", "https://example.com/search?q=shoes", true},
		{"/search?q=*", "https://example.com/search", false},
		{"/a*b*c", "https://x.org/aXXbYYc", true},
		{"/a*b*c", "https://x.org/aXXbYYcd", false},
		{"https://shop.example.com/*", "https://shop.example.com/cart", true},
		{"https://shop.example.com/*", "https://SHOP.Example.com/cart", true}, // hosts without case
		{"HTTPS://shop.example.com/*", "https://shop.example.com/", true},
		{"https://shop.example.com/*", "http://shop.example.com/cart", false},
		{"https://shop.example.com/*", "https://example.com/cart", false},
		{"https://*.example.com/*", "https://blog.example.com/post", true},
		{"https://shop.example.com", "https://shop.example.com/", false},
		{"/pricing*", "javascript:alert(1)", false},
		{"/café*", "https://example.com/caf%C3%A9/menu", true},
		{"/pricing*", "", false},
	}
	for _, tc := range tests {
		if got := parley.MatchRulePattern(tc.pattern, tc.url); got != tc.want {
			t.Errorf("MatchRulePattern(%q, %q) = %v, want %v", tc.pattern, tc.url, got, tc.want)
		}
	}
}

func TestValidateRulePattern(t *testing.T) {
	for _, p := range []string{"*", "/", "/pricing*", "https://shop.example.com/*", "http://a.b", "/search?q=*"} {
		if err := parley.ValidateRulePattern(p); err != nil {
			t.Errorf("ValidateRulePattern(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range []string{"", "pricing", "ftp://x/", "https://", "https:///x", "/a b", "/a#b", `/a\b`, "/" + string(make([]byte, 600))} {
		if err := parley.ValidateRulePattern(p); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("ValidateRulePattern(%q) = %v, want EINVALID", p, err)
		}
	}
}

func TestPageRuleFirstMatchWins(t *testing.T) {
	rules := []parley.ChannelRule{
		{Pattern: "/pricing/enterprise", Action: parley.RuleHide},
		{Pattern: "/pricing*", Action: parley.RuleAutoOpen, Delay: 3, Message: "Hi"},
		{Pattern: "*", Action: parley.RuleShow},
	}
	for url, want := range map[string]string{
		"https://e.com/pricing/enterprise": parley.RuleHide,
		"https://e.com/pricing/team":       parley.RuleAutoOpen,
		"https://e.com/about":              parley.RuleShow,
	} {
		if r := parley.PageRule(rules, url); r == nil || r.Action != want {
			t.Errorf("PageRule(%s) = %+v, want %s", url, r, want)
		}
	}
	if r := parley.PageRule(rules[:2], "https://e.com/about"); r != nil {
		t.Errorf("no rule matches, got %+v", r)
	}
}

func TestCheckChannelRules(t *testing.T) {
	enabled := map[string]bool{"en": true, "fr": true}
	ok, err := parley.CheckChannelRules([]parley.ChannelRule{
		{Pattern: " /pricing* ", Action: parley.RuleAutoOpen, Delay: 10, Message: " Hello ", Translations: map[string]string{"FR": "Bonjour", "en": " "}},
		{Pattern: "*", Action: parley.RuleHide, Delay: 9, Message: "dropped"},
	}, enabled)
	if err != nil {
		t.Fatal(err)
	}
	if ok[0].Pattern != "/pricing*" || ok[0].Message != "Hello" || len(ok[0].Translations) != 1 || ok[0].Translations["fr"] != "Bonjour" {
		t.Errorf("checked rule = %+v", ok[0])
	}
	if ok[1].Delay != 0 || ok[1].Message != "" {
		t.Errorf("a hide rule keeps no delay nor message: %+v", ok[1])
	}
	bad := [][]parley.ChannelRule{
		{{Pattern: "pricing", Action: parley.RuleShow}},
		{{Pattern: "*", Action: "popup"}},
		{{Pattern: "*", Action: parley.RuleAutoOpen, Delay: 5}},
		{{Pattern: "*", Action: parley.RuleAutoOpen, Delay: -1, Message: "Hi"}},
		{{Pattern: "*", Action: parley.RuleAutoOpen, Delay: 3601, Message: "Hi"}},
		{{Pattern: "*", Action: parley.RuleAutoOpen, Delay: 5, Message: "Hi", Translations: map[string]string{"de": "Hallo"}}},
		make([]parley.ChannelRule, parley.MaxChannelRules+1),
	}
	for _, rules := range bad {
		if _, err := parley.CheckChannelRules(rules, enabled); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("CheckChannelRules(%+v) = %v, want EINVALID", rules, err)
		}
	}
}

func TestCheckBusinessHours(t *testing.T) {
	good := &parley.BusinessHours{Enabled: true, TimeZone: "America/New_York",
		Week: []parley.OpeningRange{{Day: 1, From: "09:00", To: "24:00"}}, Holidays: []string{"2025-12-25", "2025-01-01", "2025-12-25"}}
	h, err := parley.CheckBusinessHours(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Holidays) != 2 || h.Holidays[0] != "2025-01-01" {
		t.Errorf("holidays = %v, want sorted, once each", h.Holidays)
	}
	if h, err := parley.CheckBusinessHours(&parley.BusinessHours{}); err != nil || h.Enabled || h.TimeZone != "UTC" {
		t.Errorf("disabled hours with no zone = %+v, %v; want UTC, disabled", h, err)
	}
	week := []parley.OpeningRange{{Day: 1, From: "09:00", To: "17:00"}}
	bad := []*parley.BusinessHours{
		{Enabled: true, TimeZone: "Mars/Olympus", Week: week},
		{Enabled: true, TimeZone: "../etc/passwd", Week: week},
		{Enabled: true, TimeZone: "Local", Week: week},
		{Enabled: true, TimeZone: "UTC"},
		{Enabled: true, TimeZone: "UTC", Week: []parley.OpeningRange{{Day: 7, From: "09:00", To: "17:00"}}},
		{Enabled: true, TimeZone: "UTC", Week: []parley.OpeningRange{{Day: 1, From: "9:00", To: "17:00"}}},
		{Enabled: true, TimeZone: "UTC", Week: []parley.OpeningRange{{Day: 1, From: "09:00", To: "24:01"}}},
		{Enabled: true, TimeZone: "UTC", Week: []parley.OpeningRange{{Day: 1, From: "24:00", To: "02:00"}}},
		{Enabled: true, TimeZone: "UTC", Week: []parley.OpeningRange{{Day: 1, From: "09:60", To: "17:00"}}},
		{Enabled: true, TimeZone: "UTC", Week: week, Holidays: []string{"2025-02-30"}},
		{Enabled: true, TimeZone: "UTC", Week: week, Holidays: []string{"25/12/2025"}},
	}
	for _, b := range bad {
		if _, err := parley.CheckBusinessHours(b); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("CheckBusinessHours(%+v) = %v, want EINVALID", b, err)
		}
	}
}

func TestBusinessHoursOpenAt(t *testing.T) {
	at := func(zone, local string) time.Time {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		tm, err := time.ParseInLocation("2006-01-02 15:04", local, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	utc := func(s string) time.Time { return at("UTC", s) }
	paris := &parley.BusinessHours{Enabled: true, TimeZone: "Europe/Paris", Week: []parley.OpeningRange{
		{Day: 1, From: "09:00", To: "17:00"}, // Monday
		{Day: 5, From: "22:00", To: "02:00"}, // Friday night into Saturday
		{Day: 0, From: "01:00", To: "04:00"}, // Sunday: the clocks change inside it in March and October
	}, Holidays: []string{"2025-05-02"}} // a Friday
	tests := []struct {
		name string
		h    *parley.BusinessHours
		t    time.Time
		want bool
	}{
		{"nil hours are open", nil, utc("2025-01-06 03:00"), true},
		{"disabled hours are open", &parley.BusinessHours{TimeZone: "UTC"}, utc("2025-01-06 03:00"), true},
		{"Monday 09:00 Paris opens", paris, at("Europe/Paris", "2025-01-06 09:00"), true},
		{"Monday 08:59 Paris is closed", paris, at("Europe/Paris", "2025-01-06 08:59"), false},
		{"Monday 16:59 Paris is open", paris, at("Europe/Paris", "2025-01-06 16:59"), true},
		{"Monday 17:00 Paris closes", paris, at("Europe/Paris", "2025-01-06 17:00"), false},
		{"the zone counts: 08:30 UTC is 09:30 in Paris in winter", paris, utc("2025-01-06 08:30"), true},
		{"the zone counts: 07:30 UTC in summer is 09:30 in Paris", paris, utc("2025-06-02 07:30"), true},
		{"the zone counts: 16:30 UTC in summer is 18:30 in Paris", paris, utc("2025-06-02 16:30"), false},
		{"Tuesday is closed", paris, at("Europe/Paris", "2025-01-07 10:00"), false},
		{"overnight: Friday 23:00", paris, at("Europe/Paris", "2025-01-10 23:00"), true},
		{"overnight: Saturday 01:59", paris, at("Europe/Paris", "2025-01-11 01:59"), true},
		{"overnight: Saturday 02:00 closes", paris, at("Europe/Paris", "2025-01-11 02:00"), false},
		{"overnight: Friday 21:59", paris, at("Europe/Paris", "2025-01-10 21:59"), false},
		{"holiday: the Friday night is closed", paris, at("Europe/Paris", "2025-05-02 23:00"), false},
		{"holiday: so is its morning after", paris, at("Europe/Paris", "2025-05-03 01:00"), false},
		{"the Friday after the holiday is open", paris, at("Europe/Paris", "2025-05-09 23:00"), true},
		// 30 March 2025, Paris: 02:00 becomes 03:00 (UTC 01:00). The range 01:00–04:00 is
		// three hours of wall clock, two of real time.
		{"spring DST: 01:30 local (00:30 UTC)", paris, utc("2025-03-30 00:30"), true},
		{"spring DST: 03:30 local (01:30 UTC)", paris, utc("2025-03-30 01:30"), true},
		{"spring DST: 04:00 local (02:00 UTC) closes", paris, utc("2025-03-30 02:00"), false},
		{"spring DST: 00:59 local (23:59 UTC the day before)", paris, utc("2025-03-29 23:59"), false},
		// 26 October 2025, Paris: 03:00 becomes 02:00 again (UTC 01:00). The range lasts
		// four hours of real time.
		{"autumn DST: first 02:30 (00:30 UTC)", paris, utc("2025-10-26 00:30"), true},
		{"autumn DST: second 02:30 (01:30 UTC)", paris, utc("2025-10-26 01:30"), true},
		{"autumn DST: 03:59 local (02:59 UTC)", paris, utc("2025-10-26 02:59"), true},
		{"autumn DST: 04:00 local (03:00 UTC) closes", paris, utc("2025-10-26 03:00"), false},
		{"end of day: 24:00", &parley.BusinessHours{Enabled: true, TimeZone: "Asia/Tokyo",
			Week: []parley.OpeningRange{{Day: 3, From: "20:00", To: "24:00"}}}, at("Asia/Tokyo", "2025-01-08 23:59"), true},
		{"end of day: 24:00 is Thursday 00:00, closed", &parley.BusinessHours{Enabled: true, TimeZone: "Asia/Tokyo",
			Week: []parley.OpeningRange{{Day: 3, From: "20:00", To: "24:00"}}}, at("Asia/Tokyo", "2025-01-09 00:00"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.OpenAt(tc.t); got != tc.want {
				t.Errorf("OpenAt(%s) = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
}
