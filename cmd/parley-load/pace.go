package main

import (
	"runtime"
	"time"
)

// A pacer wakes the scheduler up when the next message is due. time.Sleep is not one: on
// Linux it wakes up to a millisecond late, which would swamp sub-millisecond latencies
// with the tool's own error.
type pacer interface {
	// WaitUntil returns once d has passed since the pacer's start (at once if it has).
	WaitUntil(d time.Duration) error
	Close() error
}

// newPacer returns a pacer of kind started at start, for deadlines that mostly come period
// apart (the run's interval rounded up; 0 when they do not).
func newPacer(kind string, start time.Time, period time.Duration) (pacer, error) {
	if kind == "timerfd" {
		return newTimerfdPacer(start, period)
	}
	return &spinPacer{start: start}, nil
}

// spinPacer sleeps until about a millisecond before the deadline, then yields in a loop
// until it is reached: precise, but it keeps a core busy at high rates (which makes the
// tool's own CPU figure meaningless), so timerfd is the default on Linux.
type spinPacer struct {
	start time.Time
}

func (p *spinPacer) WaitUntil(d time.Duration) error {
	deadline := p.start.Add(d)
	if left := time.Until(deadline); left > 1500*time.Microsecond {
		time.Sleep(left - time.Millisecond)
	}
	for time.Now().Before(deadline) {
		runtime.Gosched()
	}
	return nil
}

func (p *spinPacer) Close() error { return nil }
