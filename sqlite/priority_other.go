//go:build !linux

package sqlite

// lowerThreadPriority does nothing where a priority is the whole process's.
func lowerThreadPriority() {}
