package engine

import (
	"fmt"
	"strconv"
	"time"
)

// World is the omniscient view that invariants (and scenario conditions) get:
// every process, up or not, and the history.
type World struct{ sim *Sim }

// World returns the checker's view of the run.
func (s *Sim) World() *World { return &World{sim: s} }

// Nodes lists the server node names, sorted: members, standby and departed
// alike (a process that is not up has a nil Process). The slice is shared
// (checkers read it after every step, and a copy each time was garbage):
// it must not be modified. Its capacity ends at its length, so an append
// to it copies.
func (w *World) Nodes() []string {
	ids := w.sim.nodeIDs
	return ids[:len(ids):len(ids)]
}

// Process returns the live process, or nil while it is crashed.
func (w *World) Process(id string) Process {
	if p := w.sim.procByID(id); p != nil {
		return p.p
	}
	return nil
}

// NodeProcess is Process for the i-th of Nodes(), found without a lookup by
// name: invariants read every node after every step. It is nil while the
// node is crashed or when i is out of range.
func (w *World) NodeProcess(i int) Process {
	if i < 0 || i >= len(w.sim.nodeProcs) {
		return nil
	}
	return w.sim.nodeProcs[i].p
}

// HandledNode is the index in Nodes() of the server node whose Handle ran in
// the last step, or -1 (a client ran, the event was held or lost, or the
// last change was a command). A process changes only in its own Handle, so
// a checker that saw the round before can re-read just this node.
func (w *World) HandledNode() int {
	if p := w.sim.handled; p != nil {
		return p.node
	}
	return -1
}

// Status is where a process stands ("" for an unknown id).
func (w *World) Status(id string) Status {
	if p := w.sim.procByID(id); p != nil {
		return p.status
	}
	return ""
}

// Role is a process's role ("" for an unknown id).
func (w *World) Role(id string) Role {
	if p := w.sim.procByID(id); p != nil {
		return p.role
	}
	return ""
}

// Members lists the processes in the cluster with the given role, sorted.
// The slice is shared: it must not be modified.
func (w *World) Members(role Role) []string { return w.sim.membersOf(role) }

// Disk returns a process's file system (also while it is crashed).
func (w *World) Disk(id string) *Disk {
	if p := w.sim.procByID(id); p != nil {
		return p.disk
	}
	return nil
}

// Storage returns a process's disk (also while it is crashed).
func (w *World) Storage(id string) *Storage {
	if p := w.sim.procByID(id); p != nil {
		return p.storage
	}
	return nil
}

// Clock is a process's local clock reading now (0 for an unknown id).
func (w *World) Clock(id string) time.Duration {
	if p := w.sim.procByID(id); p != nil {
		return p.localTime(w.sim.now)
	}
	return 0
}

// Monotonic is a process's monotonic clock reading now, as Env.Monotonic
// would give it (0 for an unknown id): a checker can judge a lease or a
// timeout by the process's own measure of time, even while the process is
// paused and has not looked at it.
func (w *World) Monotonic(id string) time.Duration {
	if p := w.sim.procByID(id); p != nil {
		return p.monotonicTime(w.sim.now)
	}
	return 0
}

// Variant reports whether a broken variant is on.
func (w *World) Variant(name string) bool { return w.sim.variant(name) }

// Param reads a cluster setting.
func (w *World) Param(name string, def int) int {
	return w.sim.param(name, def)
}

// History is the client history so far.
func (w *World) History() []Operation { return w.sim.history }

// Step is the current step; Now the true virtual time.
func (w *World) Step() int          { return w.sim.step }
func (w *World) Now() time.Duration { return w.sim.now }

func (s *Sim) checkInvariants() {
	if len(s.invariants) == 0 {
		return
	}
	s.world.sim = s // kept in the Sim: a World made here would escape, an allocation per step
	for i := range s.invariants {
		inv := &s.invariants[i] // not a copy of the whole declaration per check per step
		text, nodes := inv.Check(&s.world)
		if text == "" || s.broken[inv.Name] {
			continue
		}
		// Report each invariant once, at the step it first broke.
		s.broken[inv.Name] = true
		v := Violation{Invariant: inv.Name, Step: s.step, At: micros(s.now), Text: text, Nodes: nodes}
		s.violations = append(s.violations, v)
		s.emit(TraceEvent{Kind: TrViolation, Node: first(nodes), Text: inv.Name + ": " + text})
	}
}

