package web

import (
	"sort"
	"strconv"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns"
)

// BenchmarkDeltaFrame steps a 5-node Leader and Followers cluster with a
// client writing now and then, and reports the median and 90th percentile
// delta frame size (goal: median ≤ 1 KB).
func BenchmarkDeltaFrame(b *testing.B) {
	p, ok := patterns.ByID("leader-and-followers")
	if !ok || !p.Live() {
		b.Skip("leader-and-followers is not live")
	}
	cfg, err := p.Config(5, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	s := &session{id: "bench", pat: p, play: playState{Speed: 1}}
	if err := s.start(cfg, nil, 0); err != nil {
		b.Fatal(err)
	}
	s.snapshotFrame()
	var sizes []int
	write := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%50 == 49 && len(p.Cluster.Clients) > 0 {
			write++
			s.sim.Apply(clientWrite(p, write))
		}
		if s.stepN(1) == 0 {
			b.Fatal("the cluster went idle")
		}
		f, ok := s.deltaFrame()
		if !ok {
			continue
		}
		sizes = append(sizes, len(mustJSON(f)))
	}
	b.StopTimer()
	if len(sizes) == 0 {
		return
	}
	sort.Ints(sizes)
	b.ReportMetric(float64(sizes[len(sizes)/2]), "median-B/frame")
	b.ReportMetric(float64(sizes[len(sizes)*9/10]), "p90-B/frame")
}

func BenchmarkFirstLoad(b *testing.B) {
	srv := New(Options{Logger: quietLogger()})
	var size int
	for i := 0; i < b.N; i++ {
		size, _ = firstLoad(b, srv, "/patterns/leader-and-followers")
	}
	b.ReportMetric(float64(size)/1024, "KiB-gzip")
}

// clientWrite builds the pattern's first client action with every parameter
// filled (defaults, a fresh value, the first node), as a learner's click would.
func clientWrite(p *patterns.Pattern, n int) engine.Command {
	c := p.Cluster
	for _, a := range c.Actions {
		if a.Target != "client" {
			continue
		}
		args := map[string]string{}
		for _, prm := range a.Params {
			switch {
			case prm.Type == "node":
				args[prm.Name] = patterns.NodeNames(1)[0]
			case prm.Default != "":
				args[prm.Name] = prm.Default
			case prm.Type == "choice" && len(prm.Choices) > 0:
				args[prm.Name] = prm.Choices[0]
			default:
				args[prm.Name] = strconv.Itoa(n)
			}
		}
		return engine.Command{Kind: engine.CmdClient, Node: c.Clients[0], Name: a.Name, Args: args}
	}
	return engine.Command{}
}
