package emergent

import (
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkEmergentLeader: five peers heartbeating every 50 ms, the
// coordinator athens crashing and restarting every 2000 events so that
// coordinators change and partitions move under the load. One op is one
// engine event; it reports events/s of wall-clock and of CPU time.
func BenchmarkEmergentLeader(b *testing.B) {
	s := kittest.Sim(b, EmergentLeader(), 5, 1, nil)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := kittest.CPUTime()
	for i := range b.N {
		switch i % 4000 {
		case 1000:
			if err := s.Apply(engine.Command{Kind: engine.CmdCrash, Node: "athens"}); err != nil {
				b.Fatal(err)
			}
		case 3000:
			if err := s.Apply(engine.Command{Kind: engine.CmdRestart, Node: "athens"}); err != nil {
				b.Fatal(err)
			}
		}
		s.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/(kittest.CPUTime()-cpu0), "events/cpu-s")
	if v := s.Violations(); len(v) > 0 {
		b.Fatalf("broke %s at step %d: %s", v[0].Invariant, v[0].Step, v[0].Text)
	}
}
