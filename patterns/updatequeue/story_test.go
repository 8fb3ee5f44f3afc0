package updatequeue

import (
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
)

// story drives athens by hand, as a lesson does.
type story struct {
	t *testing.T
	c *kit.Cluster
	s *engine.Sim
}

func newStory(t *testing.T, c *kit.Cluster, seed uint64, params map[string]int, variants ...string) *story {
	t.Helper()
	s := kittest.Sim(t, c, 0, seed, params, variants...)
	return &story{t: t, c: c, s: s}
}

func (st *story) do(c engine.Command) {
	st.t.Helper()
	if err := st.s.Apply(c); err != nil {
		st.t.Fatalf("%s: %v", c.Kind, err)
	}
}

func (st *story) client(who, op string, amount int) {
	st.t.Helper()
	args := map[string]string{}
	if amount > 0 {
		args["amount"] = itoa(amount)
	}
	st.do(engine.Command{Kind: engine.CmdClient, Node: who, Name: op, Args: args})
}

func (st *story) run(d time.Duration) { st.s.RunFor(d, 1_000_000) }

func (st *story) athens() *Server {
	st.t.Helper()
	s, ok := st.s.World().Process("athens").(*Server)
	if !ok {
		st.t.Fatal("athens is not up")
	}
	return s
}

// outcome is the answer a client got to its only operation.
func (st *story) outcome(client string) (Outcome, engine.OpStatus) {
	st.t.Helper()
	for _, op := range st.s.History() {
		if op.Client == client {
			out, _ := op.Output.(Outcome)
			return out, op.Status
		}
	}
	st.t.Fatalf("%s has no operation", client)
	return Outcome{}, ""
}

func (st *story) violated(name string) bool {
	for _, v := range st.s.Violations() {
		if v.Invariant == name {
			return true
		}
	}
	return false
}

// The book's story with the queue: alice withdraws 70 and bob 50 from 100
// at the same instant. Whichever reaches athens first runs to the end (the
// balance drops to 30 or 50); the other then reads that and is refused.
func TestAliceAndBobWithdrawThroughTheQueue(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		st := newStory(t, SingularUpdateQueue(), seed, nil)
		st.client("alice", opWithdraw, 70)
		st.client("bob", opWithdraw, 50)
		st.run(time.Second)
		a, _ := st.outcome("alice")
		b, _ := st.outcome("bob")
		first, second := a, b
		if b.OK {
			first, second = b, a
		}
		if !first.OK || second.OK || second.Reason != ReasonInsufficient || second.Balance != first.Balance {
			t.Fatalf("seed %d: alice %v, bob %v: want one to succeed and the other refused, having read what the first left", seed, a, b)
		}
		if got := st.athens().balance; got != first.Balance || (got != 30 && got != 50) {
			t.Fatalf("seed %d: athens's balance is %d after %v", seed, got, first)
		}
		st.checkClean()
		if st.athens().maxDepth != 1 {
			t.Fatalf("seed %d: the second request should have waited in the queue behind the first (max depth %d)", seed, st.athens().maxDepth)
		}
	}
}

func (st *story) checkClean() {
	st.t.Helper()
	if v := st.s.Violations(); len(v) > 0 {
		st.t.Fatalf("a violation with the queue: %v", v[0])
	}
	if !st.c.Linearizable(st.s.History()) {
		st.t.Fatal("the history is not linearizable")
	}
}

// The same story with parallel handlers: both handlers read 100 while the
// other waits for its WAL write, so both withdrawals succeed, the account
// pays out 120 of 100, and the balance shows whichever wrote last. The
// WAL adds up to −20, so a crash and replay turns the balance negative.
func TestParallelHandlersPayOutMoreThanTheAccountHolds(t *testing.T) {
	st := newStory(t, SingularUpdateQueue(), 1, nil, VarParallelHandlers)
	st.client("alice", opWithdraw, 70)
	st.client("bob", opWithdraw, 50)
	st.run(time.Second)
	a, _ := st.outcome("alice")
	b, _ := st.outcome("bob")
	if !a.OK || !b.OK {
		t.Fatalf("alice %v, bob %v: want both withdrawals to succeed", a, b)
	}
	if !st.violated(InvOneAtATime) {
		t.Fatal("two updates between read and apply went unnoticed")
	}
	if first := st.s.Violations()[0].Invariant; first != InvOneAtATime {
		t.Fatalf("first violation %s, want %s", first, InvOneAtATime)
	}
	if st.c.Linearizable(st.s.History()) {
		t.Fatal("porcupine accepted two withdrawals of 70 and 50 from 100 that both succeeded")
	}
	bal := st.athens().balance
	if bal != 30 && bal != 50 {
		t.Fatalf("balance %d: want one update lost (30 or 50)", bal)
	}
	if led, _ := ledger(st.s.World().Disk("athens")); led != -20 {
		t.Fatalf("the WAL adds up to %d, want -20", led)
	}
	st.do(engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	st.do(engine.Command{Kind: engine.CmdRestart, Node: "athens"})
	st.run(10 * time.Millisecond)
	if got := st.athens().balance; got != -20 {
		t.Fatalf("after the replay the balance is %d, want -20", got)
	}
	if !st.violated(InvBalanceNotBelow) {
		t.Fatal("a negative balance went unnoticed")
	}
}
