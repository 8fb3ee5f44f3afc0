package vvector

import (
	"strconv"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkVersionVector: three replicas, a client operation every 1 ms
// (alice and bob in turn, adds and gets of 64 keys, so carts stay a few dozen items through each server in
// turn), anti-entropy on. One op is one engine event.
func BenchmarkVersionVector(b *testing.B) {
	c := VersionVector()
	events := 0
	b.ReportAllocs()
	cpu0 := kittest.CPUTime()
	for events < b.N {
		cfg, err := c.Config(3, 1)
		if err != nil {
			b.Fatal(err)
		}
		s, err := engine.New(cfg, c.Model(cfg))
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 2000 && events < b.N; i++ {
			cmd := engine.Command{Kind: engine.CmdClient, Node: c.Clients[i%2], Name: opGet,
				Args: map[string]string{"key": "k" + strconv.Itoa(i%64), "node": cfg.Nodes[i%3]}}
			if i%4 < 2 {
				cmd.Name, cmd.Args["item"] = opAdd, "i"+strconv.Itoa(i)
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
