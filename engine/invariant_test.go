package engine

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// atMostTwo breaks as soon as byzantium has heard three messages.
func atMostTwo() []Invariant {
	return []Invariant{{
		Name:        "at-most-two",
		Description: "byzantium hears at most two messages",
		Check: func(w *World) (string, []string) {
			if n, ok := w.Process("byzantium").(*echoNode); ok && len(n.got) > 2 {
				return "byzantium has heard " + strings.Join(n.got, ", "), []string{"byzantium", "athens"}
			}
			return "", nil
		},
	}}
}

func TestInvariantViolationIsRecordedOnce(t *testing.T) {
	m := echoModel()
	m.Invariants = atMostTwo
	s, err := New(quiet(three...), m)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		act(t, s, "athens", "ping", "to", "byzantium", "n", "1")
	}
	broke := -1
	for {
		info, ok := s.Step()
		if !ok {
			break
		}
		if broke < 0 && len(echo(t, s, "byzantium").got) == 3 {
			broke = info.Step
		}
	}
	v := s.Violations()
	if len(v) != 1 {
		t.Fatalf("violations = %+v, want exactly one", v)
	}
	if v[0].Invariant != "at-most-two" || v[0].Step != broke || !strings.Contains(v[0].Text, "athens:Ping:1, athens:Ping:1, athens:Ping:1") || !reflect.DeepEqual(v[0].Nodes, []string{"byzantium", "athens"}) {
		t.Fatalf("violation = %+v, want at-most-two at step %d", v[0], broke)
	}
	tr := traceOf(s, TrViolation)
	if len(tr) != 1 || tr[0].Step != broke || tr[0].Node != "byzantium" || !strings.HasPrefix(tr[0].Text, "at-most-two: byzantium has heard") {
		t.Fatalf("violation trace = %+v", tr)
	}
	if got := s.View().Violations; !reflect.DeepEqual(got, v) {
		t.Fatal("the view does not carry the violation")
	}
}

func TestInvariantsAreCheckedAfterCommands(t *testing.T) {
	m := echoModel()
	m.Invariants = func() []Invariant {
		return []Invariant{{Name: "all-up", Check: func(w *World) (string, []string) {
			for _, id := range w.Nodes() {
				if w.Status(id) != "up" {
					return id + " is " + string(w.Status(id)), []string{id}
				}
			}
			return "", nil
		}}}
	}
	s, err := New(quiet(three...), m)
	if err != nil {
		t.Fatal(err)
	}
	s.RunFor(ms(10), 0)
	apply(t, s, Command{Kind: CmdPause, Node: "cyrene"})
	if v := s.Violations(); len(v) != 1 || v[0].Text != "cyrene is paused" || v[0].Step != 0 || v[0].At != 10_000 {
		t.Fatalf("violations = %+v", v)
	}
}

func TestClientHistoryInVirtualTime(t *testing.T) {
	cfg := quiet(three...)
	cfg.Clients = []string{"alice", "bob"}
	cfg.Net = fixedNet(ms(10))
	s := newSim(t, cfg)
	s.RunFor(ms(5), 0)
	apply(t, s, Command{Kind: CmdClient, Node: "alice", Name: "write"})
	apply(t, s, Command{Kind: CmdClient, Node: "bob", Name: "write", Args: map[string]string{"to": "cyrene", "fail": "yes"}})
	if h := s.History(); len(h) != 2 || h[0].Status != OpPending || h[0].Return != 0 {
		t.Fatalf("history while in flight = %+v", h)
	}
	s.RunFor(ms(15), 0)
	apply(t, s, Command{Kind: CmdCrash, Node: "byzantium"})
	apply(t, s, Command{Kind: CmdClient, Node: "alice", Name: "write", Args: map[string]string{"to": "byzantium"}})
	s.RunFor(time.Second, 0)

	want := []Operation{
		{ID: 0, Client: "alice", Input: "write athens", Output: "done", Call: 5_000, Return: 25_000, Status: OpOK},
		{ID: 1, Client: "bob", Input: "write cyrene", Output: "refused", Call: 5_000, Return: 25_000, Status: OpFail},
		{ID: 2, Client: "alice", Input: "write byzantium", Call: 20_000, Return: 120_000, Status: OpUnknown},
	}
	if got := s.History(); !reflect.DeepEqual(got, want) {
		t.Fatalf("history =\n%+v\nwant\n%+v", got, want)
	}
	if ops := traceOf(s, TrOp); len(ops) != 6 {
		t.Fatalf("%d op trace events, want 3 invokes and 3 completions", len(ops))
	}
}

func TestCompleteIgnoresBadIDsAndSecondAnswers(t *testing.T) {
	cfg := quiet(three...)
	cfg.Clients = []string{"alice"}
	s := newSim(t, cfg)
	env := s.byID["alice"].env
	id := env.Invoke("read")
	env.Complete(id, nil, OpPending) // not an answer
	env.Complete(id+1, "x", OpOK)    // no such operation
	env.Complete(-1, "x", OpOK)
	if s.History()[0].Status != OpPending {
		t.Fatal("a non-answer completed the operation")
	}
	env.Complete(id, "v1", OpOK)
	env.Complete(id, "v2", OpFail)
	if h := s.History()[0]; h.Output != "v1" || h.Status != OpOK {
		t.Fatalf("a second answer overwrote the first: %+v", h)
	}
}
