package lessons

import (
	"fmt"
	"time"

	"clusterscope/engine"
)

// maxRunSteps bounds one run step, so a message storm ends with an error
// instead of running forever.
const maxRunSteps = 1_000_000

// Player plays a scenario one step at a time on its own Sim, synchronously.
// It is not safe for concurrent use: the web layer drives it from the
// goroutine that owns the session, Run from the command line and tests.
// Say, question and expect steps leave the Sim alone, so a scenario drives
// exactly what the browser's buttons drive: commands and time.
type Player struct {
	// SearchGate, when set, is asked before a find-failure step searches
	// (a server bounds its searches at once); its error fails the step.
	SearchGate func() (release func(), err error)

	sc     *Scenario
	sim    *engine.Sim
	next   int
	traced int   // trace events already reported
	failed error // the Sim panicked: the run cannot go on
	// partial is the run step StepWithin is part-way through, or nil.
	partial *partialRun
}

// partialRun is where a paced run step stands between StepWithin calls.
type partialRun struct {
	end  time.Duration // for: when it ends; until: its deadline
	work int           // until: condition checks so far, in cost units
	ran  int
}

// Outcome is what playing one step did.
type Outcome struct {
	Index int   `json:"index"`
	Step  *Step `json:"step"`
	// Command is the command as applied: a message picked by from/to/kind
	// has its id filled in.
	Command *engine.Command `json:"command,omitempty"`
	Ran     int             `json:"ran,omitempty"` // events a run step played
	// Held is the result of an expect, or whether a run-until condition
	// came true.
	Held bool `json:"held,omitempty"`
	// Values explains a failed expect: the names it read and their values.
	Values string `json:"values,omitempty"`
	// Search is what a find-failure step found.
	Search *SearchOutcome      `json:"search,omitempty"`
	Events []engine.TraceEvent `json:"events,omitempty"` // trace events the step added
	// SimStep and At are where the cluster stands after the step.
	SimStep int   `json:"simStep"`
	At      int64 `json:"at"` // virtual µs
}

// NewPlayer builds the scenario's cluster, ready for its first step.
func NewPlayer(sc *Scenario) (*Player, error) {
	p := &Player{sc: sc}
	if err := p.reset(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Player) reset() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: the simulation failed while starting: %v", p.sc.File, r)
		}
	}()
	cfg, err := p.sc.Config()
	if err != nil {
		return err
	}
	sim, err := p.sc.pattern.NewSim(cfg)
	if err != nil {
		return fmt.Errorf("%s: %w", p.sc.File, err)
	}
	p.sim, p.next, p.traced, p.failed = sim, 0, 0, nil
	return nil
}

// Sim is the cluster the scenario drives. The web layer may read it, and a
// learner who takes over may keep acting on it (or on a Branch of it).
func (p *Player) Sim() *engine.Sim { return p.sim }

// Next is the index of the step to play next.
func (p *Player) Next() int { return p.next }

// Done reports whether every step was played.
func (p *Player) Done() bool { return p.next >= len(p.sc.Steps) }

// Step plays the next step. An expect that does not hold, a run-until that
// times out, or a command the cluster refuses returns an *Error placed at
// the step; the player moves past it all the same, so a learner can go on.
func (p *Player) Step() (out Outcome, err error) {
	out, _, err = p.StepWithin(0)
	return out, err
}

// StepWithin plays the next step as Step does, except that a run step for a
// duration or until a condition plays at most budget of virtual time per
// call (0: no bound): until it is over, StepWithin returns done false and
// the next call goes on with it. The web player paces a scenario with it, so
// a learner sees timers run down and messages travel; the end state is the
// one Step reaches.
func (p *Player) StepWithin(budget time.Duration) (out Outcome, done bool, err error) {
	if p.partial != nil || budget > 0 && p.next < len(p.sc.Steps) && p.sc.Steps[p.next].Kind == StepRun && (p.sc.Steps[p.next].Run.For > 0 || p.sc.Steps[p.next].Run.until != nil) {
		return p.runWithin(budget)
	}
	out, err = p.step()
	return out, true, err
}

