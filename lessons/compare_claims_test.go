package lessons

import (
	"slices"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
)

// The twin that compare mode shows beside "connection per request" is the
// pattern as it should be, on the same seed with the same commands at the
// same virtual times (as web/compare.go follows the run): there byzantium
// applies #1 before #2, ends with x=2, and no check breaks. The scenario's
// closing words say so.
func TestSingleSocketTwinStaysGreen(t *testing.T) {
	lib, err := Bundled()
	if err != nil {
		t.Fatal(err)
	}
	l, _ := lib.Lesson("single-socket-channel")
	var sc *Scenario
	for _, s := range l.Scenarios {
		if s.Name == "1-connection-per-request" {
			sc = s
		}
	}
	if sc == nil {
		t.Fatal("no scenario 1-connection-per-request")
	}
	compared := false
	for _, st := range sc.Steps {
		compared = compared || st.Kind == StepCompare
	}
	if !compared {
		t.Fatal("the scenario opens no compare mode")
	}
	pl, err := NewPlayer(sc)
	if err != nil {
		t.Fatal(err)
	}
	for !pl.Done() {
		if _, err := pl.Step(); err != nil {
			t.Fatal(err)
		}
	}
	run := pl.Sim()
	cfg, err := sc.Config()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Variants = map[string]bool{}
	twin, err := sc.pattern.NewSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, lc := range run.Log() {
		twin.RunFor(time.Duration(lc.At)*time.Microsecond-twin.Now(), maxRunSteps)
		_ = twin.Apply(lc.Command)
	}
	twin.RunFor(run.Now()-twin.Now(), maxRunSteps)
	if len(run.Violations()) == 0 {
		t.Fatal("the broken run broke nothing")
	}
	if v := twin.Violations(); len(v) > 0 {
		t.Fatalf("the twin broke %s: %s", v[0].Invariant, v[0].Text)
	}
	var applied []string
	for _, ev := range twin.Trace().Since(0) {
		if ev.Kind == engine.TrNote && ev.Node == "byzantium" && strings.HasPrefix(ev.Text, "byzantium applies #") {
			applied = append(applied, ev.Text)
		}
	}
	if want := []string{"byzantium applies #1 SET x=1", "byzantium applies #2 SET x=2"}; !slices.Equal(applied, want) {
		t.Fatalf("in the twin byzantium: %q, want %q", applied, want)
	}
}
