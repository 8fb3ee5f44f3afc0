package engine

import (
	"sort"
	"time"
)

// timer is one named timer of a process. The record is reused when the name
// is armed again, and for another name once cancelled (gen counts those
// lives); evSeq names the one queued event that may fire it.
type timer struct {
	slot     int32 // index in Sim.timerSlab
	gen      uint32
	name     string
	proc     *proc
	deadline time.Duration // local clock time
	at       time.Duration // true time of its queued event
	evSeq    uint64        // 0: no live event
	// placed is the seq of the event physically queued for this timer,
	// due at placedAt (0: none). It may be an earlier event that stands in
	// for evSeq: see queueTimerAt.
	placed   uint64
	placedAt time.Duration
	armed    bool
	held     bool // fired while its process was paused; fires at resume
	// fsync is set on a disk's completion timer, work on a Work timer:
	// both run in true time, so a clock change does not move them.
	fsync *fsyncJob
	work  bool
}

// Clocks: a process reads its own local time.

// localTime is the process's clock at true time t.
func (p *proc) localTime(t time.Duration) time.Duration {
	return t + p.drift(t) + p.offset + p.jumps + p.driftFix
}

// drift is how far the clock's rate has carried it from true time t. Most
// clocks do not drift, and the division is skipped for them: processes read
// their clock at nearly every event.
func (p *proc) drift(t time.Duration) time.Duration {
	if p.ppm == 0 {
		return 0
	}
	return mulDiv(t, p.ppm, 1_000_000)
}

// monotonicTime is the process's monotonic clock at true time t: the local
// clock without its offset and jumps (driftFix keeps it continuous when
// the drift changes).
func (p *proc) monotonicTime(t time.Duration) time.Duration {
	return t + p.drift(t) + p.driftFix
}

// trueTimeOf is the first true time at which the local clock reads local.
func (p *proc) trueTimeOf(local time.Duration) time.Duration {
	x := local - p.offset - p.jumps - p.driftFix // = t * (1e6+ppm) / 1e6
	if p.ppm == 0 {
		return x
	}
	t := mulDiv(x, 1_000_000, 1_000_000+p.ppm)
	for p.localTime(t) < local { // rounding
		t++
	}
	return t
}

// mulDiv is a*b/c without overflowing in the product (c > 0, |b| ≤ 2c).
func mulDiv(a time.Duration, b, c int64) time.Duration {
	q := int64(a) / c
	r := int64(a) % c
	return time.Duration(q*b + r*b/c)
}

func (s *Sim) armTimer(p *proc, name string, d time.Duration) {
	if d < 0 {
		d = 0
	}
	t := p.timers.get(name)
	if t == nil {
		t = s.newTimer(p, name)
		p.timers.put(t)
	}
	s.arm(p, t, d)
}

// armTimerNamed is armTimer for a name written in a buffer: a name armed
// before (a re-armed retry or election timer) is found without making a
// string of it.
func (s *Sim) armTimerNamed(p *proc, name []byte, d time.Duration) {
	if d < 0 {
		d = 0
	}
	t := p.timers.getBytes(name)
	if t == nil {
		t = s.newTimer(p, string(name))
		p.timers.put(t)
	}
	s.arm(p, t, d)
}

// arm (re-)arms t, p's timer, to fire after d (≥ 0) of p's local time.
func (s *Sim) arm(p *proc, t *timer, d time.Duration) {
	t.armed, t.held = true, false
	t.deadline = p.localTime(s.now) + d
	s.queueTimer(t)
}

// newTimer makes a timer record, recycling a cancelled one.
func (s *Sim) newTimer(p *proc, name string) *timer {
	if n := len(s.freeTimers); n > 0 {
		t := s.freeTimers[n-1]
		s.freeTimers = s.freeTimers[:n-1]
		*t = timer{slot: t.slot, gen: t.gen + 1, name: name, proc: p}
		return t
	}
	t := &timer{slot: int32(len(s.timerSlab)), name: name, proc: p}
	s.timerSlab = append(s.timerSlab, t)
	return t
}

// cancelTimer disarms p's timer called name and recycles its record: a
// client names a timer per operation, and the records would otherwise pile
// up for the whole run. Queued events and held items that still name it are
// void (its evSeq is 0 and, once reused, its gen differs).
func (s *Sim) cancelTimer(p *proc, name string) { s.cancel(p, p.timers.get(name)) }

