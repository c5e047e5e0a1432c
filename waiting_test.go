package parley_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley"
)

func TestEstimateWait(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ago := func(d ...time.Duration) []time.Time {
		var list []time.Time
		for _, x := range d {
			list = append(list, now.Add(-x))
		}
		return list
	}
	tests := []struct {
		name       string
		place      int
		departures []time.Time
		want       time.Duration
		ok         bool
	}{
		{"no departure: no estimate", 1, nil, 0, false},
		{"no place: no estimate", 0, ago(time.Minute), 0, false},
		// Four left within the last 20 minutes: one every 5 minutes.
		{"first in line", 1, ago(2*time.Minute, 8*time.Minute, 14*time.Minute, 20*time.Minute), 5 * time.Minute, true},
		{"third in line", 3, ago(20*time.Minute, 2*time.Minute, 14*time.Minute, 8*time.Minute), 15 * time.Minute, true},
		// The time since the last departure counts: one 30 minutes ago is one in 30.
		{"a queue that stopped", 2, ago(30 * time.Minute), time.Hour, true},
		// Rounded up to the minute: 3 in 10 min is 3m20s a place.
		{"rounded up", 1, ago(time.Minute, 5*time.Minute, 10*time.Minute), 4 * time.Minute, true},
		// A burst within a minute is read over a minute at least.
		{"burst", 1, ago(time.Second, 2*time.Second, 3*time.Second), time.Minute, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parley.EstimateWait(tc.place, tc.departures, now)
			if got != tc.want || ok != tc.ok {
				t.Errorf("EstimateWait(%d) = %v, %v; want %v, %v", tc.place, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestWaitLimitsPassed(t *testing.T) {
	tests := []struct {
		name     string
		limits   parley.WaitLimits
		place    int
		estimate time.Duration
		known    bool
		waited   time.Duration
		want     bool
	}{
		{"no limits", parley.WaitLimits{}, 50, 5 * time.Hour, true, 5 * time.Hour, false},
		{"within the place", parley.WaitLimits{MaxPlace: 3}, 3, 0, false, 0, false},
		{"past the place", parley.WaitLimits{MaxPlace: 3}, 4, 0, false, 0, true},
		{"estimate within", parley.WaitLimits{MaxWaitMinutes: 10}, 1, 10 * time.Minute, true, time.Minute, false},
		{"estimate past", parley.WaitLimits{MaxWaitMinutes: 10}, 1, 11 * time.Minute, true, time.Minute, true},
		{"no estimate, waited within", parley.WaitLimits{MaxWaitMinutes: 10}, 1, 0, false, 9 * time.Minute, false},
		{"waited past", parley.WaitLimits{MaxWaitMinutes: 10}, 1, time.Minute, true, 11 * time.Minute, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.limits.Passed(tc.place, tc.estimate, tc.known, tc.waited); got != tc.want {
				t.Errorf("Passed = %v, want %v", got, tc.want)
			}
		})
	}
	for _, bad := range []parley.WaitLimits{{MaxWaitMinutes: -1}, {MaxPlace: -1}, {MaxWaitMinutes: 24*60 + 1}, {MaxPlace: 1001}} {
		if err := bad.Validate(); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("%+v: Validate() = %v, want EINVALID", bad, err)
		}
	}
	if err := (parley.WaitLimits{MaxWaitMinutes: 15, MaxPlace: 5}).Validate(); err != nil {
		t.Errorf("valid limits: %v", err)
	}
}

func TestMeasureWaitAccuracy(t *testing.T) {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	e := func(estimate, actual time.Duration) *parley.WaitEstimate {
		return &parley.WaitEstimate{Estimate: estimate, Estimated: true, QueuedAt: start, AssignedAt: start.Add(actual)}
	}
	list := []*parley.WaitEstimate{
		e(4*time.Minute, 4*time.Minute),                                         // error 0, within
		e(4*time.Minute, 6*time.Minute),                                         // error 2 min, within (50% of 4 is 2)
		e(2*time.Minute, 5*time.Minute),                                         // error 3 min, outside
		e(10*time.Minute, 2*time.Minute),                                        // error 8 min, outside
		{Estimated: false, QueuedAt: start, AssignedAt: start.Add(time.Minute)}, // no estimate given
		{Estimate: time.Minute, Estimated: true, QueuedAt: start},               // not assigned
	}
	var a parley.WaitAccuracy
	parley.MeasureWaitAccuracy(&a, list)
	if a.Count != 4 {
		t.Fatalf("count %d, want 4", a.Count)
	}
	check := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || *got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("median absolute error", a.MedianAbsoluteError, 150) // (2 + 3) / 2 minutes
	check("within half", a.WithinHalf, 0.5)
	check("median estimate", a.MedianEstimate, 240)
	check("median actual", a.MedianActual, 270) // (4 + 5) / 2 minutes
	var none parley.WaitAccuracy
	parley.MeasureWaitAccuracy(&none, nil)
	if none.Count != 0 || none.MedianAbsoluteError != nil || none.WithinHalf != nil {
		t.Errorf("no estimates: %+v", none)
	}
}
