package paxos

import (
	"strconv"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkPaxos: a proposal every 1 ms, each for a new key, alternating
// alice→athens and bob→byzantium, with 3 and 5 acceptors. One op is one
// engine event.
func BenchmarkPaxos(b *testing.B) {
	for _, acceptors := range []int{3, 5} {
		b.Run(strconv.Itoa(acceptors)+"-acceptors", func(b *testing.B) {
			c := Paxos()
			events := 0
			b.ReportAllocs()
			cpu0 := kittest.CPUTime()
			for events < b.N {
				cfg, err := c.Config(acceptors, 1)
				if err != nil {
					b.Fatal(err)
				}
				s, err := engine.New(cfg, c.Model(cfg))
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; i < 2000 && events < b.N; i++ {
					client, proposer := "alice", "athens"
					if i%2 == 1 {
						client, proposer = "bob", "byzantium"
					}
					if err := s.Apply(engine.Command{Kind: engine.CmdClient, Node: client, Name: opPropose,
						Args: map[string]string{"key": "k" + strconv.Itoa(i/2), "value": strconv.Itoa(i), "node": proposer}}); err != nil {
						b.Fatal(err)
					}
					events += s.RunFor(time.Millisecond, b.N-events)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.N)/(kittest.CPUTime()-cpu0), "events/cpu-s")
		})
	}
}
