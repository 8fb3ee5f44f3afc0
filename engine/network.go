package engine

import (
	"sort"
	"strconv"
	"time"
)

// inFlight is a message between send and delivery or loss.
type inFlight struct {
	slot   int32 // index in Sim.msgSlab
	id     uint64
	from   int
	to     int
	msg    Message
	kind   uint32 // msg.Kind() as a trace symbol
	sentAt time.Duration
	dueAt  time.Duration // 0 while held
	evSeq  uint64        // the queued delivery event that is live; 0: none
	dupOf  uint64
	size   int32 // bytes (Sized, or defaultSize)
	conn   *conn // the connection it travels on; nil: a plain datagram
	engine bool  // the engine's own notice (ConnClosed): no link loses it
	held   bool  // waiting: for the learner (manual mode) or, when parked, for its paused receiver
	parked bool
	gone   bool // delivered or lost; the record waits for reuse
}
type link struct {
	up      bool
	net     NetSettings
	lastDue time.Duration // FIFO: no delivery before the previous one
	// txFree is when the link finishes transmitting what it was given
	// (bandwidth or per-message cost set): the next message starts then.
	txFree time.Duration
	stats  LinkStats
}

type dropRule struct {
	from, to, kind string // "" matches any
	left           int
}

// ---- sending and the network ----

func (s *Sim) send(from *proc, toID string, msg Message) {
	s.sendVia(from, toID, msg, nil)
}

// sendVia sends msg from one process to another, on connection c when it
// is not nil.
func (s *Sim) sendVia(from *proc, toID string, msg Message, c *conn) {
	to := s.procByID(toID)
	ok := to != nil
	s.nextMsg++
	id := s.nextMsg
	kindName := msg.Kind()
	kind := s.trace.kindSym(kindName)
	if !ok {
		s.record(symDrop, from.sym, from.sym, s.trace.sym(toID), id, kind, "no such process")
		return
	}
	s.record(symSend, from.sym, from.sym, to.sym, id, kind, "")
	if s.live >= maxQueued {
		s.record(symDrop, from.sym, from.sym, to.sym, id, kind, "network overloaded")
		return
	}
	m := s.add(id, from.index, to.index, msg, kind)
	if s.causal != nil {
		s.causal.onSend(m)
	}
	l := &s.links[from.index][to.index]
	s.count(l, m)
	if c != nil {
		m.conn = c
		c.inFlight++
	}
	if !l.up {
		s.lose(m, "link cut")
		return
	}
	if len(s.rules) > 0 && s.matchRule(from.id, toID, kindName) {
		s.lose(m, "drop rule")
		return
	}
	if s.manual {
		m.held = true
		return
	}
	// A connection hides loss and duplication, as TCP does by resending
	// and discarding copies; on a datagram the link's settings apply.
	if c == nil && l.net.DropPct > 0 && s.netRand.Float64()*100 < l.net.DropPct {
		s.lose(m, "lost by the network")
		return
	}
	s.scheduleAt(m, s.dueFor(l, m))
	if c == nil && l.net.DupPct > 0 && s.netRand.Float64()*100 < l.net.DupPct {
		s.duplicate(m, s.dueFor(l, m))
	}
}

// defaultSize is the size of a message that does not say (Sized): a small
// header-only request.
const defaultSize = 64

// maxSize caps what one message can claim, keeping transmission times exact.
const maxSize = 1 << 30

func sizeOf(msg Message) int32 {
	sm, ok := msg.(Sized)
	if !ok {
		return defaultSize
	}
	n := sm.Size()
	if n < 0 {
		return 0
	}
	if n > maxSize {
		return maxSize
	}
	return int32(n)
}

// add records a new message in flight, reusing a gone record if there is one.
func (s *Sim) add(id uint64, from, to int, msg Message, kind uint32) *inFlight {
	var m *inFlight
	if n := len(s.free); n > 0 {
		m = s.free[n-1]
		s.free = s.free[:n-1]
		*m = inFlight{slot: m.slot}
	} else {
		m = &inFlight{slot: int32(len(s.msgSlab))}
		s.msgSlab = append(s.msgSlab, m)
	}
	m.id, m.from, m.to, m.msg, m.kind, m.sentAt = id, from, to, msg, kind, s.now
	m.size = sizeOf(msg)
	s.flight = append(s.flight, m)
	s.live++
	return m
}

// count adds a message put on link l to its counters.
func (s *Sim) count(l *link, m *inFlight) {
	l.stats.Sent++
	l.stats.Bytes += int64(m.size)
	l.stats.InFlight++
	l.stats.BytesInFlight += int64(m.size)
	s.countSend(m)
}

