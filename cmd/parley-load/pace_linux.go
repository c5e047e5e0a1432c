package main

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

const (
	haveTimerfd  = true
	defaultPacer = "timerfd"
)

// timerfdPacer arms a Linux timerfd at each deadline (absolute, on the monotonic clock)
// and reads it through Go's network poller: the kernel's high-resolution timer wakes the
// scheduler within microseconds, with no spinning, and the goroutine parks (rather than
// blocking a thread) until then.
type timerfdPacer struct {
	f     *os.File
	fd    int
	start int64 // the pacer's start on CLOCK_MONOTONIC, ns
	buf   [8]byte
}

func newTimerfdPacer(start time.Time) (pacer, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timerfd_create: %w", err)
	}
	// Go's monotonic clock is CLOCK_MONOTONIC too: start on it is now minus the time
	// since start. The time since start is read first, so that start errs late (by the
	// time between the two reads) and a deadline never early.
	elapsed := time.Since(start)
	var now unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &now); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("clock_gettime: %w", err)
	}
	return &timerfdPacer{
		f:     os.NewFile(uintptr(fd), "timerfd"), // non-blocking: registered with the poller
		fd:    fd,
		start: now.Nano() - int64(elapsed),
	}, nil
}

func (p *timerfdPacer) WaitUntil(d time.Duration) error {
	ts := unix.NsecToTimespec(p.start + int64(d))
	if ts.Sec == 0 && ts.Nsec == 0 {
		ts.Nsec = 1 // zero would disarm the timer
	}
	if err := unix.TimerfdSettime(p.fd, unix.TFD_TIMER_ABSTIME, &unix.ItimerSpec{Value: ts}, nil); err != nil {
		return fmt.Errorf("timerfd_settime: %w", err)
	}
	// A deadline already passed expires at once.
	_, err := p.f.Read(p.buf[:])
	return err
}

func (p *timerfdPacer) Close() error { return p.f.Close() }
