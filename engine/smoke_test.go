package engine

import (
	"testing"
	"time"
)

type ping struct{ N int }

func (ping) Kind() string { return "Ping" }

// echoNode pings every peer on a timer and answers every ping.
type echoNode struct {
	got int
}

func (n *echoNode) Handle(env Env, ev Event) {
	switch ev.Kind {
	case EvStart:
		env.SetTimer("tick", 10*time.Millisecond)
	case EvTimer:
		for _, p := range env.Peers() {
			if p != env.ID() {
				env.Send(p, ping{N: 1})
			}
		}
		env.SetTimer("tick", 10*time.Millisecond)
	case EvReceive:
		n.got++
		if m := ev.Msg.(ping); m.N == 1 {
			env.Send(ev.From, ping{N: 2})
		}
	}
}

func (n *echoNode) View() ProcessView { return ProcessView{Role: "echo"} }

func echoModel() Model {
	return Model{NewProcess: func(id string, client bool) Process { return &echoNode{} }}
}

func TestSmoke(t *testing.T) {
	s, err := New(Config{Nodes: []string{"athens", "byzantium", "cyrene"}, Seed: 1}, echoModel())
	if err != nil {
		t.Fatal(err)
	}
	s.RunFor(time.Second, 0)
	if s.StepCount() < 100 {
		t.Fatalf("only %d steps", s.StepCount())
	}
	if err := s.Apply(Command{Kind: CmdCrash, Node: "athens"}); err != nil {
		t.Fatal(err)
	}
	s.RunFor(time.Second, 0)
	r, err := Replay(s.Config(), echoModel(), s.Log(), s.StepCount())
	if err != nil {
		t.Fatal(err)
	}
	if r.Trace().Hash() != s.Trace().Hash() {
		t.Fatalf("replay differs: %d vs %d events", r.Trace().Len(), s.Trace().Len())
	}
}
