package parley

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Channel rules (the seed's "Channel Rules") tell the widget, per page, what to do with a
// channel's button; business hours tell when the channel takes chats at all.
//
// A rule's URL pattern is matched against the page's address, whole:
//   - "*" stands for any run of characters (slashes too); every other character is itself.
//   - A pattern that starts with "/" is matched against the page's path ("/pricing*"
//     matches /pricing, /pricing/team and /pricing-old); one that starts with "http://" or
//     "https://" against the scheme, host and path ("https://shop.example.com/*"). A lone "*"
//     matches every page.
//   - The query string counts only when the pattern has a "?" ("/search?q=*"); the part
//     after "#" never counts. Scheme and host are compared without case, the path with it,
//     decoded ("/café*" matches /caf%C3%A9).
//
// The rules of a channel are ordered: the first whose pattern matches decides; a page that
// no rule matches shows the button.

// The actions of a rule, labelled as in the seed's "Live Chat Button" column.
const (
	RuleShow     = "show"      // Show: the button, as without rules
	RuleAutoOpen = "auto_open" // Open automatically: the window opens after a delay, with an invitation
	RuleHide     = "hide"      // Hide: no button on the page
)

// Limits on rules and hours.
const (
	MaxChannelRules    = 100
	MaxRulePattern     = 500
	MaxAutoOpenSeconds = 3600
	MaxOpeningRanges   = 70
	MaxHolidays        = 400
)

// ChannelRule is one rule of a channel.
type ChannelRule struct {
	Pattern string `json:"pattern"`
	Action  string `json:"action"`
	// Delay is the seed's "Open automatically timer", in seconds (auto_open only).
	Delay int `json:"delay"`
	// Message is the invitation the widget shows when it opens by itself (auto_open
	// only), as from the team; Translations give it per language (canonical tags), the
	// one for the visitor's language taking its place.
	Message      string            `json:"message"`
	Translations map[string]string `json:"translations,omitempty"`
}

// OpeningRange is a weekly opening: on Day (0 Sunday … 6 Saturday), from From to To, both
// "HH:MM" wall-clock times in the channel's time zone. A To at or before From runs over
// midnight into the next day ("22:00" to "02:00"); "24:00" is the end of the day. A range
// belongs to the day it starts: a holiday closes the ranges that start on it.
type OpeningRange struct {
	Day  int    `json:"day"`
	From string `json:"from"`
	To   string `json:"to"`
}

// BusinessHours are a channel's opening hours. Disabled (the default), the channel is
// always open.
type BusinessHours struct {
	Enabled  bool           `json:"enabled"`
	TimeZone string         `json:"time_zone"` // IANA name
	Week     []OpeningRange `json:"week"`
	Holidays []string       `json:"holidays"` // YYYY-MM-DD, in the time zone: closed all day
}

// ChannelRules is what a channel keeps of rules and hours.
type ChannelRules struct {
	Rules []ChannelRule  `json:"rules"`
	Hours *BusinessHours `json:"hours"`
}

// ChannelRulesStore keeps each channel's rules and hours (channelrules.go in each store).
type ChannelRulesStore interface {
	// ChannelRules gives the channel's rules (none) and hours (disabled) when it has none
	// set; an unknown channel is ENOTFOUND.
	ChannelRules(ctx context.Context, channelID int64) (*ChannelRules, error)
	// SetChannelRules replaces the channel's ordered rules; SetChannelHours its hours.
	// An unknown channel is ENOTFOUND.
	SetChannelRules(ctx context.Context, channelID int64, rules []ChannelRule) error
	SetChannelHours(ctx context.Context, channelID int64, h *BusinessHours) error
}

// ValidateRulePattern checks a URL pattern's syntax.
func ValidateRulePattern(p string) error {
	if p == "" {
		return Errorf(EINVALID, "A rule needs a URL pattern: \"*\" for every page, \"/path*\" or \"https://host/path*\".")
	}
	if len(p) > MaxRulePattern {
		return Errorf(EINVALID, "A URL pattern has at most %d characters.", MaxRulePattern)
	}
	for _, r := range p {
		if r <= ' ' || r == 0x7f || r == '\\' {
			return Errorf(EINVALID, "URL pattern %q has a space, a backslash or a control character.", p)
		}
	}
	if strings.Contains(p, "#") {
		return Errorf(EINVALID, "URL pattern %q has a \"#\": the part after it never counts.", p)
	}
	if p == "*" || strings.HasPrefix(p, "/") {
		return nil
	}
	for _, scheme := range []string{"http://", "https://"} {
		if rest, ok := strings.CutPrefix(strings.ToLower(p), scheme); ok {
			host, _, _ := strings.Cut(rest, "/")
			host, _, _ = strings.Cut(host, "?")
			if host == "" {
				return Errorf(EINVALID, "URL pattern %q names no host.", p)
			}
			return nil
		}
	}
	return Errorf(EINVALID, "URL pattern %q must be \"*\", start with \"/\" (a path) or with \"http://\" or \"https://\".", p)
}

// MatchRulePattern tells whether the page's address matches the pattern (see above).
// An address that is not an absolute http(s) URL matches only "*".
func MatchRulePattern(pattern, pageURL string) bool {
	if pattern == "*" {
		return true
	}
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	path := u.Path // decoded: "/café*" matches /caf%C3%A9
	if path == "" {
		path = "/"
	}
	withQuery := strings.Contains(pattern, "?")
	var subject string
	if strings.HasPrefix(pattern, "/") {
		subject = path
	} else {
		subject = strings.ToLower(u.Scheme + "://" + u.Host)
		scheme, rest, _ := strings.Cut(pattern, "://")
		host, tail, slash := strings.Cut(rest, "/")
		pattern = strings.ToLower(scheme + "://" + host)
		if slash {
			pattern += "/" + tail
		}
		subject += path
	}
	if withQuery {
		subject += "?" + u.RawQuery
	}
	return globMatch(pattern, subject)
}

// globMatch matches s against p, where "*" is any run of bytes: the greedy algorithm that
// only ever goes back to the last star, so at worst len(p)×len(s) steps, never exponential.
func globMatch(p, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && p[pi] == s[si]:
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// CheckChannelRules validates rules and returns them trimmed, with canonical language tags.
// enabled tells which languages a translation may be in.
func CheckChannelRules(rules []ChannelRule, enabled map[string]bool) ([]ChannelRule, error) {
	if len(rules) > MaxChannelRules {
		return nil, Errorf(EINVALID, "A channel has at most %d rules.", MaxChannelRules)
	}
	out := make([]ChannelRule, 0, len(rules))
	for i, r := range rules {
		r.Pattern = strings.TrimSpace(r.Pattern)
		if err := ValidateRulePattern(r.Pattern); err != nil {
			return nil, Errorf(EINVALID, "Rule %d: %s", i+1, err.(*Error).Message)
		}
		r.Message = strings.TrimSpace(r.Message)
		switch r.Action {
		case RuleShow, RuleHide:
			r.Delay, r.Message, r.Translations = 0, "", nil
		case RuleAutoOpen:
			if r.Delay < 0 || r.Delay > MaxAutoOpenSeconds {
				return nil, Errorf(EINVALID, "Rule %d: the delay is between 0 and %d seconds.", i+1, MaxAutoOpenSeconds)
			}
			if err := ValidateText("Rule "+strconv.Itoa(i+1)+": the invitation message", r.Message, MaxTextLength, true); err != nil {
				return nil, err
			}
			var tr map[string]string
			for code, text := range r.Translations {
				canon, err := CanonicalLanguage(code)
				if err != nil {
					return nil, err
				}
				text = strings.TrimSpace(text)
				if text == "" {
					continue
				}
				if !enabled[canon] {
					return nil, Errorf(EINVALID, "Rule %d: language %q is not enabled on this installation.", i+1, code)
				}
				if err := ValidateText("Rule "+strconv.Itoa(i+1)+": the invitation message ("+canon+")", text, MaxTextLength, false); err != nil {
					return nil, err
				}
				if tr == nil {
					tr = map[string]string{}
				}
				tr[canon] = text
			}
			r.Translations = tr
		default:
			return nil, Errorf(EINVALID, "Rule %d: the action must be show, auto_open or hide.", i+1)
		}
		out = append(out, r)
	}
	return out, nil
}

// PageRule is the rule that applies to the page: the first that matches, or nil.
func PageRule(rules []ChannelRule, pageURL string) *ChannelRule {
	for i := range rules {
		if MatchRulePattern(rules[i].Pattern, pageURL) {
			return &rules[i]
		}
	}
	return nil
}

// parseClock reads "HH:MM" (00:00 to 24:00) as minutes since midnight.
func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// LoadTimeZone loads an IANA time zone by name, refusing what is not one.
func LoadTimeZone(name string) (*time.Location, error) {
	// time.LoadLocation also reads files: a name with a path in it is no time zone.
	if name == "" || len(name) > 64 || name == "Local" || strings.ContainsAny(name, `\.`) {
		return nil, Errorf(EINVALID, "Unknown time zone %q: give an IANA name such as Europe/Paris.", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, Errorf(EINVALID, "Unknown time zone %q: give an IANA name such as Europe/Paris.", name)
	}
	return loc, nil
}

// CheckBusinessHours validates hours and returns them normalized (holidays sorted, once).
func CheckBusinessHours(h *BusinessHours) (*BusinessHours, error) {
	if h == nil {
		return &BusinessHours{}, nil
	}
	out := &BusinessHours{Enabled: h.Enabled, TimeZone: strings.TrimSpace(h.TimeZone), Week: []OpeningRange{}, Holidays: []string{}}
	if out.TimeZone == "" && !out.Enabled {
		out.TimeZone = "UTC"
	}
	if _, err := LoadTimeZone(out.TimeZone); err != nil {
		return nil, err
	}
	if len(h.Week) > MaxOpeningRanges {
		return nil, Errorf(EINVALID, "At most %d opening ranges.", MaxOpeningRanges)
	}
	for _, r := range h.Week {
		if r.Day < 0 || r.Day > 6 {
			return nil, Errorf(EINVALID, "An opening's day is 0 (Sunday) to 6 (Saturday), not %d.", r.Day)
		}
		from, ok1 := parseClock(r.From)
		_, ok2 := parseClock(r.To)
		if !ok1 || !ok2 || from == 24*60 {
			return nil, Errorf(EINVALID, "Opening times are HH:MM, 00:00 to 24:00 (from before 24:00): got %q to %q.", r.From, r.To)
		}
		out.Week = append(out.Week, r)
	}
	if len(h.Holidays) > MaxHolidays {
		return nil, Errorf(EINVALID, "At most %d holidays.", MaxHolidays)
	}
	for _, d := range h.Holidays {
		d = strings.TrimSpace(d)
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return nil, Errorf(EINVALID, "A holiday is a date, YYYY-MM-DD: got %q.", d)
		}
		if !slices.Contains(out.Holidays, d) {
			out.Holidays = append(out.Holidays, d)
		}
	}
	slices.Sort(out.Holidays)
	if out.Enabled && len(out.Week) == 0 {
		return nil, Errorf(EINVALID, "Business hours need at least one opening range; disable them to stay always open.")
	}
	return out, nil
}

// OpenAt tells whether the channel is open at t: always when the hours are disabled or
// nil. Each range is laid on the calendar day it starts on, in the time zone, by wall
// clock: on the day the clocks go forward a time that does not exist is taken as the
// same number of minutes after midnight, and a range is as long in minutes of wall clock
// (an hour more or less of real time).
func (h *BusinessHours) OpenAt(t time.Time) bool {
	if h == nil || !h.Enabled {
		return true
	}
	loc, err := LoadTimeZone(h.TimeZone)
	if err != nil {
		return true // checked when stored; a zone removed since does not close the channel
	}
	local := t.In(loc)
	// Minutes of wall clock since the start of today; ranges starting yesterday may run
	// into today.
	now := local.Hour()*60 + local.Minute()
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	for _, back := range []int{0, 1} {
		day := today.AddDate(0, 0, -back)
		if slices.Contains(h.Holidays, day.Format(time.DateOnly)) {
			continue
		}
		at := now + back*24*60
		for _, r := range h.Week {
			if r.Day != int(day.Weekday()) {
				continue
			}
			from, _ := parseClock(r.From)
			to, _ := parseClock(r.To)
			if to <= from {
				to += 24 * 60 // over midnight
			}
			if at >= from && at < to {
				return true
			}
		}
	}
	return false
}

// DecodeChannelRules reads the JSON the stores keep (empty: none set).
func DecodeChannelRules(rules, hours string) (*ChannelRules, error) {
	out := &ChannelRules{Rules: []ChannelRule{}, Hours: &BusinessHours{TimeZone: "UTC", Week: []OpeningRange{}, Holidays: []string{}}}
	if rules != "" {
		if err := json.Unmarshal([]byte(rules), &out.Rules); err != nil {
			return nil, fmt.Errorf("decode channel rules: %w", err)
		}
	}
	if hours != "" && hours != "{}" {
		if err := json.Unmarshal([]byte(hours), out.Hours); err != nil {
			return nil, fmt.Errorf("decode business hours: %w", err)
		}
	}
	if out.Rules == nil {
		out.Rules = []ChannelRule{}
	}
	return out, nil
}
