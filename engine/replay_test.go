package engine

import (
	"testing"
	"time"
)

type snapshot struct {
	step int
	hash string
	view string
	logN int
}

func snap(t testing.TB, s *Sim) snapshot {
	return snapshot{s.StepCount(), s.Trace().Hash(), viewJSON(t, s), len(s.Log())}
}

func TestReplayToStepNEqualsTheLiveRun(t *testing.T) {
	net := &NetSettings{MinDelay: Duration(time.Millisecond), MeanDelay: Duration(3 * time.Millisecond), DupPct: 10, DropPct: 10}
	s := newSim(t, Config{Nodes: five, Clients: []string{"alice", "bob"}, Seed: 9, Net: net})
	// Replay to step N applies the commands given at step N, so the live
	// state to compare with is the one just before the next step.
	var snaps []snapshot
	steps := func(n int) {
		snaps = append(snaps, snap(t, s))
		for i := 0; i < n; i++ {
			s.Step()
		}
	}
	steps(30)
	apply(t, s, Command{Kind: CmdClient, Node: "alice", Name: "write", Args: map[string]string{"to": "delphi"}})
	apply(t, s, Command{Kind: CmdJump, Node: "cyrene", Dur: Duration(ms(7))})
	steps(25)
	apply(t, s, Command{Kind: CmdManual, On: true})
	steps(40)
	held := s.InFlight()
	apply(t, s, Command{Kind: CmdDeliver, Msg: held[len(held)-1].ID})
	apply(t, s, Command{Kind: CmdDuplicate, Msg: held[0].ID})
	apply(t, s, Command{Kind: CmdDrop, Msg: held[1].ID})
	steps(2)
	apply(t, s, Command{Kind: CmdDropNext, From: "byzantium", MsgKind: "Pong", Count: 3})
	apply(t, s, Command{Kind: CmdNetwork, To: "cyrene", Net: &NetSettings{MinDelay: Duration(ms(2)), MeanDelay: Duration(ms(9)), FIFO: true}})
	apply(t, s, Command{Kind: CmdParam, Name: "tick-ms", Value: 7})
	apply(t, s, Command{Kind: CmdManual, On: false})
	apply(t, s, Command{Kind: CmdPause, Node: "athens"})
	apply(t, s, Command{Kind: CmdCrash, Node: "ephesus"})
	steps(60)
	apply(t, s, Command{Kind: CmdResume, Node: "athens"})
	apply(t, s, Command{Kind: CmdRestart, Node: "ephesus"})
	apply(t, s, Command{Kind: CmdClient, Node: "bob", Name: "write", Args: map[string]string{"to": "ephesus"}})
	steps(80)
	steps(0)
	if len(snaps) < 7 || len(s.Log()) != 15 {
		t.Fatalf("%d snapshots, %d commands", len(snaps), len(s.Log()))
	}

	for _, want := range snaps {
		r, err := Replay(s.Config(), echoModel(), s.Log(), want.step)
		if err != nil {
			t.Fatalf("replay to %d: %v", want.step, err)
		}
		got := snap(t, r)
		if got.hash != want.hash || got.view != want.view || got.logN != want.logN {
			t.Fatalf("replay to step %d differs from the live run:\nlive   %s\nreplay %s", want.step, want.view, got.view)
		}
	}
}

func TestReplayRestoresIdleTime(t *testing.T) {
	// Nothing happens for a while, then a command: the command must land at
	// the same instant on replay, even when the idle time is not a whole
	// number of microseconds.
	cfg := quiet(three...)
	s := newSim(t, cfg)
	s.RunFor(1234567891*time.Nanosecond, 0)
	act(t, s, "athens", "timer", "name", "t", "ms", "5")
	act(t, s, "athens", "ping", "to", "cyrene", "n", "1")
	s.RunFor(ms(3), 0)
	act(t, s, "byzantium", "ping", "to", "cyrene", "n", "2")
	s.Stabilize(100)
	s.RunFor(time.Second+7, 0)
	act(t, s, "cyrene", "ping", "to", "athens", "n", "3")
	s.Stabilize(100)
	want := snap(t, s)
	r, err := Replay(s.Config(), echoModel(), s.Log(), s.StepCount())
	if err != nil {
		t.Fatal(err)
	}
	if got := snap(t, r); got != want {
		t.Fatalf("replay with idle time differs:\nlive   %s\nreplay %s", want.view, got.view)
	}
}

