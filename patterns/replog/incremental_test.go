package replog

import (
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/sweep"
)

// The checkers take shortcuts (re-read only the node that handled a step,
// skip checks when nothing they read changed). Under fault schedules, with
// every broken variant, they must report exactly what checking everything
// every round reports: the same violations at the same steps.
func TestIncrementalChecksMatchFullChecks(t *testing.T) {
	seeds := uint64(12)
	if testing.Short() {
		seeds = 3
	}
	for _, p := range pages {
		t.Run(p.id, func(t *testing.T) {
			t.Parallel()
			c := p.c()
			full := *c
			full.Build = func(cfg engine.Config) engine.Model {
				m := c.Model(cfg)
				var names []string
				for _, inv := range m.Invariants() {
					names = append(names, inv.Name)
				}
				m.Invariants = func() []engine.Invariant { return newCheckers(cfg, names, true) }
				return m
			}
			all := []string{VarForgetVote, VarShortTimeout, VarIgnoreGeneration, VarHalfQuorum, VarReadLogEnd, VarCommitByCounting, VarNoUpToDateCheck, VarAnyMessageResets,
				VarGenNotPersisted, VarSkipElectionNoop, VarMarkOnAppend, VarLeaderReadsApplied, VarSameTimeout}
			variants := [][]string{nil, all}
			for v := range p.broken {
				variants = append(variants, []string{v})
			}
			broke := 0
			for _, vs := range variants {
				for seed := uint64(1); seed <= seeds; seed++ {
					a := sweep.Run(c, config(c, seed, vs...), sweep.Options{KeepGoing: true})
					b := sweep.Run(&full, config(c, seed, vs...), sweep.Options{KeepGoing: true})
					same(t, a, b, vs)
					broke += len(a.Sim.Violations())
				}
			}
			if broke == 0 {
				t.Fatal("no run broke an invariant: the comparison tested nothing")
			}
		})
	}
}

func same(t *testing.T, a, b sweep.Result, variants []string) {
	t.Helper()
	va, vb := a.Sim.Violations(), b.Sim.Violations()
	if len(va) != len(vb) {
		t.Fatalf("seed %d %v: %d violations incrementally, %d checking everything:\n%v\n%v", a.Seed, variants, len(va), len(vb), va, vb)
	}
	for i := range va {
		if va[i].Invariant != vb[i].Invariant || va[i].Step != vb[i].Step || va[i].Text != vb[i].Text {
			t.Fatalf("seed %d %v: violation %d differs:\n%+v\n%+v", a.Seed, variants, i, va[i], vb[i])
		}
	}
	if a.Sim.Trace().Hash() != b.Sim.Trace().Hash() {
		t.Fatalf("seed %d %v: the runs differ", a.Seed, variants)
	}
}

// A node applies each client write once: the bitset per client must agree
// with a plain set, ids far apart and out of order included.
func TestAppliedSetIsASet(t *testing.T) {
	var a appliedSet
	plain := map[reqKey]bool{}
	ids := []int{0, 63, 64, 1000, 5, 64, -1, maxBitsetID, maxBitsetID - 1, 1 << 40, 0, 1000}
	for _, client := range []string{"alice", "bob", "alice"} {
		for _, id := range ids {
			k := reqKey{client, id}
			if a.has(client, id) != plain[k] {
				t.Fatalf("has(%s, %d) = %v before add", client, id, a.has(client, id))
			}
			if a.add(client, id) == plain[k] {
				t.Fatalf("add(%s, %d) reported new=%v, seen before=%v", client, id, !plain[k], plain[k])
			}
			plain[k] = true
			if !a.has(client, id) {
				t.Fatalf("has(%s, %d) false after add", client, id)
			}
		}
	}
	if a.has("philip", 0) || a.has("bob", 2) || a.has("alice", 65) {
		t.Fatal("the set holds writes never added")
	}
}
