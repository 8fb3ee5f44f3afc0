// Package kittest is the conformance harness of a live pattern: its package
// calls Run from one test, and the cluster is checked on everything the kit
// promises the rest of clusterscope (pages, scenarios, sweeps):
//
//   - declarations: facts, settings, sizes, variants, actions and checks are
//     well formed, and every broken variant has a known catch;
//   - actions: each one the page offers is accepted by a running cluster;
//   - determinism and replay: the same seed gives the same trace, byte for
//     byte, and replaying the command log gives it again;
//   - facts and views: along a faulty run, every fact shown is declared with
//     its type, every declared fact shows up, and every view encodes as JSON
//     with widget kinds the page can draw;
//   - a sweep of seeded fault schedules (CLUSTERSCOPE_SEEDS of them) breaks
//     no invariant, no history check and ends Settled;
//   - each broken variant is caught on its declared seed, by the declared
//     invariant first;
//   - never a panic, even with every variant on and the schedule played on
//     after the first violation.
package kittest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/sweep"
	"clusterscope/patterns/sweep/sweeptest"
)

// Catch says where a sweep catches a broken variant: the seed, and the
// invariant (or history check, sweep.Linearizability, or
// sweep.SettledPrefix+check) that breaks first.
type Catch struct {
	Seed      uint64
	Invariant string
}

// Options are what a pattern declares for its conformance.
type Options struct {
	// Caught has a Catch for every broken variant of the cluster.
	Caught map[string]Catch
	// Sweep shapes the schedules (zero: the sweep's defaults).
	Sweep sweep.Options
	// Pattern is the page's id, for the reproduce line of a failure.
	Pattern string
}

// reproduce is the command line that replays one failing seed.
func (o Options) reproduce(seed uint64, variant string) string {
	line := fmt.Sprintf("reproduce: clusterscope check --pattern %s --seeds 1 --from %d", o.Pattern, seed)
	if o.Pattern == "" {
		line = fmt.Sprintf("reproduce: sweep.Run with seed %d", seed)
	}
	if variant != "" {
		line += " --variant " + variant
	}
	return line
}

// Run checks c. Call it once per page (and per setup: each is a cluster).
func Run(t *testing.T, c *kit.Cluster, opt Options) {
	t.Helper()
	t.Run("declarations", func(t *testing.T) { declarations(t, c, opt) })
	t.Run("actions", func(t *testing.T) { actions(t, c) })
	t.Run("determinism", func(t *testing.T) { determinism(t, c, opt) })
	t.Run("sweep", func(t *testing.T) { t.Parallel(); sweepCorrect(t, c, opt) })
	t.Run("variants", func(t *testing.T) { t.Parallel(); variants(t, c, opt) })
	t.Run("no-panic", func(t *testing.T) { t.Parallel(); noPanic(t, c, opt) })
}

func declarations(t *testing.T, c *kit.Cluster, opt Options) {
	if c.Build == nil {
		t.Fatal("the cluster has no Build")
	}
	if err := c.ValidateFacts(); err != nil {
		t.Error(err)
	}
	if err := c.CheckParams(); err != nil {
		t.Error(err)
	}
	if d := c.DefaultSize(); d < c.MinNodes || d > c.MaxNodes {
		t.Errorf("default size %d outside %d..%d", d, c.MinNodes, c.MaxNodes)
	}
	for n := c.MinNodes; n <= c.MaxNodes; n++ {
		if _, err := c.Layout(n); err != nil {
			t.Errorf("size %d: %v", n, err)
		}
	}
	seen := map[string]bool{}
	for _, v := range c.Variants {
		if v.Name == "" || v.Label == "" || v.Description == "" || seen[v.Name] {
			t.Errorf("variant %+v: it needs a unique name, a label and a description", v)
		}
		seen[v.Name] = true
		if _, ok := opt.Caught[v.Name]; !ok {
			t.Errorf("variant %s: declare in kittest.Options.Caught the seed a sweep catches it on, and the invariant it breaks first", v.Name)
		}
	}
	for name := range opt.Caught {
		if !seen[name] {
			t.Errorf("Caught names %q, which is not a variant of this cluster", name)
		}
	}
	for _, hc := range c.HistoryChecks {
		if hc.Name == "" || hc.Doc == "" || hc.Run == nil {
			t.Errorf("history check %q: it needs a name, a doc and a Run", hc.Name)
		}
	}
	if c.Settled == nil {
		t.Error("the cluster declares no Settled check: what must hold once every fault is healed?")
	}
	for _, f := range c.Faults {
		if f.Name == "" || f.Draw == nil {
			t.Errorf("fault generator %q: it needs a name and a Draw", f.Name)
		}
	}
}

