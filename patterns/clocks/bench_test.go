package clocks

import (
	"strconv"
	"testing"

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
			kittest.ClientLoad(b, c, 3, func(m *engine.Model) { m.Causal = oracle }, func(i int, _ engine.Config) engine.Command {
				args := map[string]string{"key": "k" + strconv.Itoa(i%8), "value": strconv.Itoa(i), "node": serverNames[i%3]}
				return engine.Command{Kind: engine.CmdClient, Node: c.Clients[i%2], Name: opWrite, Args: args}
			})
		})
	}
}
