//go:build !unix

package sqlite_test

// cpuMicros is unknown here: benchmarks report no CPU time.
func cpuMicros() int64 { return 0 }
