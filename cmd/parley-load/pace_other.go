//go:build !linux

package main

import (
	"errors"
	"time"
)

const (
	haveTimerfd  = false
	defaultPacer = "spin"
)

func newTimerfdPacer(time.Time, time.Duration) (pacer, error) {
	return nil, errors.New("timerfd needs Linux")
}
