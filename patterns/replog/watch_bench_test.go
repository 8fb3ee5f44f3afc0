package replog

import (
	"testing"
	"time"

	"clusterscope/patterns/kit/kittest"
)

// BenchmarkStateWatch: one long run of the page (3 core nodes, delphi
// watching /servers/, 2 data nodes keeping leases alive) under its sweep
// workload (alice adding and removing entries), a command every 5 ms, the
// checker following every event.
func BenchmarkStateWatch(b *testing.B) {
	c := StateWatch()
	kittest.WorkloadLoad(b, c, kittest.Sim(b, c, 0, 1, nil), 5*time.Millisecond)
}
