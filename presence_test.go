package parley_test

import (
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parleychat/parley"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

// newTestPresence returns a Presence created at t0 on a fake clock.
func newTestPresence(tb testing.TB, timeout time.Duration) (*parley.MemoryPresence, *fakeClock) {
	tb.Helper()
	clock := &fakeClock{now: t0}
	return parley.NewPresence(timeout, clock.Now), clock
}

type presenceAction int

const (
	wait presenceAction = iota // only let time pass
	connect
	disconnect
	activity
)

func (a presenceAction) String() string {
	return [...]string{"wait", "connect", "disconnect", "activity"}[a]
}

// presenceStep lets time pass, does one thing for the operator, then checks what the
// Presence says about them.
type presenceStep struct {
	after          time.Duration
	do             presenceAction
	wantCameOnline bool // checked for connect and activity
	wantAvailable  bool
	wantStatus     parley.Status // not checked when ""
	wantIdle       bool
}

func TestPresence(t *testing.T) {
	const op = 42
	const timeout = parley.DefaultInactivityTimeout
	tests := []struct {
		name    string
		timeout time.Duration
		steps   []presenceStep
	}{
		{
			name:    "offline before connecting",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: wait, wantStatus: parley.StatusOffline},
				{after: 10 * time.Minute, do: wait, wantStatus: parley.StatusOffline},
			},
		},
		{
			name:    "never seen is idle once the timeout has passed since the Presence was made",
			timeout: timeout,
			steps: []presenceStep{
				{after: 30 * time.Minute, do: wait, wantStatus: parley.StatusOffline, wantIdle: false},
				{after: time.Nanosecond, do: wait, wantStatus: parley.StatusOffline, wantIdle: true},
			},
		},
		{
			name:    "online after connect",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
			},
		},
		{
			name:    "available within the timeout, idle only after more than the timeout",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 29 * time.Minute, do: wait, wantAvailable: true, wantStatus: parley.StatusAway},
				{after: time.Minute, do: wait, wantAvailable: true, wantStatus: parley.StatusAway, wantIdle: false},
				{after: time.Nanosecond, do: wait, wantAvailable: false, wantIdle: true},
			},
		},
		{
			name:    "activity resets the idle time",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 25 * time.Minute, do: activity, wantCameOnline: false, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 25 * time.Minute, do: wait, wantAvailable: true, wantStatus: parley.StatusAway},
				{after: 5 * time.Minute, do: wait, wantAvailable: true, wantIdle: false},
				{after: time.Nanosecond, do: wait, wantAvailable: false, wantIdle: true},
				{after: time.Minute, do: activity, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
			},
		},
		{
			name:    "after the last console closes: available during the grace, then not",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 10 * time.Second, do: disconnect, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 59 * time.Second, do: wait, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: time.Second, do: wait, wantAvailable: false, wantStatus: parley.StatusOffline},
				{after: 29 * time.Minute, do: wait, wantAvailable: false, wantStatus: parley.StatusOffline, wantIdle: true},
			},
		},
		{
			name:    "reload within the grace is not coming online",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: time.Minute, do: disconnect, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 2 * time.Second, do: connect, wantCameOnline: false, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 5 * time.Minute, do: wait, wantAvailable: true, wantStatus: parley.StatusOnline},
			},
		},
		{
			name:    "connecting after the grace is coming online",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 0, do: disconnect, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: time.Minute, do: wait, wantAvailable: false, wantStatus: parley.StatusOffline},
				{after: time.Hour, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
			},
		},
		{
			name:    "two consoles: closing one keeps the operator connected",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: time.Second, do: connect, wantCameOnline: false, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: time.Second, do: disconnect, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 10 * time.Minute, do: wait, wantAvailable: true, wantStatus: parley.StatusAway},
				{after: 0, do: activity, wantCameOnline: false, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 0, do: disconnect, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: time.Minute, do: wait, wantAvailable: false, wantStatus: parley.StatusOffline},
			},
		},
		{
			name:    "status: online, away after Away without activity, online again, offline after closing",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 5 * time.Minute, do: wait, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: time.Nanosecond, do: wait, wantAvailable: true, wantStatus: parley.StatusAway},
				{after: 0, do: activity, wantCameOnline: false, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 0, do: disconnect, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: time.Minute, do: wait, wantAvailable: false, wantStatus: parley.StatusOffline},
			},
		},
		{
			name:    "short timeout: Away is half the timeout",
			timeout: 4 * time.Minute,
			steps: []presenceStep{
				{after: 0, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 2 * time.Minute, do: wait, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: time.Nanosecond, do: wait, wantAvailable: true, wantStatus: parley.StatusAway},
				{after: 2 * time.Minute, do: wait, wantAvailable: false, wantIdle: true},
			},
		},
		{
			name:    "activity without an open console does not bring the operator online",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: activity, wantCameOnline: false, wantAvailable: false, wantStatus: parley.StatusOffline},
				{after: time.Second, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
			},
		},
		{
			name:    "activity during the grace is not coming online",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 0, do: disconnect, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 30 * time.Second, do: activity, wantCameOnline: false, wantAvailable: true, wantStatus: parley.StatusOnline},
			},
		},
		{
			name:    "disconnect without a console does not make the operator available",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: disconnect, wantAvailable: false, wantStatus: parley.StatusOffline},
			},
		},
		{
			name:    "a second disconnect does not extend the grace",
			timeout: timeout,
			steps: []presenceStep{
				{after: 0, do: connect, wantCameOnline: true, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 0, do: disconnect, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 50 * time.Second, do: disconnect, wantAvailable: true, wantStatus: parley.StatusOnline},
				{after: 10 * time.Second, do: wait, wantAvailable: false, wantStatus: parley.StatusOffline},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, clock := newTestPresence(t, tc.timeout)
			var elapsed time.Duration
			for i, st := range tc.steps {
				clock.Advance(st.after)
				elapsed += st.after
				var cameOnline bool
				switch st.do {
				case connect:
					cameOnline = p.Connect(op)
				case disconnect:
					p.Disconnect(op)
				case activity:
					cameOnline = p.Activity(op)
				}
				at := func() string { return fmt.Sprintf("step %d (%v at +%v)", i, st.do, elapsed) }
				if (st.do == connect || st.do == activity) && cameOnline != st.wantCameOnline {
					t.Errorf("%s: cameOnline = %v, want %v", at(), cameOnline, st.wantCameOnline)
				}
				if got := p.Available(op); got != st.wantAvailable {
					t.Errorf("%s: Available = %v, want %v", at(), got, st.wantAvailable)
				}
				if got := p.Status(op); st.wantStatus != "" && got != st.wantStatus {
					t.Errorf("%s: Status = %q, want %q", at(), got, st.wantStatus)
				}
				if got := p.Idle(op); got != st.wantIdle {
					t.Errorf("%s: Idle = %v, want %v", at(), got, st.wantIdle)
				}
				if got, want := slices.Contains(p.Online(), op), st.wantAvailable; got != want {
					t.Errorf("%s: Online() lists the operator = %v, want %v", at(), got, want)
				}
			}
		})
	}
}

