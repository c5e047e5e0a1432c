//go:build unix

package sqlite_test

import "syscall"

// cpuMicros is the CPU time the process has used, user and system, in microseconds: a
// benchmark's figure that other work on a shared machine does not inflate.
func cpuMicros() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano()/1000 + ru.Stime.Nano()/1000
}
