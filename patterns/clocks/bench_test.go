package clocks

import (
	"strconv"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkLamport and BenchmarkHybrid: three servers, a client write
// every millisecond (alice and bob in turn, on each server in turn, over
// eight keys), each write copied to the two other servers and
// acknowledged. One op is one engine event. "oracle" runs the page as it
// is, with the engine's happens-before oracle and the checks that read
// it; "no-oracle" turns the oracle off, which leaves those checks nothing
// to judge: the difference is the price of judging every stamp.
func BenchmarkLamport(b *testing.B) { benchClocks(b, LamportClock()) }
func BenchmarkHybrid(b *testing.B)  { benchClocks(b, HybridClock()) }

func benchClocks(b *testing.B, c *kit.Cluster) {
	for _, oracle := range []bool{true, false} {
		name := "oracle"
		if !oracle {
			name = "no-oracle"
		}
		b.Run(name, func(b *testing.B) {
			events := 0
			b.ReportAllocs()
			cpu0 := kittest.CPUTime()
			for events < b.N {
				cfg, err := c.Config(3, 1)
				if err != nil {
					b.Fatal(err)
				}
				m := c.Model(cfg)
				m.Causal = oracle
				s, err := engine.New(cfg, m)
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; i < 2000 && events < b.N; i++ {
					args := map[string]string{"key": "k" + strconv.Itoa(i%8), "value": strconv.Itoa(i), "node": serverNames[i%3]}
					if err := s.Apply(engine.Command{Kind: engine.CmdClient, Node: c.Clients[i%2], Name: opWrite, Args: args}); err != nil {
						b.Fatal(err)
					}
					events += s.RunFor(time.Millisecond, b.N-events)
				}
				if len(s.Violations()) > 0 {
					b.Fatalf("a violation: %v", s.Violations()[0])
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(b.N)/(kittest.CPUTime()-cpu0), "events/cpu-s")
		})
	}
}
