package sweep_test

import (
	"testing"

	"clusterscope/patterns"
	"clusterscope/patterns/sweep"
)

// BenchmarkFindAndShrink is "find me a failure" for every broken variant of
// every live pattern, in each of its setups: seeds swept until one breaks,
// then the schedule shrunk. It reads the catalog, so a new page is measured
// without a change here. ns/op is the whole search; the metrics say which
// seed broke and how far the schedule shrank. The goal (issue 20): each
// within 10 s on 2 cores.
func BenchmarkFindAndShrink(b *testing.B) {
	for _, p := range patterns.Live() {
		for _, setup := range setupsOf(p) {
			c, err := p.Cluster.SetupCluster(setup)
			if err != nil {
				b.Fatal(err)
			}
			for _, v := range c.Variants {
				name := p.ID + "/" + v.Name
				if setup != "" {
					name = p.ID + "/" + setup + "/" + v.Name
				}
				b.Run(name, func(b *testing.B) {
					var original, shrunk, seeds int
					for b.Loop() {
						cfg, err := p.ConfigFor(setup, 0, 1, []string{v.Name})
						if err != nil {
							b.Fatal(err)
						}
						r, ok := sweep.Sweep(c, cfg, 1, 2000, sweep.Options{}, nil)
						if ok {
							b.Fatalf("no seed of 2000 broke %s", v.Name)
						}
						cfg.Seed = r.Seed
						s, err := sweep.Shrink(c, cfg, r, sweep.Options{}, 0)
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
}

// setupsOf names a page's setups ("" for a page with one).
func setupsOf(p *patterns.Pattern) []string {
	if len(p.Cluster.Setups) == 0 {
		return []string{""}
	}
	out := make([]string, len(p.Cluster.Setups))
	for i, s := range p.Cluster.Setups {
		out[i] = s.Name
	}
	return out
}