func TestReplayRejectsAForeignLog(t *testing.T) {
	s := newSim(t, quiet(three...))
	s.RunFor(ms(100), 0)
	act(t, s, "athens", "ping", "to", "cyrene", "n", "1")
	s.Stabilize(10)

	other := quiet("athens", "byzantium")
	if _, err := Replay(other, echoModel(), s.Log(), s.StepCount()); err == nil {
		t.Fatal("replayed a log that names a node the config lacks")
	}
	busy := Config{Nodes: three, Seed: 1}
	if _, err := Replay(busy, echoModel(), s.Log(), s.StepCount()); err == nil {
		t.Fatal("replayed an idle-time command into a run that was busy then")
	}
	if _, err := Replay(s.Config(), echoModel(), s.Log(), s.StepCount()+5); err == nil {
		t.Fatal("replayed past the end of a run that has nothing more to do")
	}
	if _, err := Replay(s.Config(), echoModel(), s.Log(), -1); err == nil {
		t.Fatal("replayed to step -1")
	}
	back := append([]LoggedCommand(nil), s.Log()...)
	back = append(back, LoggedCommand{Step: 0, Command: Command{Kind: CmdHeal}})
	if _, err := Replay(s.Config(), echoModel(), back, s.StepCount()); err == nil {
		t.Fatal("replayed a log that goes back in time")
	}
}

func TestBranchKeepsTheOriginal(t *testing.T) {
	s := storyRun(t, 21)
	before := snap(t, s)
	const at = 120
	b, err := s.Rewind(at)
	if err != nil {
		t.Fatal(err)
	}
	if snap(t, s) != before {
		t.Fatal("branching changed the original run")
	}
	if b.StepCount() != at {
		t.Fatalf("branch at step %d", b.StepCount())
	}
	// The branch's trace is the original's up to the branch point.
	var prefix []TraceEvent
	for _, e := range s.Trace().Events() {
		if e.Step <= at {
			prefix = append(prefix, e)
		}
	}
	if tr := traceFrom(prefix); tr.Hash() != b.Trace().Hash() {
		t.Fatalf("branch trace (%d events) is not the original's first %d", b.Trace().Len(), len(prefix))
	}
	for _, c := range b.Log() {
		if c.Step > at {
			t.Fatalf("the branch kept a command from step %d", c.Step)
		}
	}

	// Same future when nothing changes; a different one after a new action.
	same, _ := s.Rewind(at)
	same.stepToEnd(t, before.step, s.Log())
	if same.Trace().Hash() != before.hash {
		t.Fatal("rewinding and replaying the same commands gave another future")
	}
	apply(t, b, Command{Kind: CmdCrash, Node: "cyrene"})
	for b.StepCount() < before.step {
		b.Step()
	}
	if b.Trace().Hash() == before.hash {
		t.Fatal("crashing cyrene in the branch did not change its future")
	}
	if snap(t, s) != before {
		t.Fatal("acting on the branch changed the original")
	}
	if len(b.Log()) == len(s.Log()) && b.Log()[len(b.Log())-1].Kind == s.Log()[len(s.Log())-1].Kind {
		t.Fatal("the branch's log does not hold its own command")
	}
}

// stepToEnd re-applies the original's commands after the rewind point while
// stepping to step end, as a learner who changes nothing would.
func (s *Sim) stepToEnd(t *testing.T, end int, log []LoggedCommand) {
	t.Helper()
	next := len(s.Log())
	for {
		for next < len(log) && log[next].Step == s.step {
			s.AdvanceTo(log[next].At)
			apply(t, s, log[next].Command)
			next++
		}
		if s.step >= end {
			return
		}
		if _, ok := s.Step(); !ok {
			t.Fatal("ran out of events")
		}
	}
}
