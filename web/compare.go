package web

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"time"

	"clusterscope/engine"
	"clusterscope/lessons"
	"clusterscope/patterns/kit"
)

// Compare mode: beside the learner's run, a twin with the same seed and the
// same commands but other broken variants (by default: the pattern as it
// should be when a variant is on, the first variant when none is). The twin
// follows the run by virtual time: it applies each command at the time the
// run logged it (variant switches excepted: its variants are what is being
// compared) and runs to the run's time. The two traces are compared event by
// event as they grow; the first difference is where the runs diverge.
//
// Or the twin is another branch of the run (compare-branch): its own
// command log, variant switches included, replayed step for step beside
// the run; the runs diverge where the branches part (or later, when the
// command that made the branch changed nothing at first).

// compareStepCap bounds the twin: a broken variant that storms (an election
// every millisecond) stops following instead of eating the server. Its
// steps count against the server's retained steps like the run's own
// (session.settle), so many compare modes at once stop runs, not memory.
const compareStepCap = 300_000

// maxTwinEvents bounds the twin's trace events in one frame. The run's own
// diagram fetches a gap from the trace export; the twin's has none, so a
// frame carries what a long run-for added, up to this (about 2 MB).
const maxTwinEvents = 20_000

type compare struct {
	sim      *engine.Sim
	variants []string               // switched on in the twin
	branch   *branch                // the branch compared with, if any
	log      []engine.LoggedCommand // that branch's commands
	applied  int                    // commands of the run's log applied to the twin
	matched  int                    // leading trace events equal in both runs
	diverged int                    // the run's step of the first different event; -1: none yet
	divAt    int64                  // the virtual time (µs) of the first difference
	evSent   int                    // the twin's trace events the page has
	stopped  string                 // why the twin stopped following, if it did
	sent     []byte                 // the last compare frame part sent
}

// compareWire is the twin as the page draws it (frame.Compare).
type compareWire struct {
	Variants   []string             `json:"variants"`
	Branch     *branchWire          `json:"branch,omitempty"` // the branch compared with, if any
	Step       int                  `json:"step"`
	Time       int64                `json:"time"`
	Nodes      []wireNode           `json:"nodes"`
	Msgs       []engine.MessageView `json:"msgs"`
	Cut        []engine.LinkView    `json:"cut"`
	Violations []engine.Violation   `json:"violations"`
	Diverged   int                  `json:"diverged"`   // the run's step; -1: not (yet)
	DivergedAt int64                `json:"divergedAt"` // when (µs): the earlier of the two first different events
	// Events are the twin's trace events the page lacks (its space-time
	// diagram): from seq evSent on, at most maxTwinEvents of them (a longer
	// gap is left as a hole).
	Events  []engine.TraceEvent `json:"events,omitempty"`
	Differ  []string            `json:"differ"` // nodes whose state differs now
	Traffic *trafficWire        `json:"traffic,omitempty"`
	Stopped string              `json:"stopped,omitempty"`
	Off     bool                `json:"off,omitempty"`
}

// startCompare opens compare mode with the twin's variants (nil: the
// default choice above).
func (s *session) startCompare(variants *[]string) error {
	var on []string
	if variants != nil {
		for _, v := range *variants {
			if !s.pat.HasVariant(v) {
				return fmt.Errorf("compare: no broken variant called %s", quote(v))
			}
		}
		on = slices.Clone(*variants)
	} else if w := s.sim.World(); !slices.ContainsFunc(s.meta.Variants, func(v kit.Variant) bool { return w.Variant(v.Name) }) && len(s.meta.Variants) > 0 {
		on = []string{s.meta.Variants[0].Name}
	}
	slices.Sort(on)
	s.compare = &compare{variants: on}
	if err := s.rebuildTwin(); err != nil {
		s.compare = nil
		return err
	}
	return nil
}

