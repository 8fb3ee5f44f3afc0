package sweep_test

import (
	"slices"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/sweep"
)

// The sweep's vocabulary follows the engine's command table: every fault
// is drawn or excused, and nothing is drawn that the table does not know.
func TestDrawsCoverEveryFaultOfTheCommandTable(t *testing.T) {
	for _, c := range engine.Commands {
		drawn, why := slices.Contains(sweep.Draws, c.Kind), sweep.NotDrawn[c.Kind]
		if c.Fault && drawn == (why != "") {
			t.Errorf("fault %s: drawn %v, excused %q: want exactly one", c.Kind, drawn, why)
		}
	}
	for _, k := range sweep.Draws {
		if _, ok := engine.CommandByKind(k); !ok {
			t.Errorf("the sweep draws %q, which the command table lacks", k)
		}
	}
}

type idle struct{}

func (idle) Handle(engine.Env, engine.Event) {}
func (idle) View() engine.ProcessView        { return engine.ProcessView{} }

// A cluster with standby servers gets joins and leaves in its schedules.
func TestSchedulesJoinAndRemoveServersOfAClusterWithStandby(t *testing.T) {
	c := &kit.Cluster{
		Roles: []kit.Role{{Name: "member", Standby: kit.Fixed(2)}},
		Size:  3, MinNodes: 1, MaxNodes: 5,
		Build: func(engine.Config) engine.Model {
			return engine.Model{NewProcess: func(string, engine.Role) engine.Process { return idle{} }}
		},
	}
	l, err := c.Layout(0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for seed := uint64(1); seed <= 5 && !(kinds[engine.CmdJoin] && kinds[engine.CmdLeave]); seed++ {
		cfg := engine.Config{Nodes: l.Servers, Standby: l.Standby, Roles: l.Roles, Seed: seed}
		r := sweep.Run(c, cfg, sweep.Options{})
		for _, lc := range r.Log {
			kinds[lc.Kind] = true
		}
	}
	if !kinds[engine.CmdJoin] || !kinds[engine.CmdLeave] {
		t.Fatalf("five schedules drew %v: no join or no leave", kinds)
	}
}
