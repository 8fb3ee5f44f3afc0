package kittest_test

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/replog"
	"clusterscope/patterns/sweep/sweeptest"
)

// The harness is tested on a real page (Leader and Followers) with one flaw
// planted at a time: each run of the harness happens in a child test
// process (a failing harness fails its test), and must fail with a message
// that names the flaw. The page as it is passes.

const caseEnv = "KITTEST_FLAW"

// flawed wraps the page's processes; plant changes the cluster or them.
type flawed struct {
	engine.Process
	widget engine.WidgetKind // an extra widget kind in the view
}

func (f flawed) View() engine.ProcessView {
	v := f.Process.View()
	if f.widget != "" {
		v.Widgets = append(v.Widgets, engine.Widget{Type: f.widget})
	}
	return v
}

var writes int // shared by every run: a workload that reads it is not deterministic

// flaws plant one flaw each and say what the harness must report.
var flaws = map[string]struct {
	plant func(c *kit.Cluster, opt *kittest.Options)
	want  string
}{
	"none": {func(*kit.Cluster, *kittest.Options) {}, ""},
	"untagged-fact": {func(c *kit.Cluster, _ *kittest.Options) {
		c.NodeFacts = kit.ProcessFacts(func(*engine.World, string) (struct{ Role string }, bool) { return struct{ Role string }{}, true })
	}, `needs a fact:"name"`},
	"no-catch": {func(_ *kit.Cluster, opt *kittest.Options) { opt.Caught = nil }, "declare in kittest.Options.Caught"},
	"wrong-catch": {func(_ *kit.Cluster, opt *kittest.Options) {
		opt.Caught[replog.VarForgetVote] = kittest.Catch{Seed: 21, Invariant: replog.InvGenMonotonic}
	}, "not " + replog.InvGenMonotonic},
	"never-settles": {func(c *kit.Cluster, _ *kittest.Options) {
		c.Settled = func(*engine.World) kit.Verdict { return kit.Verdict{Check: "never", Text: "it never settles"} }
	}, "settled/never broke"},
	"refused-action": {func(c *kit.Cluster, _ *kittest.Options) {
		c.Actions = append(append([]kit.Action(nil), c.Actions...), kit.Action{Name: "reboot", Label: "reboot", Target: kit.TargetNode})
	}, "action reboot with map[] refused"},
	"unknown-widget": {func(c *kit.Cluster, _ *kittest.Options) {
		wrap(c, func(p engine.Process) engine.Process { return flawed{Process: p, widget: "sparkles"} })
	}, `widget of kind "sparkles"`},
	"not-deterministic": {func(c *kit.Cluster, _ *kittest.Options) {
		workload := c.Workload
		c.Workload = func(r *rand.Rand, nodes, clients []string) engine.Command {
			cmd := workload(r, nodes, clients)
			if _, ok := cmd.Args["value"]; ok {
				writes++
				cmd.Args["value"] = strconv.Itoa(writes)
			}
			return cmd
		}
	}, "two runs differ"},
	"panics": {func(c *kit.Cluster, _ *kittest.Options) {
		build := c.Build
		c.Build = func(cfg engine.Config) engine.Model {
			m := build(cfg)
			invariants := m.Invariants
			m.Invariants = func() []engine.Invariant {
				return append(invariants(), engine.Invariant{Name: "planted", Check: func(w *engine.World) (string, []string) {
					if w.Now() > 2*time.Second {
						panic("a planted bug")
					}
					return "", nil
				}})
			}
			return m
		}
	}, "seed 1, variants []: panic: a planted bug"},
}

func wrap(c *kit.Cluster, f func(engine.Process) engine.Process) {
	build := c.Build
	c.Build = func(cfg engine.Config) engine.Model {
		m := build(cfg)
		newProcess := m.NewProcess
		m.NewProcess = func(id string, role engine.Role) engine.Process {
			p := newProcess(id, role)
			if role == engine.RoleClient {
				return p
			}
			return f(p)
		}
		return m
	}
}

// TestFlawedPage runs the harness on the flawed page named by caseEnv;
// outside a child process it does nothing.
func TestFlawedPage(t *testing.T) {
	name := os.Getenv(caseEnv)
	if name == "" {
		t.Skip("runs only as the child of TestHarnessFindsPlantedFlaws")
	}
	c := replog.LeaderAndFollowers()
	opt := kittest.Options{Caught: map[string]kittest.Catch{replog.VarForgetVote: {Seed: 21, Invariant: replog.InvOneVote}}}
	flaws[name].plant(c, &opt)
	kittest.Run(t, c, opt)
}

func TestHarnessFindsPlantedFlaws(t *testing.T) {
	if os.Getenv(caseEnv) != "" {
		t.Skip("the child runs TestFlawedPage only")
	}
	for name, f := range flaws {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestFlawedPage$", "-test.count=1")
			cmd.Env = append(os.Environ(), caseEnv+"="+name, sweeptest.SeedsEnv+"=2")
			out, err := cmd.CombinedOutput()
			switch {
			case f.want == "" && err != nil:
				t.Fatalf("the page as it is fails the harness: %v\n%s", err, out)
			case f.want != "" && err == nil:
				t.Fatalf("the harness passed a page with the flaw %s:\n%s", name, out)
			case f.want != "" && !strings.Contains(string(out), f.want):
				t.Fatalf("the harness failed, but without saying %q:\n%s", f.want, out)
			}
		})
	}
}