// startCompareBranch opens compare mode with branch id of the run as the
// twin.
func (s *session) startCompareBranch(id *int) error {
	if id == nil {
		return errors.New(`compare-branch: which branch? ("id" is missing)`)
	}
	s.tree.init()
	i := slices.IndexFunc(s.tree.list, func(b *branch) bool { return b.id == *id })
	switch {
	case i < 0:
		return fmt.Errorf("compare-branch: there is no branch %d", *id)
	case s.tree.list[i] == s.tree.cur:
		return fmt.Errorf("compare-branch: branch %d is the run itself; pick another", *id)
	}
	b := s.tree.list[i]
	s.compare = &compare{variants: sortedTrue(s.cfg.Variants), branch: b, log: slices.Clone(b.log)}
	if err := s.rebuildTwin(); err != nil {
		s.compare = nil
		return err
	}
	return nil
}

// rebuildTwin starts the twin afresh and brings it to the run's time.
func (s *session) rebuildTwin() error {
	c := s.compare
	cfg := s.cfg
	if c.branch == nil {
		cfg.Variants = map[string]bool{}
		for _, v := range c.variants {
			cfg.Variants[v] = true
		}
	}
	twin, err := s.pat.NewSim(cfg)
	if err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	c.sim, c.applied, c.matched, c.diverged, c.divAt, c.stopped, c.sent, c.evSent = twin, 0, 0, -1, 0, "", nil, 0
	s.syncTwin()
	s.work += c.sim.StepCount() // replayed for this message: paid like a rewind
	return nil
}

// syncTwin brings the twin to the run's virtual time (rebuilding it when the
// run went back) and compares the traces' new events.
func (s *session) syncTwin() {
	c := s.compare
	if c == nil {
		return
	}
	log := s.sim.Log()
	if c.branch != nil {
		log = c.log
	}
	if c.sim.Now() > s.sim.Now() || c.applied > len(log) {
		_ = s.rebuildTwin() // same config as when it was built: cannot fail
		return
	}
	if c.stopped != "" {
		return
	}
	runTo := func(t time.Duration) {
		if left := compareStepCap - c.sim.StepCount(); t > c.sim.Now() && left > 0 {
			c.sim.RunFor(t-c.sim.Now(), left)
		}
	}
	for ; c.applied < len(log); c.applied++ {
		lc := log[c.applied]
		if time.Duration(lc.At)*time.Microsecond > s.sim.Now() {
			break
		}
		if c.branch != nil {
			// A branch's own log: replayed as it ran, step for step.
			for c.sim.StepCount() < lc.Step && c.sim.StepCount() < compareStepCap {
				if _, ok := c.sim.Step(); !ok {
					break
				}
			}
			c.sim.AdvanceTo(lc.At)
			_ = c.sim.Apply(lc.Command)
			continue
		}
		runTo(time.Duration(lc.At) * time.Microsecond)
		if lc.Kind != engine.CmdVariant {
			_ = c.sim.Apply(lc.Command) // a command this run refuses (a restart of a node that is up here) is skipped
		}
	}
	runTo(s.sim.Now())
	s.settle()
	if c.sim.StepCount() >= compareStepCap {
		c.stopped = fmt.Sprintf("the compared run stopped following at %d steps", compareStepCap)
	}
	if c.diverged < 0 {
		mine, theirs := s.sim.Trace().Since(c.matched), c.sim.Trace().Since(c.matched)
		for i := range min(len(mine), len(theirs)) {
			if !sameEvent(mine[i], theirs[i]) {
				c.diverged, c.divAt = mine[i].Step, min(mine[i].At, theirs[i].At)
				break
			}
			c.matched++
		}
	}
}

func sameEvent(a, b engine.TraceEvent) bool {
	return a.At == b.At && a.Kind == b.Kind && a.Node == b.Node && a.From == b.From && a.To == b.To && a.MsgKind == b.MsgKind && a.Text == b.Text && a.Stamp == b.Stamp
}