func first(s []string) string {
	if len(s) > 0 {
		return s[0]
	}
	return ""
}

// Violations lists every invariant that broke, in order.
func (s *Sim) Violations() []Violation { return s.violations }

// Invariants lists the run's invariants (name and description).
func (s *Sim) Invariants() []Invariant { return s.invariants }

// Trace is the run's trace.
func (s *Sim) Trace() *Trace { return &s.trace }

// History is the client history.
func (s *Sim) History() []Operation { return s.history }

// ---- views ----

// NodeView renders one process.
func (s *Sim) NodeView(id string) (NodeView, bool) {
	p, ok := s.byID[id]
	if !ok {
		return NodeView{}, false
	}
	return s.nodeView(p), true
}

func (s *Sim) nodeView(p *proc) NodeView {
	v := NodeView{ID: p.id, Client: p.client, Status: string(p.status), Clock: fmtClock(p.localTime(s.now))}
	if p.skewed() {
		v.Skew = fmt.Sprintf("%+v, %+d ppm", (p.offset + p.jumps).Round(time.Microsecond), p.ppm)
	}
	if p.role != RoleNode && p.role != RoleClient {
		v.Group = p.role
	}
	v.Busy, v.Waiting = p.busy, len(p.held)
	if p.p != nil {
		if p.viewStale || p.viewGen == 0 {
			p.view, p.viewStale = p.p.View(), false
			p.viewGen++
		}
		v.ProcessView, v.Gen = p.view, p.viewGen
	}
	return v
}

// fmtClock is "%.3fs" without Sprintf: every node's clock, every frame.
func fmtClock(d time.Duration) string {
	var b [24]byte
	return string(append(strconv.AppendFloat(b[:0], d.Seconds(), 'f', 3, 64), 's'))
}

// View renders the whole cluster at the current step.
func (s *Sim) View() ClusterView {
	v := ClusterView{Step: s.step, Time: micros(s.now), Seed: s.cfg.Seed, Manual: s.manual, Violations: s.violations, History: s.history}
	for _, p := range s.procs {
		v.Nodes = append(v.Nodes, s.nodeView(p))
	}
	v.Net = &NetView{All: s.net}
	for i := range s.links {
		for j := range s.links[i] {
			if i == j {
				continue
			}
			if !s.links[i][j].up {
				v.Cut = append(v.Cut, LinkView{From: s.procs[i].id, To: s.procs[j].id})
			}
			if l := s.links[i][j].net; l != s.net {
				v.Net.Links = append(v.Net.Links, LinkNetView{From: s.procs[i].id, To: s.procs[j].id, Net: l})
			}
		}
	}
	v.InFlight = s.InFlight()
	if len(s.conns) > 0 {
		s.world.sim = s
		v.Conns = s.world.Conns()
	}
	for _, p := range s.procs {
		for _, t := range p.armedTimers() {
			v.Timers = append(v.Timers, TimerView{Node: p.id, Name: t.name, DueAt: micros(t.at)})
		}
	}
	if len(s.variants) > 0 {
		v.Variants = map[string]bool{}
		for k, on := range s.variants {
			v.Variants[k] = on
		}
	}
	if len(s.params) > 0 {
		v.Params = make(map[string]int, len(s.params))
		for k, n := range s.params {
			v.Params[k] = n
		}
	}
	v.Widgets = s.ClusterWidgets()
	return v
}

// InFlight lists the messages in flight, oldest first.
func (s *Sim) InFlight() []MessageView {
	out := make([]MessageView, 0, s.live)
	for _, m := range s.flight {
		if m.gone {
			continue
		}
		mv := MessageView{ID: m.id, From: s.procs[m.from].id, To: s.procs[m.to].id, Kind: m.msg.Kind(), Summary: summary(m.msg), SentAt: micros(m.sentAt), Held: m.held}
		if !m.held {
			mv.DueAt = micros(m.dueAt)
		}
		if h, ok := m.msg.(Hued); ok {
			mv.Hue = 1 + (h.Hue()%8+8)%8
		}
		out = append(out, mv)
	}
	return out
}
