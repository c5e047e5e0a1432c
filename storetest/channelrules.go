package storetest

import (
	"reflect"
	"testing"

	"github.com/parleychat/parley"
)

// channelRulesTests are the contract of a channel's rules and hours (parley.ChannelRulesStore).
var channelRulesTests = []struct {
	name string
	fn   func(t *testing.T, s parley.Store)
}{
	{"ChannelRules", testChannelRules},
}

// testChannelRules: a channel starts with no rules and disabled hours; rules keep their
// order and fields, hours their zone, ranges and holidays; each setter leaves the other
// part be; another channel is untouched; an unknown channel is ENOTFOUND everywhere.
func testChannelRules(t *testing.T, s parley.Store) {
	ctx := t.Context()
	ch := mustChannel(t, s, "Website", 0)
	other := mustChannel(t, s, "Sales", 0)

	got, err := s.ChannelRules(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rules) != 0 || got.Rules == nil || got.Hours == nil || got.Hours.Enabled || !got.Hours.OpenAt(t0) {
		t.Fatalf("a new channel's rules = %+v, hours %+v; want none, and hours disabled", got.Rules, got.Hours)
	}

	rules := []parley.ChannelRule{
		{Pattern: "/pricing*", Action: parley.RuleAutoOpen, Delay: 5, Message: "Questions about prices?", Translations: map[string]string{"fr": "Des questions sur les prix ?"}},
		{Pattern: "https://shop.example.com/*", Action: parley.RuleHide},
		{Pattern: "*", Action: parley.RuleShow},
	}
	if err := s.SetChannelRules(ctx, ch.ID, rules); err != nil {
		t.Fatal(err)
	}
	hours := &parley.BusinessHours{Enabled: true, TimeZone: "Europe/Paris",
		Week:     []parley.OpeningRange{{Day: 1, From: "09:00", To: "17:00"}, {Day: 5, From: "22:00", To: "02:00"}},
		Holidays: []string{"2025-05-01", "2025-12-25"}}
	if err := s.SetChannelHours(ctx, ch.ID, hours); err != nil {
		t.Fatal(err)
	}
	got, err = s.ChannelRules(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Rules, rules) {
		t.Errorf("rules = %+v, want %+v", got.Rules, rules)
	}
	if !reflect.DeepEqual(got.Hours, hours) {
		t.Errorf("hours = %+v, want %+v", got.Hours, hours)
	}

	// Replacing the rules keeps the hours, and an empty list clears them.
	if err := s.SetChannelRules(ctx, ch.ID, []parley.ChannelRule{}); err != nil {
		t.Fatal(err)
	}
	got, err = s.ChannelRules(ctx, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rules) != 0 || !reflect.DeepEqual(got.Hours, hours) {
		t.Errorf("after clearing the rules: %+v, %+v; want no rules and the hours kept", got.Rules, got.Hours)
	}

	// The other channel has nothing.
	o, err := s.ChannelRules(ctx, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Rules) != 0 || o.Hours.Enabled {
		t.Errorf("another channel's rules = %+v, hours %+v; want none", o.Rules, o.Hours)
	}

	const unknown = 999_999
	if _, err := s.ChannelRules(ctx, unknown); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("ChannelRules(unknown) = %v, want ENOTFOUND", err)
	}
	if err := s.SetChannelRules(ctx, unknown, rules); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("SetChannelRules(unknown) = %v, want ENOTFOUND", err)
	}
	if err := s.SetChannelHours(ctx, unknown, hours); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("SetChannelHours(unknown) = %v, want ENOTFOUND", err)
	}
}