// runWithin plays (part of) a run step within budget of virtual time.
func (p *Player) runWithin(budget time.Duration) (out Outcome, done bool, err error) {
	if p.failed != nil {
		return out, true, p.failed
	}
	i := p.next
	st := &p.sc.Steps[i]
	r := st.Run
	sim := p.sim
	if p.partial == nil {
		p.partial = &partialRun{end: sim.Now() + time.Duration(r.For)}
		if r.until != nil {
			p.partial.end = sim.Now() + time.Duration(r.Limit)
		}
	}
	pr := p.partial
	finish := func(held bool, e error) (Outcome, bool, error) {
		p.partial = nil
		p.next++
		out = Outcome{Index: i, Step: st, Ran: pr.ran, Held: held}
		ev := sim.Trace().Since(p.traced)
		out.Events = append([]engine.TraceEvent(nil), ev...)
		p.traced = sim.Trace().Len()
		out.SimStep, out.At = sim.StepCount(), int64(sim.Now()/time.Microsecond)
		if e != nil && r.until != nil {
			out.Values = r.until.explain(p.sc.env, sim)
			if se, ok := e.(*Error); ok && out.Values != "" {
				se.Msg += "; here " + out.Values
			}
		}
		return out, true, e
	}
	defer func() {
		if rec := recover(); rec != nil {
			p.partial = nil
			p.next = i + 1
			p.failed = p.stepErr(st, "the simulation failed: %v", rec)
			out, done, err = Outcome{Index: i, Step: st}, true, p.failed
		}
	}()
	slice := pr.end
	if budget > 0 && sim.Now()+budget < slice {
		slice = sim.Now() + budget
	}
	if r.until == nil {
		pr.ran += sim.RunFor(slice-sim.Now(), maxRunSteps-pr.ran)
		if pr.ran >= maxRunSteps {
			return finish(false, p.stepErr(st, "run: more than %d events in %v; is the cluster in a message storm?", maxRunSteps, time.Duration(r.For)))
		}
		if sim.Now() < pr.end {
			return out, false, nil
		}
		return finish(true, nil)
	}
	// The same checks as run, in the same order, stopping at the slice.
	for {
		if pr.work += r.until.cost; pr.work > maxUntilWork {
			return finish(false, p.stepErr(st, "run until %s: still false after %d checks, and checking it again would pass the work budget of a run step (%d operations; this condition costs up to %d per check): simplify the condition or shorten the run", r.Until, pr.work/r.until.cost-1, maxUntilWork, r.until.cost))
		}
		ok, e := r.until.eval(p.sc.env, sim)
		if e != nil {
			return finish(false, p.stepErr(st, "run until %s: %v", r.Until, e))
		}
		if ok {
			return finish(true, nil)
		}
		if sim.Now() >= pr.end {
			return finish(false, p.stepErr(st, "run until %s: still false after %v (step %d, time %.3fs)", r.Until, time.Duration(r.Limit), sim.StepCount(), sim.Now().Seconds()))
		}
		if pr.ran >= maxRunSteps {
			return finish(false, p.stepErr(st, "run until %s: still false after %d events", r.Until, pr.ran))
		}
		if sim.Now() >= slice {
			pr.work -= r.until.cost // checked again on the next call
			return out, false, nil
		}
		before := sim.Now()
		n := sim.RunFor(slice-sim.Now(), 1)
		if n == 0 && sim.Now() == before {
			return finish(false, p.stepErr(st, "run until %s: time cannot move on (step %d, time %.3fs)", r.Until, sim.StepCount(), sim.Now().Seconds()))
		}
		pr.ran += n
	}
}

func (p *Player) step() (out Outcome, err error) {
	if p.failed != nil {
		return out, p.failed
	}
	if p.Done() {
		return out, fmt.Errorf("%s: the scenario is over", p.sc.File)
	}
	i := p.next
	st := &p.sc.Steps[i]
	p.next++
	out = Outcome{Index: i, Step: st}
	defer func() {
		if r := recover(); r != nil {
			p.failed = p.stepErr(st, "the simulation failed: %v", r)
			err = p.failed
		}
		ev := p.sim.Trace().Since(p.traced)
		out.Events = append([]engine.TraceEvent(nil), ev...)
		p.traced = p.sim.Trace().Len()
		out.SimStep, out.At = p.sim.StepCount(), int64(p.sim.Now()/time.Microsecond)
	}()
	switch st.Kind {
	case StepSay, StepQuestion, StepCompare:
	case StepFindFailure:
		r, e := p.findFailure(st)
		if e != nil {
			return out, p.stepErr(st, "find-failure: %v", e)
		}
		out.Search = &r
	case StepRun:
		var e error
		out.Ran, out.Held, e = p.run(st)
		if e != nil {
			if st.Run.until != nil {
				out.Values = st.Run.until.explain(p.sc.env, p.sim)
				if se, ok := e.(*Error); ok && out.Values != "" {
					se.Msg += "; here " + out.Values
				}
			}
			return out, e
		}
	case StepCommand:
		c := *st.Command
		if st.Select != nil {
			id, ok := p.pick(st.Select)
			if !ok {
				return out, p.stepErr(st, "%s: no message in flight matches (%s)", c.Kind, describeCommand(c, st.Select))
			}
			c.Msg = id
		}
		out.Command = &c
		if e := p.sim.Apply(c); e != nil {
			return out, p.stepErr(st, "%v", e)
		}
	case StepExpect:
		held, e := st.Expect.cond.eval(p.sc.env, p.sim)
		if e != nil {
			return out, p.stepErr(st, "expect %s: %v", st.Expect.Condition, e)
		}
		out.Held = held
		if !held {
			out.Values = st.Expect.cond.explain(p.sc.env, p.sim)
			msg := fmt.Sprintf("expect failed: %s", st.Expect.Condition)
			if st.Expect.Message != "" {
				msg += " (" + st.Expect.Message + ")"
			}
			if out.Values != "" {
				msg += "; here " + out.Values
			}
			return out, p.stepErr(st, "%s", msg)
		}
	}
	return out, nil
}

