package replog

import (
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// coreStory is a run of the Consistent Core page: athens, byzantium and
// cyrene in the core, delphi and ephesus as data nodes, alice as admin.
type coreStory struct {
	t    *testing.T
	s    *engine.Sim
	seen kittest.FactsSeen
}

func newCoreStory(t *testing.T, variants ...string) *coreStory {
	t.Helper()
	return &coreStory{t: t, s: kittest.Sim(t, ConsistentCore(), 2, 1, nil, variants...), seen: kittest.FactsSeen{}}
}

func (st *coreStory) do(c engine.Command) {
	st.t.Helper()
	if err := st.s.Apply(c); err != nil {
		st.t.Fatalf("%s: %v", c.Kind, err)
	}
}

// run runs for d, noting every process's facts every 50 ms.
func (st *coreStory) run(d time.Duration) {
	c := ConsistentCore()
	for end := st.s.Now() + d; st.s.Now() < end; {
		st.s.RunFor(min(50*time.Millisecond, end-st.s.Now()), 1_000_000)
		w := st.s.World()
		for _, id := range w.Nodes() {
			st.seen.Note(st.t, w, c.NodeFacts, id)
		}
		st.seen.Note(st.t, w, c.ClientFacts, "alice")
		st.seen.Note(st.t, w, c.ClusterFacts, "")
	}
}

func (st *coreStory) facts() CoreClusterFacts { return coreClusterFactsOf(st.s.World()) }

func (st *coreStory) leader() string {
	st.t.Helper()
	f := st.facts()
	if f.Leader == "" {
		st.t.Fatal("no core node leads")
	}
	return f.Leader
}

// controller is the one data node acting as controller.
func (st *coreStory) controller() string {
	st.t.Helper()
	f := st.facts()
	if f.Acting != 1 {
		st.t.Fatalf("%d data nodes act as controller (%q), want one", f.Acting, f.ActingAs)
	}
	return f.ActingAs
}

func other(a, b, of string) string {
	if of == a {
		return b
	}
	return a
}

// The registration story and a failover: both data nodes register under
// leases and race for /controller; one wins. alice writes a partition's
// owner. Then the core leader crashes: requests to it get no answer, the
// data nodes and alice try the next core node, are redirected to the new
// leader, and nothing is lost: both still registered, the same controller,
// alice's write still there, and the history linearizable.
func TestCoreStoryRegistrationAndFailover(t *testing.T) {
	st := newCoreStory(t)
	st.run(2 * time.Second)
	first, ctl := st.leader(), st.controller()
	if f := st.facts(); f.Servers != 2 || f.Controller != ctl {
		t.Fatalf("after registering: %+v, want 2 servers and /controller = %s", f, ctl)
	}
	st.do(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "/partitions/1", "value": ctl}})
	st.run(200 * time.Millisecond)

	st.do(engine.Command{Kind: engine.CmdCrash, Node: first})
	st.run(3 * time.Second)
	second := st.leader()
	if second == first {
		t.Fatalf("%s still leads after crashing", first)
	}
	f := st.facts()
	if f.Servers != 2 || f.Controller != ctl || st.controller() != ctl {
		t.Fatalf("after %s's crash: %+v, want both servers registered and %s still controller", first, f, ctl)
	}
	st.do(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "read", Args: map[string]string{"key": "/partitions/1"}})
	st.run(time.Second) // her first try goes to the crashed leader she last heard from
	h := st.s.History()
	var last engine.Operation
	for _, op := range h {
		if op.Client == "alice" {
			last = op
		}
	}
	if last.Status != engine.OpOK || last.Output.(CoreOutput).Value != ctl {
		t.Fatalf("alice's read of /partitions/1 at the new leader: %+v", last)
	}
	if v := st.s.Violations(); len(v) > 0 {
		t.Fatalf("violations: %+v", v)
	}
	if !ConsistentCore().Linearizable(h) {
		t.Fatal("the history is not linearizable")
	}
}

// The failure story, to the harm. The core leader is cut off together
// with the controller; the other two core nodes elect a new leader, which
// hears nothing from the controller, expires its lease (and with it
// /controller), and the other data node wins /controller. With the
// leadership check the old leader answers nothing, so the old controller
// cannot renew its lease and stops acting before the new one starts.
// Without it, the old leader goes on renewing the old controller's lease
// and answering its reads with its own name: two data nodes act as
// controller, and porcupine finds no order for the reads of /controller.
func TestCoreStoryDeposedLeaderAndTwoControllers(t *testing.T) {
	for _, v := range []string{"", VarReadsNoCheck} {
		t.Run("variant="+v, func(t *testing.T) {
			var vs []string
			if v != "" {
				vs = []string{v}
			}
			st := newCoreStory(t, vs...)
			st.run(2 * time.Second)
			old, ctl := st.leader(), st.controller()
			d2 := other("delphi", "ephesus", ctl)
			var rest []string
			for _, id := range []string{"athens", "byzantium", "cyrene", "delphi", "ephesus", "alice"} {
				if id != old && id != ctl {
					rest = append(rest, id)
				}
			}
			st.do(engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{old, ctl}, rest}})
			st.run(3 * time.Second)
			f := st.facts()
			if f.Leader == old || f.Controller != d2 {
				t.Fatalf("the majority side: %+v, want a new leader and /controller = %s", f, d2)
			}
			two := false
			for _, vi := range st.s.Violations() {
				two = two || vi.Invariant == InvOneController
			}
			lin := ConsistentCore().Linearizable(st.s.History())
			if v == "" {
				if two || !lin || len(st.s.Violations()) > 0 {
					t.Fatalf("with the check: violations %+v, linearizable %v", st.s.Violations(), lin)
				}
				if st.controller() != d2 {
					t.Fatalf("%s should be the only controller", d2)
				}
				return
			}
			if !two {
				t.Fatalf("without the check %s and %s should both act as controller; violations %+v", ctl, d2, st.s.Violations())
			}
			if first := st.s.Violations()[0].Invariant; first != InvOneController {
				t.Fatalf("first violation %s, want %s", first, InvOneController)
			}
			if lin {
				t.Fatal("without the check the history should not be linearizable")
			}
		})
	}
}

// Every declared fact takes a value along a run: registration, alice's
// reads, and her operations cut off with a deposed leader (unknown).
func TestCoreFactsAreComputed(t *testing.T) {
	c := ConsistentCore()
	if err := c.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	st := newCoreStory(t)
	st.run(2 * time.Second)
	st.do(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "read-prefix", Args: map[string]string{"prefix": "/servers/"}})
	st.run(100 * time.Millisecond)
	old := st.leader()
	var rest []string
	for _, id := range []string{"athens", "byzantium", "cyrene", "delphi", "ephesus"} {
		if id != old {
			rest = append(rest, id)
		}
	}
	st.do(engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{old, "alice"}, rest}})
	st.do(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "read", Args: map[string]string{"key": "/controller", "node": old}})
	st.do(engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "/partitions/2", "node": old}})
	st.run(6 * time.Second)
	st.do(engine.Command{Kind: engine.CmdHeal})
	st.run(time.Second)
	st.seen.Check(t, c.NodeFacts, c.ClientFacts, c.ClusterFacts)
}
