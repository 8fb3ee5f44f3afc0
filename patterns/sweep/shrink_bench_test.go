package sweep_test

import (
	"testing"

	"clusterscope/patterns"
	"clusterscope/patterns/sweep"
)

// BenchmarkFindAndShrink is "find me a failure" for every broken variant of
// the live patterns: seeds swept until one breaks, then the schedule shrunk.
// ns/op is the whole search; the metrics say how far the schedule shrank.
// The goal (issue 20): each within 10 s on 2 cores.
func BenchmarkFindAndShrink(b *testing.B) {
	for _, p := range patterns.Live() {
		for _, v := range p.Cluster.Variants {
			b.Run(p.ID+"/"+v.Name, func(b *testing.B) {
				var original, shrunk, seeds int
				for b.Loop() {
					cfg, err := p.Config(0, 1, []string{v.Name})
					if err != nil {
						b.Fatal(err)
					}
					r, ok := sweep.Sweep(p.Cluster, cfg, 1, 2000, sweep.Options{}, nil)
					if ok {
						b.Fatalf("no seed of 2000 broke %s", v.Name)
					}
					cfg.Seed = r.Seed
					s, err := sweep.Shrink(p.Cluster, cfg, r, sweep.Options{}, 0)
					if err != nil {
						b.Fatal(err)
					}
					original, shrunk, seeds = len(r.Log), len(s.Log), int(r.Seed)
				}
				b.ReportMetric(float64(seeds), "seeds")
				b.ReportMetric(float64(original), "commands")
				b.ReportMetric(float64(shrunk), "shrunk-commands")
			})
		}
	}
}
