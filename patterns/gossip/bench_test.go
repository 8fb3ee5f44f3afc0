package gossip

import (
	"strconv"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkGossip: 20 and 200 peers gossiping at the page's settings
// (every 200 ms, fanout 1), a rumour started every 2,000 events, with the
// checker (stamps and spread record) judging every step. A fresh run
// every 200,000 events keeps the trace from growing with b.N. One op is
// one engine event.
func BenchmarkGossip(b *testing.B) {
	for _, n := range []int{20, 200} {
		b.Run(strconv.Itoa(n)+"-nodes", func(b *testing.B) {
			c := GossipDissemination()
			var spares engine.Spares
			b.ReportAllocs()
			cpu0 := kittest.CPUTime()
			events := 0
			for events < b.N {
				cfg, err := c.Config(n, 1)
				if err != nil {
					b.Fatal(err)
				}
				s, err := spares.New(cfg, c.Model(cfg))
				if err != nil {
					b.Fatal(err)
				}
				for k := 0; k < 200_000 && events < b.N; k++ {
					if k%2000 == 1999 {
						node := cfg.Nodes[(k/2000)%n]
						if err := s.Apply(engine.Command{Kind: engine.CmdAction, Node: node, Name: actRumour, Args: map[string]string{"value": "r" + strconv.Itoa(k)}}); err != nil {
							b.Fatal(err)
						}
					}
					s.Step()
					events++
				}
				if v := s.Violations(); len(v) > 0 {
					b.Fatalf("broke %s at step %d: %s", v[0].Invariant, v[0].Step, v[0].Text)
				}
				spares.Reclaim(s)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.N)/(kittest.CPUTime()-cpu0), "events/cpu-s")
		})
	}
}
