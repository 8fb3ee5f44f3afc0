package kittest

import "syscall"

// CPUTime is the CPU time this process has used, user and system, in
// seconds. Benchmarks report events per CPU second beside events per
// second: on a shared machine wall time measures the queue for a core, CPU
// time the work. (It is not a clock a simulation may read: only benchmarks
// call it.)
func CPUTime() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
