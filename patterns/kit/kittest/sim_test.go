package kittest_test

import (
	"fmt"
	"strings"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/replog"
)

// fatalRecorder is a testing.TB whose Fatalf is recorded instead of ending
// the test.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
}

// Apply passes a command the run takes, and fails the test, naming the
// command and the reason, on one it refuses.
func TestApplyFailsOnARefusedCommand(t *testing.T) {
	c := replog.LeaderAndFollowers()
	s := kittest.Sim(t, c, 3, 1, nil)
	r := &fatalRecorder{TB: t}
	kittest.Apply(r, s, engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	if r.fatal != "" {
		t.Fatalf("a crash of athens was refused: %s", r.fatal)
	}
	kittest.Apply(r, s, engine.Command{Kind: engine.CmdCrash, Node: "nobody"})
	if !strings.Contains(r.fatal, "nobody") {
		t.Fatalf("a crash of an unknown node: recorded %q, want a failure naming it", r.fatal)
	}
}
