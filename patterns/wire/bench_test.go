package wire

import (
	"math/rand/v2"
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
	s := kittest.Sim(b, c, 0, 1, nil)
	cfg := s.Config()
	r := rand.New(rand.NewPCG(1, 1))
	next := s.Now()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := kittest.CPUTime()
	for range b.N {
		if s.Now() >= next {
			next = s.Now() + workloadEvery
			if err := s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients)); err != nil {
				b.Fatal(err)
			}
		}
		s.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/(kittest.CPUTime()-cpu0), "events/cpu-s")
	if v := s.Violations(); len(v) > 0 {
		b.Fatalf("the load broke %s at step %d: %s", v[0].Invariant, v[0].Step, v[0].Text)
	}
}