// remove takes a message out of flight (delivered or lost).
func (s *Sim) remove(m *inFlight) {
	m.gone, m.held, m.parked, m.evSeq = true, false, false, 0
	if !m.engine {
		l := &s.links[m.from][m.to]
		l.stats.InFlight--
		l.stats.BytesInFlight -= int64(m.size)
	}
	if m.conn != nil {
		m.conn.inFlight--
		s.forgetConn(m.conn)
		m.conn = nil
	}
	s.live--
	s.dead++
	if s.dead >= 64 && s.dead*2 >= len(s.flight) {
		keep := s.flight[:0]
		for _, f := range s.flight {
			if f.gone {
				f.msg = nil
				s.free = append(s.free, f)
			} else {
				keep = append(keep, f)
			}
		}
		clear(s.flight[len(keep):])
		s.flight = keep
		s.dead = 0
	}
}

// message finds a message in flight by id.
func (s *Sim) message(id uint64) (*inFlight, bool) {
	i := sort.Search(len(s.flight), func(i int) bool { return s.flight[i].id >= id })
	if i < len(s.flight) && s.flight[i].id == id && !s.flight[i].gone {
		return s.flight[i], true
	}
	return nil, false
}

// dueFor is dueTime for m, which also arrives after the message before it on
// its connection.
func (s *Sim) dueFor(l *link, m *inFlight) time.Duration {
	due := s.dueTime(l, m.size)
	if c := m.conn; c != nil {
		dir := c.dir(m.from)
		if due < c.lastDue[dir] {
			due = c.lastDue[dir]
		}
		c.lastDue[dir] = due
	}
	return due
}

// dueTime picks when a message of size bytes sent now on l arrives: when
// the link has finished transmitting it (after whatever it was sending;
// bandwidth and per-message cost), plus min delay and a uniform jitter with
// the configured mean, after the previous message on a FIFO link.
func (s *Sim) dueTime(l *link, size int32) time.Duration {
	start := s.now
	if l.net.Bandwidth > 0 || l.net.PerMsg > 0 {
		start = max(start, l.txFree) + time.Duration(l.net.PerMsg)
		if l.net.Bandwidth > 0 {
			start += time.Duration(int64(size) * int64(time.Second) / l.net.Bandwidth)
		}
		start = ceilTick(start)
		l.txFree = start
	}
	// Uniform over [min, 2·mean − min]; NetSettings.MaxDelay relies on it.
	lo, mean := time.Duration(l.net.MinDelay), time.Duration(l.net.MeanDelay)
	d := lo
	if mean > lo {
		d += time.Duration(s.netRand.Int64N(int64(2*(mean-lo)) + 1))
	}
	due := ceilTick(start + d)
	if l.net.FIFO && due < l.lastDue {
		due = l.lastDue
	}
	if due > l.lastDue {
		l.lastDue = due
	}
	return due
}

// scheduleAt queues the delivery of m at at, voiding any delivery queued
// before.
func (s *Sim) scheduleAt(m *inFlight, at time.Duration) {
	m.held, m.parked = false, false
	m.dueAt = at
	s.seq++
	m.evSeq = s.seq
	s.queue.push(event{at: at, seq: s.seq, ref: m.slot})
}

func (s *Sim) duplicate(m *inFlight, at time.Duration) {
	s.nextMsg++
	from, to := s.procs[m.from], s.procs[m.to]
	id, orig, msg, sentAt := s.nextMsg, m.id, m.msg, m.sentAt
	c := s.add(id, m.from, m.to, msg, m.kind)
	c.sentAt, c.dupOf = sentAt, orig
	if s.causal != nil {
		s.causal.onSend(c)
		copy(s.causal.sent[c.slot], s.causal.carried(m)) // a copy carries what its original did
	}
	s.count(&s.links[m.from][m.to], c)
	s.record(symDuplicate, from.sym, from.sym, to.sym, id, m.kind, "copy of #"+strconv.FormatUint(orig, 10))
	s.scheduleAt(c, at)
}

func (s *Sim) lose(m *inFlight, why string) {
	to := s.procs[m.to].sym
	s.record(symDrop, to, s.procs[m.from].sym, to, m.id, m.kind, why)
	c := m.conn
	s.remove(m)
	// A connection never skips a message: losing one breaks it.
	if c != nil && !c.dead {
		s.breakConn(c, "connection reset ("+why+")")
	}
}

func (s *Sim) matchRule(from, to, kind string) bool {
	for i := range s.rules {
		r := &s.rules[i]
		if (r.from == "" || r.from == from) && (r.to == "" || r.to == to) && (r.kind == "" || r.kind == kind) {
			r.left--
			if r.left == 0 {
				s.rules = append(s.rules[:i], s.rules[i+1:]...)
			}
			return true
		}
	}
	return false
}
