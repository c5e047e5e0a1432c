//go:build unix

package main

import "syscall"

// openFileLimit is the soft limit on open files in effect: every connection is a file.
// Parley does not raise it itself: Go's syscall package raises the soft limit to the
// hard one (less one) when the process starts (go.dev/issue/46279, Go 1.19 and later).
func openFileLimit() (uint64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	return lim.Cur, true
}
