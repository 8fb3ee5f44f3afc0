package kittest

import (
	"math/rand/v2"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// loadRun is how many client commands one benchmark run lasts: a fresh run
// every loadRun keeps the append-only trace from growing with b.N.
const loadRun = 2000

// ClientLoad benchmarks a page under client load, one op being one engine
// event: fresh runs of the page at size nodes, seed 1, each fed a client
// command every millisecond of virtual time (op makes the i-th one of a
// run), until b.N events have run. tune, when not nil, adjusts the model
// (the clock pages turn the happens-before oracle off to price it). A
// violation fails the benchmark: the load is for correct variants. It
// reports events/s and events per CPU second.
func ClientLoad(b *testing.B, c *kit.Cluster, size int, tune func(*engine.Model), op func(i int, cfg engine.Config) engine.Command) {
	b.Helper()
	events := 0
	// Each run takes the memory of the run before it, as a seed sweep
	// can: what is priced is the events, not allocating a trace per run.
	var spares engine.Spares
	b.ReportAllocs()
	cpu0 := CPUTime()
	for events < b.N {
		cfg, err := c.Config(size, 1)
		if err != nil {
			b.Fatal(err)
		}
		m := c.Model(cfg)
		if tune != nil {
			tune(&m)
		}
		s, err := spares.New(cfg, m)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < loadRun && events < b.N; i++ {
			if err := s.Apply(op(i, cfg)); err != nil {
				b.Fatal(err)
			}
			events += s.RunFor(time.Millisecond, b.N-events)
		}
		if v := s.Violations(); len(v) > 0 {
			b.Fatalf("the load broke %s at step %d: %s", v[0].Invariant, v[0].Step, v[0].Text)
		}
		spares.Reclaim(s)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/(CPUTime()-cpu0), "events/cpu-s")
}

// WorkloadLoad benchmarks one long run, s of page c, under the page's own
// sweep workload: a command every `every` of virtual time, until b.N
// events have run (one op is one engine event). A command the run refuses
// or a violation fails the benchmark: the load is for correct variants.
// It reports events/s and events per CPU second.
func WorkloadLoad(b *testing.B, c *kit.Cluster, s *engine.Sim, every time.Duration) {
	b.Helper()
	cfg := s.Config()
	r := rand.New(rand.NewPCG(1, 1))
	next := s.Now()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := CPUTime()
	for range b.N {
		if s.Now() >= next {
			next = s.Now() + every
			if err := s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients)); err != nil {
				b.Fatal(err)
			}
		}
		s.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/(CPUTime()-cpu0), "events/cpu-s")
	if v := s.Violations(); len(v) > 0 {
		b.Fatalf("the load broke %s at step %d: %s", v[0].Invariant, v[0].Step, v[0].Text)
	}
}
