package engine

import (
	"errors"
	"fmt"
)

// MaxReplaySteps bounds a replay requested from outside.
const MaxReplaySteps = 2_000_000

// Replay rebuilds a run from its inputs and stops after step n, with every
// command logged at a step ≤ n applied: the state a learner saw at step n.
// A command that fails on replay means the log does not belong to this
// config; the error names it.
func Replay(cfg Config, model Model, log []LoggedCommand, n int) (*Sim, error) {
	if n < 0 {
		return nil, errors.New("replay: step must be ≥ 0")
	}
	if n > MaxReplaySteps {
		return nil, fmt.Errorf("replay: at most %d steps", MaxReplaySteps)
	}
	s, err := New(cfg, model)
	if err != nil {
		return nil, err
	}
	for i, lc := range log {
		if lc.Step > n {
			break
		}
		if err := s.stepTo(lc.Step); err != nil {
			return nil, fmt.Errorf("replay: command %d (%s): %w", i+1, lc.Kind, err)
		}
		s.AdvanceTo(lc.At)
		if micros(s.now) != lc.At {
			return nil, fmt.Errorf("replay: command %d (%s at step %d) was logged at %dµs but the run is at %dµs: the log does not belong to this config", i+1, lc.Kind, lc.Step, lc.At, micros(s.now))
		}
		if err := s.Apply(lc.Command); err != nil {
			return nil, fmt.Errorf("replay: command %d (%s at step %d): %w", i+1, lc.Kind, lc.Step, err)
		}
	}
	if err := s.stepTo(n); err != nil {
		return s, err
	}
	return s, nil
}

func (s *Sim) stepTo(n int) error {
	if n < s.step {
		return fmt.Errorf("the log goes back in time (step %d after %d)", n, s.step)
	}
	for s.step < n {
		if _, ok := s.Step(); !ok {
			return fmt.Errorf("the run ends at step %d, before step %d", s.step, n)
		}
	}
	return nil
}

// Rewind returns a new Sim at step n of this run, with the same log up to n.
// The receiver is unchanged, so a caller can keep it as the old future.
func (s *Sim) Rewind(n int) (*Sim, error) {
	return Replay(s.cfg, s.model, s.Log(), n)
}
