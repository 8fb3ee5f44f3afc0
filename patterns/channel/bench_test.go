package channel

import (
	"math/rand/v2"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkSingleSocketChannel: the channel page at its default size, a
// sweep operation (mostly writes, some reads at a follower) every 1 ms of
// virtual time, every invariant on. One op is one engine event.
func BenchmarkSingleSocketChannel(b *testing.B) {
	c := SingleSocketChannel()
	r := rand.New(rand.NewPCG(1, 1))
	kittest.ClientLoad(b, c, 0, nil, func(_ int, cfg engine.Config) engine.Command {
		return c.Workload(r, cfg.Nodes, cfg.Clients)
	})
}