// compareFrame is the twin's part of the next frame: all of it when it
// changed, nil when not (or when compare mode is off).
func (s *session) compareFrame(force bool) *compareWire {
	c := s.compare
	if c == nil {
		return nil
	}
	s.syncTwin()
	v := c.sim.View()
	nodes, _ := wireNodes(&v, nil)
	mine := s.sim.View()
	myNodes, _ := wireNodes(&mine, nil)
	w := &compareWire{Variants: c.variants, Step: v.Step, Time: v.Time, Nodes: nodes, Msgs: v.InFlight, Cut: v.Cut,
		Violations: v.Violations, Diverged: c.diverged, DivergedAt: c.divAt, Differ: []string{}, Stopped: c.stopped}
	if w.Variants == nil {
		w.Variants = []string{}
	}
	if b := c.branch; b != nil {
		w.Branch = &branchWire{ID: b.id, Parent: b.parent, Fork: b.fork, Reach: b.reach, Commands: len(c.log), Label: b.label}
	}
	if len(w.Violations) > 8 {
		w.Violations = w.Violations[:8]
	}
	for i := range nodes {
		if i < len(myNodes) && !bytes.Equal(mustJSON(nodes[i].Widgets), mustJSON(myNodes[i].Widgets)) {
			w.Differ = append(w.Differ, nodes[i].ID)
		}
	}
	j := mustJSON(w)
	tr := c.sim.Trace()
	if force {
		c.evSent = 0 // a snapshot: the page starts its copy afresh
	}
	if !force && bytes.Equal(j, c.sent) && tr.Len() == c.evSent {
		return nil
	}
	c.sent = j
	// The twin's counters go out when the run's do (baseline.trafficLooked),
	// so the panel compares counts of the same moment.
	if force || s.base.trafficLooked {
		w.Traffic = newTrafficWire(c.sim)
	}
	if from := max(c.evSent, tr.Len()-maxTwinEvents); from < tr.Len() {
		w.Events = append([]engine.TraceEvent(nil), tr.Since(from)...)
		c.evSent = tr.Len()
	}
	return w
}

// attachCompare puts the twin's part into f when it changed (force: always,
// for a snapshot) and reports whether it did.
func (s *session) attachCompare(f *frame, force bool) bool {
	if s.compareOff {
		s.compareOff = false
		f.Compare = &compareWire{Off: true}
		return true
	}
	f.Compare = s.compareFrame(force)
	return f.Compare != nil
}

// syncStoryCompare opens or closes compare mode as the last compare step the
// story played says; a compare mode the story opened closes when the story
// goes back before its step or ends.
func (s *session) syncStoryCompare() {
	var want *lessons.CompareSpec
	at := -1
	if s.story != nil {
		for i := len(s.story.played) - 1; i >= 0; i-- {
			if p := s.story.played[i]; p.out.Step != nil && p.out.Step.Kind == lessons.StepCompare {
				want, at = p.out.Step.Compare, p.out.Index
				break
			}
		}
	}
	// Each compare step acts once, when it is played: the learner may open
	// or close compare mode by hand afterwards.
	if at == s.storyCompareAt {
		return
	}
	s.storyCompareAt = at
	switch {
	case want == nil:
		if s.compareByStory && s.compare != nil {
			_ = s.stopCompare()
		}
		s.compareByStory = false
	case !want.On:
		if s.compare != nil {
			_ = s.stopCompare()
		}
	default:
		var vs *[]string
		if len(want.Variants) > 0 {
			vs = &want.Variants
		}
		s.compare = nil
		if s.startCompare(vs) == nil {
			s.compareByStory = true
		}
	}
}

// stopCompare closes compare mode; the next frame says so.
func (s *session) stopCompare() error {
	if s.compare == nil {
		return errors.New("compare-off: compare mode is not on")
	}
	s.compare = nil
	s.compareOff = true
	s.settle()
	return nil
}