func TestNewPresenceDefaults(t *testing.T) {
	tests := []struct {
		name     string
		timeout  time.Duration
		wantAway time.Duration
	}{
		{"thirty minutes", 30 * time.Minute, 5 * time.Minute},
		{"ten minutes", 10 * time.Minute, 5 * time.Minute},
		{"four minutes", 4 * time.Minute, 2 * time.Minute},
		{"one minute", time.Minute, 30 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := newTestPresence(t, tc.timeout)
			if p.Timeout != tc.timeout {
				t.Errorf("Timeout = %v, want %v", p.Timeout, tc.timeout)
			}
			if p.Away != tc.wantAway {
				t.Errorf("Away = %v, want %v", p.Away, tc.wantAway)
			}
			if p.Grace != time.Minute {
				t.Errorf("Grace = %v, want 1m", p.Grace)
			}
		})
	}
}

func TestPresenceOnline(t *testing.T) {
	p, clock := newTestPresence(t, parley.DefaultInactivityTimeout)
	if got := p.Online(); len(got) != 0 {
		t.Fatalf("Online() of a new Presence = %v, want none", got)
	}

	p.Connect(1) // stays connected and active
	p.Connect(2) // closes the console: gone after the grace
	p.Connect(3) // stays connected but goes idle
	p.Connect(4) // two consoles, closes one
	p.Connect(4)
	p.Activity(5) // activity without a console: never online
	clock.Advance(10 * time.Minute)
	p.Disconnect(2)
	p.Disconnect(4)
	p.Activity(1)
	p.Activity(4)

	steps := []struct {
		name  string
		after time.Duration
		want  []int64
	}{
		{"right after the changes", 0, []int64{1, 2, 3, 4}},
		{"after the grace", time.Minute, []int64{1, 3, 4}},
		{"after operator 3's timeout", 20*time.Minute + time.Nanosecond, []int64{1, 4}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock.Advance(st.after)
			got := p.Online()
			slices.Sort(got)
			if !slices.Equal(got, st.want) {
				t.Errorf("Online() = %v, want %v", got, st.want)
			}
		})
	}
}

// TestPresenceThirtyMinuteRule runs the thirty-minute rule in fake time: a sweeper checks
// every minute, as the server does, and removes the idle operator from their channels.
func TestPresenceThirtyMinuteRule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const op = 7
		start := time.Now()
		p := parley.NewPresence(parley.DefaultInactivityTimeout, time.Now)

		removed := make(chan time.Duration, 1)
		done := make(chan struct{})
		go func() {
			tick := time.NewTicker(time.Minute)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
					if p.Idle(op) {
						removed <- time.Since(start)
						return
					}
				}
			}
		}()

		p.Connect(op)
		time.Sleep(20 * time.Minute)
		p.Activity(op) // the console reports activity: the thirty minutes start again
		time.Sleep(30 * time.Minute)
		synctest.Wait()
		if !p.Available(op) || p.Idle(op) {
			t.Fatalf("exactly thirty minutes after the last activity: Available = %v, Idle = %v; want true, false",
				p.Available(op), p.Idle(op))
		}
		select {
		case at := <-removed:
			t.Fatalf("operator removed at +%v, before the thirty minutes had passed", at)
		default:
		}

		time.Sleep(time.Minute)
		synctest.Wait()
		if p.Available(op) || !p.Idle(op) {
			t.Fatalf("thirty-one minutes after the last activity: Available = %v, Idle = %v; want false, true",
				p.Available(op), p.Idle(op))
		}
		select {
		case at := <-removed:
			if want := 51 * time.Minute; at != want {
				t.Errorf("operator removed at +%v, want +%v", at, want)
			}
		default:
			t.Error("sweeper did not remove the idle operator")
		}
		close(done)
	})
}
