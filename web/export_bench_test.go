package web

import (
	"io"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
)

// BenchmarkTraceExport writes the trace of a long run: whole (the document
// marshalled at once, as before) against streamed (one event at a time).
// B/op is the memory one download costs the server.
func BenchmarkTraceExport(b *testing.B) {
	p, ok := patterns.ByID("leader-and-followers")
	if !ok {
		b.Skip("no leader-and-followers")
	}
	cfg, err := p.Config(3, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	sim, err := engine.New(cfg, p.Cluster.Model(cfg))
	if err != nil {
		b.Fatal(err)
	}
	for sim.StepCount() < 100_000 {
		sim.RunFor(time.Minute, 100_000-sim.StepCount())
	}
	doc := newTraceDoc(p, sim, 0)
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			io.Discard.Write(marshalIndent(doc))
		}
	})
	b.Run("streamed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := writeTraceDoc(io.Discard, doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