func (p *Player) stepErr(st *Step, format string, args ...any) *Error {
	return &Error{File: p.sc.File, Line: st.Line, Col: st.Col, Msg: fmt.Sprintf(format, args...)}
}

// pick finds the oldest message in flight that matches the selector.
func (p *Player) pick(sel *MsgSelector) (uint64, bool) {
	for _, m := range p.sim.InFlight() {
		if (sel.From == "" || sel.From == m.From) && (sel.To == "" || sel.To == m.To) && (sel.Kind == "" || sel.Kind == m.Kind) {
			return m.ID, true
		}
	}
	return 0, false
}

func (p *Player) run(st *Step) (ran int, held bool, err error) {
	r := st.Run
	sim := p.sim
	switch {
	case r.For > 0:
		ran = sim.RunFor(time.Duration(r.For), maxRunSteps)
		if ran >= maxRunSteps {
			return ran, false, p.stepErr(st, "run: more than %d events in %v; is the cluster in a message storm?", maxRunSteps, time.Duration(r.For))
		}
		return ran, true, nil
	case r.until != nil:
		deadline := sim.Now() + time.Duration(r.Limit)
		work := 0
		for {
			if work += r.until.cost; work > maxUntilWork {
				return ran, false, p.stepErr(st, "run until %s: still false after %d checks, and checking it again would pass the work budget of a run step (%d operations; this condition costs up to %d per check): simplify the condition or shorten the run", r.Until, work/r.until.cost-1, maxUntilWork, r.until.cost)
			}
			ok, e := r.until.eval(p.sc.env, sim)
			if e != nil {
				return ran, false, p.stepErr(st, "run until %s: %v", r.Until, e)
			}
			if ok {
				return ran, true, nil
			}
			if sim.Now() >= deadline {
				return ran, false, p.stepErr(st, "run until %s: still false after %v (step %d, time %.3fs)", r.Until, time.Duration(r.Limit), sim.StepCount(), sim.Now().Seconds())
			}
			if ran >= maxRunSteps {
				return ran, false, p.stepErr(st, "run until %s: still false after %d events", r.Until, ran)
			}
			// One event due before the deadline, or (none) jump to it.
			before := sim.Now()
			n := sim.RunFor(deadline-sim.Now(), 1)
			if n == 0 && sim.Now() == before {
				return ran, false, p.stepErr(st, "run until %s: time cannot move on (step %d, time %.3fs)", r.Until, sim.StepCount(), sim.Now().Seconds())
			}
			ran += n
		}
	case r.Steps > 0:
		for ran < r.Steps {
			if _, ok := sim.Step(); !ok {
				return ran, false, p.stepErr(st, "run: nothing left to happen after %d of %d steps", ran, r.Steps)
			}
			ran++
		}
		return ran, true, nil
	default: // ToStep, as an exported recording replays
		if sim.StepCount() > r.ToStep {
			return 0, false, p.stepErr(st, "run: already at step %d, past step %d", sim.StepCount(), r.ToStep)
		}
		for sim.StepCount() < r.ToStep {
			if _, ok := sim.Step(); !ok {
				return ran, false, p.stepErr(st, "run: the cluster went quiet at step %d, before step %d", sim.StepCount(), r.ToStep)
			}
			ran++
		}
		if r.Time > 0 {
			sim.AdvanceTo(int64(time.Duration(r.Time) / time.Microsecond))
			if sim.Now() != time.Duration(r.Time) {
				return ran, false, p.stepErr(st, "run: cannot let time pass to %v at step %d: something is due at %.6fs", time.Duration(r.Time), r.ToStep, sim.Now().Seconds())
			}
		}
		return ran, true, nil
	}
}
