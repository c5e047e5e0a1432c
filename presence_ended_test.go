package parley_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley"
)

// A console closed because its session ended gets no grace: without another console
// the operator is unavailable at once; with one, they stay available. A console closed
// by a reload keeps its grace.
func TestPresenceEndedHasNoGrace(t *testing.T) {
	p, clock := newTestPresence(t, 30*time.Minute)
	p.Connect(1)
	p.Ended(1)
	if p.Available(1) {
		t.Fatal("available after the only console's session ended")
	}

	p.Connect(2)
	p.Connect(2)
	p.Ended(2)
	if !p.Available(2) {
		t.Fatal("unavailable while another console is open")
	}
	p.Disconnect(2)
	clock.Advance(time.Second)
	if !p.Available(2) {
		t.Fatal("unavailable during a reload's grace")
	}
	p.Ended(2) // nothing left open: changes nothing
	if !p.Available(2) {
		t.Fatal("an end with no console open took the grace away")
	}
}

// The rules over a state merged from several servers: a console closed because its
// session ended takes away the grace of a console closed earlier elsewhere, not of one
// closed later.
func TestPresenceRulesEndedAfterAClose(t *testing.T) {
	rules := parley.NewPresenceRules(30 * time.Minute)
	now := t0.Add(time.Hour)
	tests := []struct {
		name  string
		state parley.PresenceState
		want  bool
	}{
		{"closed within the grace", parley.PresenceState{LastActivity: now, ClosedAt: now.Add(-time.Second)}, true},
		{"closed, then a session ended", parley.PresenceState{LastActivity: now, ClosedAt: now.Add(-2 * time.Second), EndedAt: now.Add(-time.Second)}, false},
		{"a session ended, then closed", parley.PresenceState{LastActivity: now, ClosedAt: now.Add(-time.Second), EndedAt: now.Add(-2 * time.Second)}, true},
		{"a console open after a session ended", parley.PresenceState{Consoles: 1, LastActivity: now, EndedAt: now}, true},
		{"closed longer than the grace ago", parley.PresenceState{LastActivity: now, ClosedAt: now.Add(-time.Minute)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rules.Available(tc.state, now); got != tc.want {
				t.Errorf("Available = %v, want %v", got, tc.want)
			}
		})
	}
}
