package engine

import (
	"errors"
	"testing"
)

// A model's CheckCommand refuses a command before anything changes: no
// trace, no log entry, and the engine's own checks never run.
func TestCheckCommandRefusesBeforeAnythingChanges(t *testing.T) {
	m := echoModel()
	m.CheckCommand = func(w *World, c Command) error {
		if c.Kind == CmdCrash && w.Status(c.Node) == StatusUp {
			return errors.New("crash: not this one")
		}
		return nil
	}
	s, err := New(Config{Nodes: three, Seed: 1}, m)
	if err != nil {
		t.Fatal(err)
	}
	s.RunFor(ms(10), 0)
	before, logged := s.Trace().Hash(), len(s.Log())
	if err := s.Apply(Command{Kind: CmdCrash, Node: "athens"}); err == nil || err.Error() != "crash: not this one" {
		t.Fatalf("crash accepted or refused for another reason: %v", err)
	}
	if s.Trace().Hash() != before || len(s.Log()) != logged || s.World().Status("athens") != StatusUp {
		t.Fatal("a refused command changed the run")
	}
	apply(t, s, Command{Kind: CmdPause, Node: "athens"})
	if s.World().Status("athens") != StatusPaused {
		t.Fatal("a command the check lets through did not run")
	}
}
