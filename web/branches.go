package web

import (
	"errors"
	"fmt"

	"clusterscope/engine"
)

// Branches: acting at a past step does not throw the old future away. The
// run so far becomes a branch of its own, kept as its full command log and
// the furthest step it reached, and the learner can switch back to it.
// Switching replays the other branch's log (engine.Replay is fast).

// maxBranches bounds what one session keeps; the oldest leaf goes first.
const maxBranches = 24

type branch struct {
	id     int
	parent int // -1 for the first run
	fork   int // the step at which it left its parent
	label  string
	log    []engine.LoggedCommand // full log (up to the reach), saved when the learner leaves the branch
	reach  int                    // the furthest step it ran to
	cursor int                    // where the learner left it
}

// branchTree is owned by the session goroutine.
type branchTree struct {
	list []*branch
	cur  *branch
	next int
}

func (t *branchTree) init() {
	if t.cur == nil {
		t.cur = &branch{id: 0, parent: -1, label: "first run"}
		t.list = []*branch{t.cur}
		t.next = 1
	}
}

// observe notes the current step of the current branch.
func (t *branchTree) observe(step int) {
	t.init()
	t.cur.reach = max(t.cur.reach, step)
}

// acted is called after a command was applied at step. When the current
// branch had gone further (its old future, kept in oldLog and its reach), a
// new branch starts here and the old one is kept.
func (t *branchTree) acted(step int, oldLog []engine.LoggedCommand, hadFuture bool, c engine.Command) {
	t.init()
	if step >= t.cur.reach && !hadFuture {
		return
	}
	old := t.cur
	old.log, old.cursor = oldLog, old.reach
	nb := &branch{id: t.next, parent: old.id, fork: step, reach: step, label: fmt.Sprintf("%s at step %d", c, step)}
	t.next++
	t.list = append(t.list, nb)
	t.cur = nb
	t.prune()
}

func (t *branchTree) prune() {
	for len(t.list) > maxBranches {
		victim := -1
		for i, b := range t.list {
			if b == t.cur || t.hasChildren(b.id) {
				continue
			}
			victim = i
			break
		}
		if victim < 0 {
			return
		}
		t.list = append(t.list[:victim], t.list[victim+1:]...)
	}
}

func (t *branchTree) hasChildren(id int) bool {
	for _, b := range t.list {
		if b.parent == id {
			return true
		}
	}
	return false
}

// switchTo leaves the current branch (at step, with its full log) for
// branch id, and returns that branch's log and the step to replay to.
func (t *branchTree) switchTo(id, step int, fullLog []engine.LoggedCommand) ([]engine.LoggedCommand, int, error) {
	t.init()
	var target *branch
	for _, b := range t.list {
		if b.id == id {
			target = b
		}
	}
	if target == nil {
		return nil, 0, fmt.Errorf("branch: there is no branch %d", id)
	}
	if target == t.cur {
		return fullLog, step, nil
	}
	t.cur.log, t.cur.cursor = fullLog, step
	t.cur.reach = max(t.cur.reach, step)
	t.cur = target
	return target.log, target.cursor, nil
}

// undo puts the learner back on branch prev after a switch that failed.
func (t *branchTree) undo(prev *branch) { t.cur = prev }

// branchesWire is the tree as the browser sees it.
type branchesWire struct {
	Current int          `json:"current"`
	List    []branchWire `json:"list"`
}

type branchWire struct {
	ID       int    `json:"id"`
	Parent   int    `json:"parent"`
	Fork     int    `json:"fork"`
	Reach    int    `json:"reach"`
	Commands int    `json:"commands"`
	Label    string `json:"label"`
}

// wire reports the tree; the current branch's command count is commands.
func (t *branchTree) wire(step, commands int) *branchesWire {
	t.observe(step)
	w := &branchesWire{Current: t.cur.id, List: make([]branchWire, 0, len(t.list))}
	for _, b := range t.list {
		n := len(b.log)
		if b == t.cur {
			n = commands
		}
		w.List = append(w.List, branchWire{ID: b.id, Parent: b.parent, Fork: b.fork, Reach: b.reach, Commands: n, Label: b.label})
	}
	return w
}

// switchBranch leaves the current branch for branch id, at its cursor or at
// step at (when given), by replaying its log.
func (s *session) switchBranch(id int, at *int) error {
	prev := s.tree.cur
	log, step, err := s.tree.switchTo(id, s.sim.StepCount(), s.fullLog())
	if err != nil {
		return err
	}
	if at != nil {
		if *at < 0 || *at > s.lim.MaxReplaySteps {
			s.tree.undo(prev)
			return fmt.Errorf("branch: step must be within 0..%d, not %d", s.lim.MaxReplaySteps, *at)
		}
		step = *at
	}
	if err := s.reserveReplay(step); err != nil {
		s.tree.undo(prev)
		return err
	}
	applied, future := splitLog(log, step)
	sim, err := s.replay(applied, step)
	var le *limitError
	if errors.As(err, &le) {
		s.tree.undo(prev)
		return le
	}
	if err != nil {
		s.tree.undo(prev)
		return fmt.Errorf("branch: cannot replay branch %d to step %d: %w", id, step, err)
	}
	s.sim, s.future = sim, future
	s.play.Playing = false
	s.resync = true
	return nil
}
