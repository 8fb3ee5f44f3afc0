package wire

import (
	"testing"
	"time"

	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkRequestPipeline measures simulated events per second for the
// Request Pipeline page (every invariant on, trace recorded) under its
// own offered load (100 writes a second) and a sweep operation, mostly a
// burst, every 40 ms of virtual time: about 180 requests a second, which
// the window keeps flowing (a command every millisecond would only grow
// alice's outbox without end). One op is one engine event.
func BenchmarkRequestPipeline(b *testing.B) { benchWire(b, RequestPipeline()) }

// BenchmarkRequestBatch: alice and bob batch their requests to athens,
// under the same load.
func BenchmarkRequestBatch(b *testing.B) { benchWire(b, RequestBatch()) }

// workloadEvery is the virtual time between two sweep operations.
const workloadEvery = 40 * time.Millisecond

func benchWire(b *testing.B, c *kit.Cluster) {
	kittest.WorkloadLoad(b, c, kittest.Sim(b, c, 0, 1, nil), workloadEvery)
}
