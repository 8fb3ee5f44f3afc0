package replog

import (
	"testing"
	"time"

	"clusterscope/patterns/kit/kittest"
)

// BenchmarkConsistentCore: one long run of the page (3 core nodes, 4 data
// nodes registering, keeping leases alive and reading /controller) under
// its sweep workload, a command every 5 ms.
func BenchmarkConsistentCore(b *testing.B) {
	c := ConsistentCore()
	kittest.WorkloadLoad(b, c, kittest.Sim(b, c, 0, 1, nil), 5*time.Millisecond)
}