// config is the cluster's default config, or the test stops.
func config(t *testing.T, c *kit.Cluster, seed uint64, variants ...string) engine.Config {
	t.Helper()
	cfg, err := c.Config(0, seed, variants...)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// run is sweep.Run that turns a panic into a test failure naming the seed.
func run(t *testing.T, c *kit.Cluster, cfg engine.Config, opt sweep.Options) sweep.Result {
	t.Helper()
	return runOn(t, nil, c, cfg, opt)
}

// runOn is run on sp's memory (sweep.RunOn): a loop over seeds hands each
// result's Sim back with sp.Reclaim.
func runOn(t *testing.T, sp *engine.Spares, c *kit.Cluster, cfg engine.Config, opt sweep.Options) (r sweep.Result) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("seed %d, variants %v: panic: %v", cfg.Seed, onVariants(cfg), p)
		}
	}()
	return sweep.RunOn(sp, c, cfg, opt)
}

func onVariants(cfg engine.Config) []string {
	var out []string
	for v, on := range cfg.Variants {
		if on {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// sampleArgs fills an action's parameters the way the page's form would.
func sampleArgs(a kit.Action, cfg engine.Config) (map[string]string, error) {
	args := map[string]string{}
	names := map[string]bool{}
	for _, p := range a.Params {
		if p.Name == "" || names[p.Name] {
			return nil, fmt.Errorf("parameter %q is empty or declared twice", p.Name)
		}
		names[p.Name] = true
		switch p.Type {
		case kit.ParamString:
			args[p.Name] = p.Default
			if args[p.Name] == "" {
				args[p.Name] = "v1"
			}
		case kit.ParamInt:
			args[p.Name] = p.Default
			if args[p.Name] == "" {
				args[p.Name] = strconv.Itoa(p.Min)
			}
		case kit.ParamNode:
			args[p.Name] = cfg.Nodes[0]
		case kit.ParamChoice:
			if len(p.Choices) == 0 {
				return nil, fmt.Errorf("parameter %s is a choice with no choices", p.Name)
			}
			args[p.Name] = p.Choices[0]
		default:
			return nil, fmt.Errorf("parameter %s has type %q", p.Name, p.Type)
		}
	}
	return args, nil
}

// actions: every action the page offers is accepted by a running cluster
// with the page's sample values, and the cluster runs on after it.
func actions(t *testing.T, c *kit.Cluster) {
	cfg := config(t, c, 1)
	for _, a := range c.Actions {
		s, err := engine.New(cfg, c.Model(cfg))
		if err != nil {
			t.Fatal(err)
		}
		s.RunFor(time.Second, 0)
		args, err := sampleArgs(a, cfg)
		if err != nil {
			t.Errorf("action %s: %v", a.Name, err)
			continue
		}
		cmd := engine.Command{Kind: engine.CmdAction, Node: cfg.Nodes[0], Name: a.Name, Args: args}
		switch a.Target {
		case kit.TargetNode:
		case kit.TargetClient:
			if len(cfg.Clients) == 0 {
				t.Errorf("action %s is for a client, but the cluster has none", a.Name)
				continue
			}
			cmd.Kind, cmd.Node = engine.CmdClient, cfg.Clients[0]
		default:
			t.Errorf("action %s has target %q", a.Name, a.Target)
			continue
		}
		if a.Name == "" || a.Label == "" {
			t.Errorf("action %+v: it needs a name and a label", a)
		}
		if err := s.Apply(cmd); err != nil {
			t.Errorf("action %s with %v refused: %v", a.Name, args, err)
			continue
		}
		s.RunFor(time.Second, 0)
	}
}

// determinism: a seed's run twice is the same trace; replaying its log,
// sampled on the way, is the same trace again; another seed differs.
func determinism(t *testing.T, c *kit.Cluster, opt Options) {
	cfg := config(t, c, 1)
	a, b := run(t, c, cfg, opt.Sweep), run(t, c, cfg, opt.Sweep)
	if a.Sim.Trace().Hash() != b.Sim.Trace().Hash() || a.Steps != b.Steps {
		t.Fatalf("seed 1 twice: two runs differ (%d and %d steps)", a.Steps, b.Steps)
	}
	replay(t, c, cfg, a, true)
	other := run(t, c, config(t, c, 2), opt.Sweep)
	if other.Sim.Trace().Hash() == a.Sim.Trace().Hash() {
		t.Fatal("seeds 1 and 2 gave the same trace: is the seed used?")
	}
}

// replay plays r's command log again on a fresh run, checking facts and
// views at samples on the way (and that every declared fact shows up when
// all is set), and compares the trace with r's.
func replay(t *testing.T, c *kit.Cluster, cfg engine.Config, r sweep.Result, all bool) {
	t.Helper()
	s, err := engine.New(cfg, c.Model(cfg))
	if err != nil {
		t.Fatal(err)
	}
	f := newFactCheck(c)
	every := max(1, r.Steps/60)
	stepTo := func(n int) {
		for s.StepCount() < n {
			if _, ok := s.Step(); !ok {
				t.Fatalf("replay of seed %d: the run ends at step %d, before %d", cfg.Seed, s.StepCount(), n)
			}
			if s.StepCount()%every == 0 {
				f.sample(t, s, s.StepCount()%(every*6) == 0)
			}
		}
	}
	for _, lc := range r.Log {
		stepTo(lc.Step)
		s.AdvanceTo(lc.At)
		if err := s.Apply(lc.Command); err != nil {
			t.Fatalf("replay of seed %d: %s at step %d: %v", cfg.Seed, lc.Kind, lc.Step, err)
		}
	}
	stepTo(r.Steps)
	f.sample(t, s, true)
	if s.Trace().Hash() != r.Sim.Trace().Hash() {
		t.Fatalf("seed %d: replaying the command log gives another trace", cfg.Seed)
	}
}

// factCheck computes every process's and the cluster's facts along a run:
// the declaration is a struct (kit.FactSource), so what is computed is
// what is declared; this proves computing them never fails mid-run.
type factCheck struct{ c *kit.Cluster }

func newFactCheck(c *kit.Cluster) *factCheck { return &factCheck{c: c} }

func (f *factCheck) sample(t *testing.T, s *engine.Sim, views bool) {
	t.Helper()
	cfg := s.Config()
	w := s.World()
	clients := map[string]bool{}
	for _, id := range cfg.Clients {
		clients[id] = true
	}
	for _, id := range append(append(append([]string(nil), cfg.Nodes...), cfg.Standby...), cfg.Clients...) {
		src := f.c.NodeFacts
		if clients[id] {
			src = f.c.ClientFacts
		}
		_ = src.Map(w, id)
	}
	_ = f.c.ClusterFacts.Map(w, "")
	if !views {
		return
	}
	v := s.View()
	if _, err := json.Marshal(v); err != nil {
		t.Fatalf("step %d: the view does not encode: %v", s.StepCount(), err)
	}
	for _, n := range v.Nodes {
		for _, w := range n.Widgets {
			if !w.Type.Known() {
				t.Fatalf("step %d: %s shows a widget of kind %q, which the page cannot draw", s.StepCount(), n.ID, w.Type)
			}
		}
	}
	for _, w := range v.Widgets {
		if !w.Type.Known() {
			t.Fatalf("step %d: the cluster shows a widget of kind %q, which the page cannot draw", s.StepCount(), w.Type)
		}
	}
}

// sweepCorrect: the correct cluster survives the seeded schedules.
func sweepCorrect(t *testing.T, c *kit.Cluster, opt Options) {
	n := sweeptest.Seeds(t)
	ops, unchecked := 0, 0
	var sp engine.Spares // each seed's run takes the memory of the one before
	for seed := uint64(1); seed <= uint64(n); seed++ {
		r := runOn(t, &sp, c, config(t, c, seed), opt.Sweep)
		if r.Failed {
			t.Fatalf("%s\n%s", r, opt.reproduce(seed, ""))
		}
		sp.Reclaim(r.Sim)
		ops += r.Ops
		if r.Unchecked != "" {
			unchecked++
		}
	}
	// A sweep whose histories mostly go unchecked proves little: the
	// workload or the faults leave too many outcomes unknown.
	if unchecked*2 > n {
		t.Errorf("%d of %d seeds left their history unchecked by porcupine (%s)", unchecked, n, "more than kit.MaxUnknownOutcomes unknown outcomes")
	} else if unchecked > 0 {
		t.Logf("%d of %d seeds left their history unchecked by porcupine (too many unknown outcomes)", unchecked, n)
	}
	if c.Workload != nil && ops == 0 {
		t.Fatalf("%d schedules and no client operation: is the workload reaching the cluster?", n)
	}
}

// variants: each broken variant breaks its declared invariant first on its
// declared seed; the run replays, and its facts and views hold on the way.
func variants(t *testing.T, c *kit.Cluster, opt Options) {
	for _, v := range c.Variants {
		catch, ok := opt.Caught[v.Name]
		if !ok {
			continue // declarations says so
		}
		cfg := config(t, c, catch.Seed, v.Name)
		r := run(t, c, cfg, opt.Sweep)
		switch {
		case !r.Failed:
			t.Errorf("%s: seed %d ran clean; declare a seed that catches it", v.Name, catch.Seed)
		case r.Invariant != catch.Invariant:
			t.Errorf("%s: seed %d broke %s first (%s), not %s\n%s", v.Name, catch.Seed, r.Invariant, r.Text, catch.Invariant, opt.reproduce(catch.Seed, v.Name))
		default:
			replay(t, c, cfg, r, false)
		}
	}
}

// noPanic: every variant at once, the schedule played to its end after the
// first violation, every view and fact rendered at the end.
func noPanic(t *testing.T, c *kit.Cluster, opt Options) {
	var all []string
	for _, v := range c.Variants {
		all = append(all, v.Name)
	}
	o := opt.Sweep
	o.KeepGoing = true
	for seed := uint64(1); seed <= 3; seed++ {
		cfg := config(t, c, seed, all...)
		r := run(t, c, cfg, o)
		if r.Invariant == "config" || r.Invariant == "step-budget" {
			t.Fatalf("seed %d with every variant: %s", seed, r)
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("seed %d with every variant: rendering panicked: %v", seed, p)
				}
			}()
			_ = r.Sim.View()
			_ = c.ClusterFacts.Map(r.Sim.World(), "")
		}()
	}
}
