package engine

import (
	"strconv"
	"testing"
	"time"
)

// oneShotNode arms a timer named per task, every millisecond, and lets each
// fire once, as a queue's stage timers do.
type oneShotNode struct{ n, fired int }

func (o *oneShotNode) Handle(env Env, ev Event) {
	switch ev.Kind {
	case EvStart:
		env.SetTimer("next", time.Millisecond)
	case EvTimer:
		if ev.Timer == "next" {
			o.n++
			env.SetTimer("task#"+strconv.Itoa(o.n), 500*time.Microsecond)
			env.SetTimer("next", time.Millisecond)
			return
		}
		o.fired++
	}
}

func (o *oneShotNode) View() ProcessView { return ProcessView{} }

// TestFiredTimersAreRecycled: a timer that fired and was not armed again
// leaves the process's timer set, so a process naming a timer per task
// keeps a short set all run; re-arming in the handler keeps the record.
func TestFiredTimersAreRecycled(t *testing.T) {
	node := &oneShotNode{}
	s, err := New(Config{Nodes: []string{"athens"}, Seed: 1}, Model{NewProcess: func(string, Role) Process { return node }})
	if err != nil {
		t.Fatal(err)
	}
	s.RunFor(time.Second, 0)
	if node.fired < 900 {
		t.Fatalf("only %d task timers fired", node.fired)
	}
	p := s.procByID("athens")
	if n := len(p.timers.all()); n > 2 {
		t.Fatalf("athens keeps %d timer records after %d one-shot timers fired (want the re-armed one and at most one pending)", n, node.fired)
	}
	if p.timers.get("next") == nil || !p.timers.get("next").armed {
		t.Fatal("the timer its handler re-arms lost its record")
	}
}
