package sweep

import (
	"errors"
	"fmt"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// A schedule found by a sweep is long: dozens of faults and client
// requests, most of which have nothing to do with what broke. Shrink looks
// for a shorter one that breaks the same invariant, so a learner reads a
// counterexample of a few steps instead of a storm.
//
// A shorter schedule is a different run: once a command is gone the steps
// no longer line up, so the remaining commands are replayed at the virtual
// times they were given (ReplaySchedule), not at their steps, and one the
// run refuses (a restart of a node whose crash was removed) is skipped.

// DefaultShrinkTries bounds the runs one shrink may take.
const DefaultShrinkTries = 400

// Shrunk is the shortest failing run a shrink found.
type Shrunk struct {
	Result        // the run; its Log is the shrunk schedule, at the steps it ran
	Original  int // commands in the schedule the sweep found
	FirstStep int // where that schedule broke
	Tries     int // runs it took
	// Complete: no single command can be removed any more. False when the
	// try limit stopped it (a shorter schedule may exist).
	Complete bool
}

// ReplaySchedule plays cfg with the given commands applied at their virtual
// times (a command the run refuses is skipped), runs on to the end of the
// sweep's schedule (calm + faults + settle of opt) and judges the run as Run
// does.
func ReplaySchedule(c *kit.Cluster, cfg engine.Config, schedule []engine.LoggedCommand, opt Options) Result {
	return replayOn(nil, c, cfg, schedule, opt)
}

// replayOn is ReplaySchedule on sp's memory (see RunOn).
func replayOn(sp *engine.Spares, c *kit.Cluster, cfg engine.Config, schedule []engine.LoggedCommand, opt Options) Result {
	opt = opt.withDefaults()
	s, res, ok := start(sp, c, cfg)
	if !ok {
		return res
	}
	budget := opt.MaxSteps
	broke := func() bool { return !opt.KeepGoing && len(s.Violations()) > 0 }
	runTo := func(t time.Duration) {
		if t > s.Now() && budget > 0 {
			budget -= s.RunFor(t-s.Now(), budget)
		}
	}
	for _, lc := range schedule {
		runTo(time.Duration(lc.At) * time.Microsecond)
		if broke() || budget <= 0 {
			break
		}
		_ = s.Apply(lc.Command)
	}
	if !broke() {
		runTo(opt.Calm + opt.Faults + opt.Settle)
	}
	return judge(c, s, res, opt, budget)
}

// Shrink removes commands from a failed run's schedule while the same
// invariant still breaks (delta debugging: halves, then quarters, ... then
// one command at a time), within maxTries runs (0: DefaultShrinkTries).
// cfg is the config the failing run had.
func Shrink(c *kit.Cluster, cfg engine.Config, failed Result, opt Options, maxTries int) (Shrunk, error) {
	if !failed.Failed {
		return Shrunk{}, errors.New("shrink: the run did not fail")
	}
	if maxTries <= 0 {
		maxTries = DefaultShrinkTries
	}
	same := func(r Result) bool { return r.Failed && r.Invariant == failed.Invariant }
	// Commands given after the run broke played no part in it.
	var cmds []engine.LoggedCommand
	for _, lc := range failed.Log {
		if lc.Step <= failed.Step {
			cmds = append(cmds, lc)
		}
	}
	out := Shrunk{Original: len(failed.Log), FirstStep: failed.Step}
	stopped := func() bool { return out.Tries >= maxTries || opt.Stop != nil && opt.Stop() }
	var sp engine.Spares // each try's run takes the memory of the one before
	try := func(cand []engine.LoggedCommand) (Result, bool) {
		out.Tries++
		r := replayOn(&sp, c, cfg, cand, opt)
		sp.Reclaim(r.Sim) // what a Result keeps (its Log) is its own
		r.Sim = nil
		return r, same(r)
	}
	best, ok := try(cmds)
	if !ok {
		return out, fmt.Errorf("shrink: replayed by time, the schedule broke %q, not %q", best.Invariant, failed.Invariant)
	}
	parts := 2
	for len(cmds) > 0 && !stopped() {
		size := (len(cmds) + parts - 1) / parts
		removed, start := false, 0
		for ; start < len(cmds) && !stopped(); start += size {
			cand := append(append([]engine.LoggedCommand(nil), cmds[:start]...), cmds[min(start+size, len(cmds)):]...)
			if r, ok := try(cand); ok {
				cmds, best, removed = cand, r, true
				parts = max(parts-1, 2)
				break
			}
		}
		if removed {
			continue
		}
		if start < len(cmds) {
			break // out of tries (or told to stop) in the middle of a pass
		}
		if size == 1 {
			out.Complete = true // every single command is needed
			break
		}
		parts = min(parts*2, len(cmds))
	}
	if len(cmds) == 0 {
		out.Complete = true
	}
	out.Result = best
	return out, nil
}
