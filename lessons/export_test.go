package lessons

import (
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
)

// recordToy plays a run the way a learner in the browser would: time passes
// in odd windows and commands land between events.
func recordToy(t *testing.T) *engine.Sim {
	t.Helper()
	cfg, err := toyPattern.Config(3, 11, nil)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := toyPattern.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	apply := func(c engine.Command) {
		t.Helper()
		if err := sim.Apply(c); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
	}
	sim.RunFor(437*time.Millisecond, 0)
	apply(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	sim.RunFor(731*time.Millisecond, 0)
	apply(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "x", "value": "a b: c", "node": "cyrene"}})
	for i := 0; i < 3; i++ { // step by step, as the step button does
		sim.Step()
	}
	apply(engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{"byzantium"}, {"cyrene", "alice"}}})
	apply(engine.Command{Kind: engine.CmdManual, On: true})
	sim.RunFor(250*time.Millisecond, 0)
	if held := sim.InFlight(); len(held) > 0 {
		apply(engine.Command{Kind: engine.CmdDuplicate, Msg: held[0].ID})
	}
	apply(engine.Command{Kind: engine.CmdJump, Node: "cyrene", Dur: engine.Duration(-40 * time.Millisecond)})
	apply(engine.Command{Kind: engine.CmdManual, On: false})
	apply(engine.Command{Kind: engine.CmdHeal})
	apply(engine.Command{Kind: engine.CmdRestart, Node: "athens"})
	apply(engine.Command{Kind: engine.CmdVariant, Name: "selfish", On: true})
	apply(engine.Command{Kind: engine.CmdParam, Name: "beat-ms", Value: 150})
	sim.RunFor(613*time.Millisecond, 0)
	return sim
}

func TestExportReplaysExactly(t *testing.T) {
	sim := recordToy(t)
	n := len(sim.Violations())
	out, err := export(toyLookup, "toy", sim.Config(), sim.Log(), "", sim.StepCount(), int64(sim.Now()/time.Microsecond), &n)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := parseScenario("toy/exported.yaml", out, "", toyLookup)
	if err != nil {
		t.Fatalf("exported file does not load: %v\n%s", err, out)
	}
	pl, err := NewPlayer(sc)
	if err != nil {
		t.Fatal(err)
	}
	for !pl.Done() {
		if _, err := pl.Step(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	got := pl.Sim()
	if got.Trace().Hash() != sim.Trace().Hash() || got.StepCount() != sim.StepCount() || got.Now() != sim.Now() {
		t.Fatalf("replay differs: hash %s/%s, steps %d/%d, time %v/%v\n%s", got.Trace().Hash(), sim.Trace().Hash(), got.StepCount(), sim.StepCount(), got.Now(), sim.Now(), out)
	}
	if !reflect.DeepEqual(got.Log(), sim.Log()) {
		t.Fatalf("command logs differ:\n%+v\n%+v", got.Log(), sim.Log())
	}
	if !strings.Contains(string(out), "TODO") {
		t.Error("no narration placeholders")
	}
}

// The same round trip on the real replicated-log cluster, through the public
// API (patterns.ByID), with a write and an election.
func TestExportRealPattern(t *testing.T) {
	pat, ok := patterns.ByID("leader-and-followers")
	if !ok || !pat.Live() {
		t.Skip("leader-and-followers is not live")
	}
	cfg, err := pat.Config(0, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := pat.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sim.RunFor(1500*time.Millisecond, 0)
	if err := sim.Apply(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "x", "value": "1"}}); err != nil {
		t.Fatal(err)
	}
	sim.RunFor(300*time.Millisecond, 0)
	leader := pat.Cluster.ClusterFacts.Map(sim.World(), "")["leader"].(string)
	if leader != "" {
		if err := sim.Apply(engine.Command{Kind: engine.CmdCrash, Node: leader}); err != nil {
			t.Fatal(err)
		}
	}
	sim.RunFor(2*time.Second, 0)
	out, err := ExportRun(pat.ID, sim, "round trip")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ParseScenario("leader-and-followers/exported.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	res, err := Run(sc, io.Discard)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if res.TraceHash != sim.Trace().Hash() {
		t.Fatalf("trace %s, want %s\n%s", res.TraceHash, sim.Trace().Hash(), out)
	}
}
