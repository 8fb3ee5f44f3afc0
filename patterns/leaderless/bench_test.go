package leaderless

import (
	"strconv"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkQuorumKV: five replicas, N=3 (W=R=2, read repair on), a client
// operation every 1 ms (alice and bob in turn, a set then a get, eight
// keys, each through a different coordinator). One op is one engine event.
func BenchmarkQuorumKV(b *testing.B) {
	c := QuorumKV()
	events := 0
	b.ReportAllocs()
	cpu0 := kittest.CPUTime()
	for events < b.N {
		cfg, err := c.Config(5, 1)
		if err != nil {
			b.Fatal(err)
		}
		s, err := engine.New(cfg, c.Model(cfg))
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 2000 && events < b.N; i++ {
			cmd := engine.Command{Kind: engine.CmdClient, Node: c.Clients[i%2], Name: opGet,
				Args: map[string]string{"key": "k" + strconv.Itoa(i%8), "node": cfg.Nodes[i%5]}}
			if i%4 < 2 {
				cmd.Name, cmd.Args["value"] = opSet, strconv.Itoa(i)
			}
			if err := s.Apply(cmd); err != nil {
				b.Fatal(err)
			}
			events += s.RunFor(time.Millisecond, b.N-events)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/(kittest.CPUTime()-cpu0), "events/cpu-s")
}
