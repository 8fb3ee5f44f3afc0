package engine

import (
	"math/rand/v2"
	"testing"
	"time"
)

// randomCommand picks a command, often a bad one: unknown names, held
// messages that are gone, crashes of crashed nodes, absurd numbers.
func randomCommand(r *rand.Rand, s *Sim) Command {
	names := append(append([]string{}, five...), "alice", "sparta", "")
	node := func() string { return names[r.IntN(len(names))] }
	msg := uint64(r.IntN(int(s.nextMsg) + 2))
	if fl := s.InFlight(); len(fl) > 0 && r.IntN(2) == 0 {
		msg = fl[r.IntN(len(fl))].ID
	}
	dur := Duration(time.Duration(r.Int64N(int64(2*time.Second))) - time.Second)
	switch r.IntN(19) {
	case 0:
		return Command{Kind: CmdCrash, Node: node()}
	case 1:
		return Command{Kind: CmdRestart, Node: node()}
	case 2:
		return Command{Kind: CmdPause, Node: node()}
	case 3:
		return Command{Kind: CmdResume, Node: node()}
	case 4:
		a, b := node(), node()
		return Command{Kind: CmdPartition, Groups: [][]string{{a, node()}, {b}}}
	case 5:
		return Command{Kind: CmdCut, From: node(), To: node()}
	case 6:
		if r.IntN(2) == 0 {
			return Command{Kind: CmdHeal}
		}
		return Command{Kind: CmdHeal, From: node(), To: node()}
	case 7:
		return Command{Kind: CmdOffset, Node: node(), Dur: dur}
	case 8:
		return Command{Kind: CmdDrift, Node: node(), PPM: r.Int64N(1_200_000) - 600_000}
	case 9:
		return Command{Kind: CmdJump, Node: node(), Dur: dur}
	case 10:
		return Command{Kind: CmdDeliver, Msg: msg}
	case 11:
		return Command{Kind: CmdDrop, Msg: msg}
	case 12:
		return Command{Kind: CmdDuplicate, Msg: msg}
	case 13:
		return Command{Kind: CmdManual, On: r.IntN(2) == 0}
	case 14:
		return Command{Kind: CmdDropNext, From: node(), To: node(), MsgKind: []string{"", "Ping", "Pong"}[r.IntN(3)], Count: r.IntN(4) - 1}
	case 15:
		lo := Duration(r.Int64N(int64(10*time.Millisecond)) - int64(time.Millisecond))
		return Command{Kind: CmdNetwork, From: node(), Net: &NetSettings{MinDelay: lo, MeanDelay: lo + Duration(r.Int64N(int64(5*time.Millisecond))), DropPct: float64(r.IntN(120)), DupPct: float64(r.IntN(30)), FIFO: r.IntN(2) == 0}}
	case 17:
		faults := append(append([]string{}, DiskFaults...), "melt", "")
		return Command{Kind: CmdDisk, Node: node(), Name: faults[r.IntN(len(faults))], Value: r.IntN(3000) - 500, Dur: dur, Args: map[string]string{"file": []string{"", "wal", "nope"}[r.IntN(3)]}}
	case 16:
		return Command{Kind: CmdClient, Node: node(), Name: "write", Args: map[string]string{"to": node()}}
	default:
		return Command{Kind: CmdAction, Node: node(), Name: []string{"ping", "put", "timer", "note", "bogus"}[r.IntN(5)], Args: map[string]string{"to": node(), "n": "1", "key": "k", "value": "v", "sync": "yes", "name": "t", "ms": "20"}}
	}
}

// TestRandomCommandsNeverPanicAndReplay throws random commands, many of them
// bad, at a running cluster: the engine must refuse the bad ones without
// panicking or changing anything, and the log of the good ones must replay
// the same run.
func TestRandomCommandsNeverPanicAndReplay(t *testing.T) {
	seeds := 30
	if testing.Short() {
		seeds = 5
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		s := newSim(t, Config{Nodes: five, Clients: []string{"alice"}, Seed: seed})
		refused := 0
		for i := 0; i < 150; i++ {
			switch r.IntN(3) {
			case 0:
				for n := r.IntN(20); n > 0; n-- {
					s.Step()
				}
			case 1:
				s.RunFor(time.Duration(r.Int64N(int64(30*time.Millisecond))), 200)
			default:
				traceN, logN := s.Trace().Len(), len(s.Log())
				if err := s.Apply(randomCommand(r, s)); err != nil {
					refused++
					if s.Trace().Len() != traceN || len(s.Log()) != logN {
						t.Fatalf("seed %d: refused command changed the run: %v", seed, err)
					}
				}
			}
		}
		if refused == 0 || len(s.Log()) == 0 {
			t.Fatalf("seed %d: %d refused, %d applied: the mix is not random enough", seed, refused, len(s.Log()))
		}
		re, err := Replay(s.Config(), echoModel(), s.Log(), s.StepCount())
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if re.Trace().Hash() != s.Trace().Hash() {
			t.Fatalf("seed %d: replay differs (%d vs %d trace events)", seed, re.Trace().Len(), s.Trace().Len())
		}
	}
}
