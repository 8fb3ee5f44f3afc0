package replog

import (
	"math/rand/v2"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/sweep"
)

var pages = []struct {
	id string
	c  func() *kit.Cluster
	// the invariants a sweep of each broken variant may report
	broken map[string][]string
}{
	{"leader-and-followers", LeaderAndFollowers, map[string][]string{VarForgetVote: {InvOneVote, InvOneLeader}}},
	{"heartbeat", HeartBeat, map[string][]string{
		VarShortTimeout:     {InvNoFalseSuspect, InvElectionsSettle},
		VarAnyMessageResets: {InvSuspectCrashed},
	}},
	{"generation-clock", GenerationClock, map[string][]string{VarIgnoreGeneration: {InvGenMonotonic, InvCommittedStable, InvLogMatching}}},
	{"majority-quorum", MajorityQuorum, map[string][]string{VarHalfQuorum: {InvOneLeader, InvCommittedStable, InvCommittedQuorum}}},
	{"high-water-mark", HighWaterMark, map[string][]string{VarReadLogEnd: {InvReadsCommitted, sweep.Linearizability}}},
	{"replicated-log", ReplicatedLog, map[string][]string{
		VarCommitByCounting: {InvCommittedStable, InvLogMatching},
		VarNoUpToDateCheck:  {InvCommittedStable, InvLogMatching},
	}},
}

func config(c *kit.Cluster, seed uint64, variants ...string) engine.Config {
	cfg := engine.Config{Nodes: c.Nodes, Clients: c.Clients, Seed: seed, Params: c.Params, Variants: map[string]bool{}}
	for _, v := range variants {
		cfg.Variants[v] = true
	}
	return cfg
}

// Every page's correct configuration survives random fault schedules, and
// its client history is linearizable.
func TestSweepCorrectPages(t *testing.T) {
	seeds := 2000
	if testing.Short() {
		seeds = 250
	}
	for _, p := range pages {
		t.Run(p.id, func(t *testing.T) {
			t.Parallel()
			c := p.c()
			ops := 0
			r, ok := sweep.Sweep(c, config(c, 0), 1, seeds, sweep.Options{}, func(_ int, r sweep.Result) { ops += r.Ops })
			if !ok {
				t.Fatalf("%s", r)
			}
			if ops < 20*seeds {
				t.Fatalf("only %d client operations over %d seeds: is the load reaching the cluster?", ops, seeds)
			}
		})
	}
}

// Every broken variant is caught by a sweep within a few seeds, by one of
// the invariants meant to catch it.
func TestSweepCatchesBrokenVariants(t *testing.T) {
	for _, p := range pages {
		for variant, expected := range p.broken {
			t.Run(p.id+"/"+variant, func(t *testing.T) {
				t.Parallel()
				c := p.c()
				r, ok := sweep.Sweep(c, config(c, 0, variant), 1, 1500, sweep.Options{}, nil)
				if ok {
					t.Fatalf("1500 seeds and nothing broke")
				}
				for _, e := range expected {
					if r.Invariant == e {
						return
					}
				}
				t.Fatalf("caught by %s (%s), expected one of %v", r.Invariant, r.Text, expected)
			})
		}
	}
}

// The same seed gives the same run, byte for byte; replaying its command
// log gives it again.
func TestDeterminism(t *testing.T) {
	c := ReplicatedLog()
	for seed := uint64(1); seed <= 5; seed++ {
		a := sweep.Run(c, config(c, seed), sweep.Options{})
		b := sweep.Run(c, config(c, seed), sweep.Options{})
		if a.Sim.Trace().Hash() != b.Sim.Trace().Hash() || a.Steps != b.Steps {
			t.Fatalf("seed %d: two runs differ (%d vs %d steps)", seed, a.Steps, b.Steps)
		}
		r, err := engine.Replay(config(c, seed), c.Model(config(c, seed)), a.Log, a.Steps)
		if err != nil {
			t.Fatal(err)
		}
		if r.Trace().Hash() != a.Sim.Trace().Hash() {
			t.Fatalf("seed %d: replay differs", seed)
		}
		other := sweep.Run(c, config(c, seed+100), sweep.Options{})
		if other.Sim.Trace().Hash() == a.Sim.Trace().Hash() {
			t.Fatalf("seeds %d and %d gave the same trace", seed, seed+100)
		}
	}
}

// The HWM of an even cluster is the element at N − quorum of the ascending
// match indexes; a quorum setting overrides the majority.
func TestQuorum(t *testing.T) {
	for _, tc := range []struct{ n, param, want int }{{1, 0, 1}, {3, 0, 2}, {4, 0, 3}, {5, 0, 3}, {4, 2, 2}} {
		if got := Quorum(tc.n, tc.param, false); got != tc.want {
			t.Errorf("Quorum(%d, %d) = %d, want %d", tc.n, tc.param, got, tc.want)
		}
	}
	if got := Quorum(4, 0, true); got != 2 {
		t.Errorf("half quorum of 4 = %d", got)
	}
}

// BenchmarkReplicatedLog5Nodes measures simulated events per second for the
// replicated-log page (5 nodes, every invariant on) under steady client
// load: a write or read every 2ms of virtual time.
func BenchmarkReplicatedLog5Nodes(b *testing.B) {
	c := ReplicatedLog()
	cfg := config(c, 1)
	s, err := engine.New(cfg, c.Model(cfg))
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	next := s.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if s.Now() >= next {
			next = s.Now() + 2*time.Millisecond
			_ = s.Apply(c.Workload(r, cfg.Nodes, cfg.Clients))
		}
		s.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if len(s.Violations()) > 0 {
		b.Fatal(s.Violations())
	}
}

// Every broken variant, all at once, under faults, played to the end: the
// cluster may misbehave but must never panic (a learner keeps clicking
// after the first red light).
func TestBrokenVariantsNeverPanic(t *testing.T) {
	seeds := uint64(100)
	if testing.Short() {
		seeds = 8
	}
	all := []string{VarForgetVote, VarShortTimeout, VarIgnoreGeneration, VarHalfQuorum, VarReadLogEnd, VarCommitByCounting, VarNoUpToDateCheck, VarAnyMessageResets}
	for _, p := range pages {
		c := p.c()
		for seed := uint64(1); seed <= seeds; seed++ {
			vs := all
			if seed%2 == 0 { // one variant at a time too
				vs = all[seed/2%uint64(len(all)) : seed/2%uint64(len(all))+1]
			}
			r := sweep.Run(c, config(c, seed, vs...), sweep.Options{KeepGoing: true})
			if r.Invariant == "config" || r.Invariant == "step-budget" {
				t.Fatalf("%s seed %d: %s", p.id, seed, r)
			}
			for _, id := range c.Nodes {
				if n, ok := r.Sim.World().Process(id).(*Node); ok {
					_ = n.View()
				}
			}
			_ = c.ClusterFacts.Map(r.Sim.World(), "")
		}
	}
}
