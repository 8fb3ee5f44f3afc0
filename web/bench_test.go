package web

import (
	"sort"
	"strconv"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/kit/kittest"
	"clusterscope/web/testlog"
)

// BenchmarkDeltaFrame reports the median and 90th percentile size of the
// delta frames of a 5-node Leader and Followers run with client writes
// (goal: median ≤ 1 KB): each iteration plays the same 2,000 steps, so the
// median describes a steady run, not only the first election.
func BenchmarkDeltaFrame(b *testing.B) {
	p, newRun := benchRun(b)
	const steps = 2000
	var sizes []int
	for i := 0; i < b.N; i++ {
		s := newRun()
		sizes = sizes[:0]
		write := 0
		for j := 0; j < steps; j++ {
			if j%50 == 49 && len(p.Cluster.Clients) > 0 {
				write++
				s.sim.Apply(clientWrite(p, write))
			}
			if s.stepN(1) == 0 {
				b.Fatal("the cluster went idle")
			}
			if f, ok := s.deltaFrame(); ok {
				sizes = append(sizes, len(mustJSON(f)))
			}
		}
	}
	b.StopTimer()
	sort.Ints(sizes)
	b.ReportMetric(float64(sizes[len(sizes)/2]), "median-B/frame")
	b.ReportMetric(float64(sizes[len(sizes)*9/10]), "p90-B/frame")
}

func BenchmarkFirstLoad(b *testing.B) {
	srv := New(Options{Logger: testlog.New(b)})
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

// BenchmarkPlayFrame is the server's work for one frame of a session
// playing the 5-node Leader and Followers page at 1×: a tick of virtual
// time run, the delta frame built and encoded. "play" is a session that
// only plays (what wsload's sessions do); "writes" adds a client write
// every 20 frames, so the command log grows and is re-encoded for the
// share link. Its cpu-ns/frame is the CPU one session costs per frame,
// which bounds how many sessions a core can keep at full frame rate.
func BenchmarkPlayFrame(b *testing.B) {
	for _, every := range []int{0, 20} {
		name := "play"
		if every > 0 {
			name = "writes"
		}
		b.Run(name, func(b *testing.B) { benchPlayFrames(b, every) })
	}
}

func benchPlayFrames(b *testing.B, writeEvery int) {
	p, newRun := benchRun(b)
	s := newRun()
	tick := time.Duration(float64(s.lim.Tick) * playRate)
	bytes, write, steps := 0, 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := kittest.CPUTime()
	for i := 0; i < b.N; i++ {
		if s.sim.StepCount() > 200_000 { // a fresh run before one fills its cap
			b.StopTimer()
			steps += s.sim.StepCount()
			s = newRun()
			b.StartTimer()
		}
		if writeEvery > 0 && i%writeEvery == writeEvery-1 {
			write++
			s.sim.Apply(clientWrite(p, write))
		}
		if err := s.runFor(tick); err != nil {
			b.Fatal(err)
		}
		s.settle()
		if f, ok := s.deltaFrame(); ok {
			bytes += len(mustJSON(f))
		}
	}
	b.ReportMetric((kittest.CPUTime()-cpu0)*1e9/float64(b.N), "cpu-ns/frame")
	b.ReportMetric(float64(steps+s.sim.StepCount())/float64(b.N), "steps/frame")
	b.ReportMetric(float64(bytes)/float64(b.N), "B/frame")
}

// benchRun is the 5-node Leader and Followers page and a maker of fresh
// sessions of it, each at its first snapshot.
func benchRun(b *testing.B) (*patterns.Pattern, func() *session) {
	p, ok := patterns.ByID("leader-and-followers")
	if !ok || !p.Live() {
		b.Skip("leader-and-followers is not live")
	}
	cfg, err := p.Config(5, 1, nil)
	if err != nil {
		b.Fatal(err)
	}
	lim := Limits{}.withDefaults()
	return p, func() *session {
		s := &session{id: "bench", pat: p, play: playState{Speed: 1}, hub: newHub(lim, nil), lim: lim}
		if err := s.start(cfg, nil, 0); err != nil {
			b.Fatal(err)
		}
		s.snapshotFrame()
		return s
	}
}
