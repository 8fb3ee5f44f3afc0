package engine

// Between two events only time moves. A page that redraws at a fixed rate
// asks for these parts of View alone in those frames, rather than building
// the whole view: of it, only the clocks and the cluster widgets (some of
// which read the clock) can have changed.

// ClusterWidgets is View's Widgets: the model's cluster widgets, then the
// invariants' own.
func (s *Sim) ClusterWidgets() []Widget {
	s.world.sim = s
	var ws []Widget
	if s.model.View != nil {
		ws = s.model.View(&s.world)
	}
	for _, inv := range s.invariants {
		if inv.View != nil {
			ws = append(ws, inv.View(&s.world)...)
		}
	}
	return ws
}

// SkewedClocks reads the clocks that differ from true time (the nodes whose
// View has a Skew), keyed by process; nil when every clock is true.
func (s *Sim) SkewedClocks() map[string]string {
	var clocks map[string]string
	for _, p := range s.procs {
		if !p.skewed() {
			continue
		}
		if clocks == nil {
			clocks = map[string]string{}
		}
		clocks[p.id] = fmtClock(p.localTime(s.now))
	}
	return clocks
}

// skewed says the process's clock is set off or runs at its own rate.
func (p *proc) skewed() bool { return p.offset+p.jumps != 0 || p.ppm != 0 }
