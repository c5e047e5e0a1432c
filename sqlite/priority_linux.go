package sqlite

import "golang.org/x/sys/unix"

// lowerThreadPriority gives the calling thread the lowest scheduling priority (nice 19):
// on Linux a priority belongs to a thread, so the rest of the process keeps its own.
func lowerThreadPriority() {
	unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), 19)
}
