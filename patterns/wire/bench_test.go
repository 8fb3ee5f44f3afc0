package wire

import (
	"math/rand/v2"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkRequestPipeline: alice pipelines to athens under the page's
// own offered load plus a sweep operation (mostly bursts) every 1 ms of
// virtual time, every invariant on. One op is one engine event.
func BenchmarkRequestPipeline(b *testing.B) { benchWire(b, RequestPipeline()) }

// BenchmarkRequestBatch: alice and bob batch requests to athens, under the
// same load (bursts, single puts and gets).
func BenchmarkRequestBatch(b *testing.B) { benchWire(b, RequestBatch()) }

func benchWire(b *testing.B, c *kit.Cluster) {
	r := rand.New(rand.NewPCG(1, 1))
	kittest.ClientLoad(b, c, 0, nil, func(_ int, cfg engine.Config) engine.Command {
		return c.Workload(r, cfg.Nodes, cfg.Clients)
	})
}
