package engine

// Spares is memory that finished runs hand on to new ones: their trace
// blocks, history array, command-log chunks, traffic-window chunks and
// the maps of their processes' storage, emptied. A benchmark or a
// seed sweep builds thousands of runs one after another, and allocating
// each run's trace afresh was a quarter of all the bytes they allocated
// (so of the garbage collector's work). A Spares belongs to its caller,
// like the runs it serves: it is no global pool, so runs stay independent
// of each other and of other goroutines. What a run records does not
// depend on where its memory came from: only capacities differ.
//
//	var spares engine.Spares
//	for seed := ... {
//		s, err := spares.New(cfg, model)
//		... run s, read what it found ...
//		spares.Reclaim(s) // s is not used again
//	}
type Spares struct {
	blocks  []*traceBlock
	history []Operation
	cmds    [][]LoggedCommand
	sends   [][]sendRec
	kvs     []map[string]any // Storage maps: a map grown by the last run need not grow again
}

// New is engine.New, building the run from sp's memory first.
func (sp *Spares) New(cfg Config, model Model) (*Sim, error) { return newRun(cfg, model, sp) }

// Reclaim takes s's memory for the runs sp builds next. Neither s nor
// anything it handed out that shares its memory (History, Trace, Log)
// may be used afterwards: s is left empty.
func (sp *Spares) Reclaim(s *Sim) {
	if s == nil {
		return
	}
	sp.blocks = append(sp.blocks, s.trace.chunks...)
	sp.blocks = append(sp.blocks, s.trace.spare...)
	for _, c := range sp.blocks {
		c.empty()
	}
	s.trace = Trace{}
	if cap(s.history) > cap(sp.history) {
		clear(s.history) // the inputs and outputs must not stay reachable
		sp.history = s.history[:0]
	}
	s.history = nil
	for _, c := range append(s.log.tail, s.log.spare...) {
		clear(c)
		sp.cmds = append(sp.cmds, c[:0])
	}
	s.log = cmdLog{}
	sp.sends = append(sp.sends, s.traffic.recent.release()...)
	sp.kvs = append(sp.kvs, s.spareKVs...)
	for _, p := range s.procs {
		if p.storage != nil && p.storage.kv != nil {
			clear(p.storage.kv)
			sp.kvs = append(sp.kvs, p.storage.kv)
			p.storage = nil
		}
	}
	s.spareKVs = nil
}

// take gives s the memory sp holds (at New, before the first event).
func (sp *Spares) take(s *Sim) {
	if sp == nil {
		return
	}
	s.trace.spare, sp.blocks = sp.blocks, nil
	s.history, sp.history = sp.history, nil
	s.log.spare, sp.cmds = sp.cmds, nil
	s.traffic.recent.spare, sp.sends = sp.sends, nil
	s.spareKVs, sp.kvs = sp.kvs, nil
}

// newStorage is NewStorage, on a spare map (Spares) if there is one.
func (s *Sim) newStorage() *Storage {
	if n := len(s.spareKVs); n > 0 {
		kv := s.spareKVs[n-1]
		s.spareKVs[n-1] = nil
		s.spareKVs = s.spareKVs[:n-1]
		return &Storage{kv: kv}
	}
	return NewStorage()
}
