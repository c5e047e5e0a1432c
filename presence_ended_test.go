package parley_test

import (
	"testing"
	"time"
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