// cancel is cancelTimer for the timer t of p (nil: none).
func (s *Sim) cancel(p *proc, t *timer) {
	if t != nil {
		t.armed, t.held, t.evSeq = false, false, 0
		p.timers.del(t)
		s.freeTimers = append(s.freeTimers, t)
		if t.placed != 0 {
			s.voided++
			s.compactQueue()
		}
	}
}

// forgetFired recycles t, p's timer that just fired, unless its handler
// armed it again (or cancelled it, or the name now belongs to another
// record): a timer named per task or per operation fires once, and its
// record would otherwise stay in p's set for the rest of the run, making
// every later lookup slower. A disarmed record holds nothing a run can
// see: arming the name again makes a fresh one, due at the same (at, seq).
func (s *Sim) forgetFired(p *proc, t *timer) {
	if t.armed || t.held || t.placed != 0 || t.proc != p || p.timers.get(t.name) != t {
		return
	}
	p.timers.del(t)
	s.freeTimers = append(s.freeTimers, t)
}

// queueTimer queues t's event at the first microsecond its local clock reads
// the deadline, voiding any event queued for it before.
func (s *Sim) queueTimer(t *timer) {
	at := ceilTick(t.proc.trueTimeOf(t.deadline))
	if at < s.now {
		at = s.now
	}
	if at > maxTime {
		at = maxTime
	}
	s.queueTimerAt(t, at)
}

// queueTimerAt makes t due at at under a fresh seq. An event already queued
// for t no later than that stands in for it: when it comes up, top puts it
// back at t's own (at, seq). So an election timeout re-armed on every
// heartbeat costs no queue push per re-arm, and the run is exactly as if
// each re-arm had queued its own event: the queue orders by (at, seq), and
// the stand-in comes up before that pair would.
func (s *Sim) queueTimerAt(t *timer, at time.Duration) {
	t.at = at
	s.seq++
	t.evSeq = s.seq
	if t.placed != 0 && t.placedAt <= at {
		return
	}
	t.placed, t.placedAt = s.seq, at
	s.queue.push(event{at: at, seq: s.seq, ref: ^t.slot})
}

// reclock re-queues every armed timer after the process's clock changed:
// timers are set in local time, so a jump forward fires them early and a jump
// back fires them late.
func (s *Sim) reclock(p *proc) {
	for _, t := range p.armedTimers() {
		if t.fsync != nil || t.work {
			continue
		}
		t.held = false // a held timer is due again only if the new clock says so
		s.queueTimer(t)
	}
}

// armedTimers lists the armed timers by name.
func (p *proc) armedTimers() []*timer {
	var out []*timer
	for _, t := range p.timers.all() {
		if t.armed {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// timerSet is a process's timers by name. A process keeps a few timers, and
// comparing a few names is quicker than hashing one, so they sit in a short
// list, scanned, until there are more than maxScan; then in a map.
type timerSet struct {
	list []*timer
	m    map[string]*timer
}

func (ts *timerSet) get(name string) *timer {
	if ts.m != nil {
		return ts.m[name]
	}
	for _, t := range ts.list {
		if t.name == name {
			return t
		}
	}
	return nil
}

// getBytes is get for a name written in a buffer (neither the map lookup
// nor the comparisons make a string of it).
func (ts *timerSet) getBytes(name []byte) *timer {
	if ts.m != nil {
		return ts.m[string(name)]
	}
	for _, t := range ts.list {
		if t.name == string(name) {
			return t
		}
	}
	return nil
}

// put adds t, which no timer of the set is named like.
func (ts *timerSet) put(t *timer) {
	if ts.m == nil && len(ts.list) < maxScan {
		ts.list = append(ts.list, t)
		return
	}
	if ts.m == nil {
		ts.m = make(map[string]*timer, 2*maxScan)
		for _, x := range ts.list {
			ts.m[x.name] = x
		}
		ts.list = nil
	}
	ts.m[t.name] = t
}

// del removes t, which is in the set.
func (ts *timerSet) del(t *timer) {
	if ts.m != nil {
		delete(ts.m, t.name)
		return
	}
	for i, x := range ts.list {
		if x == t {
			last := len(ts.list) - 1
			ts.list[i] = ts.list[last]
			ts.list[last] = nil
			ts.list = ts.list[:last]
			return
		}
	}
}

// all lists the timers in no set order, in a slice of their own (the
// caller may cancel timers as it goes).
func (ts *timerSet) all() []*timer {
	if ts.m == nil {
		return append([]*timer(nil), ts.list...)
	}
	out := make([]*timer, 0, len(ts.m))
	for _, t := range ts.m {
		out = append(out, t)
	}
	return out
}
