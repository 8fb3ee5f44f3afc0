package engine

import (
	"time"
)

// event is one entry of the queue: a delivery or a timer, named by slab
// index (ref ≥ 0: Sim.msgSlab[ref]; ref < 0: Sim.timerSlab[^ref]) so the
// queue holds no pointers: its heap swaps need no GC write barriers. It is
// live only while its seq is the one its message or timer expects, so
// re-arming, cancelling, crashing or re-delivering voids old events without
// a search.
type event struct {
	at  time.Duration
	seq uint64
	ref int32
}

// top drops void events off the queue, and puts a timer's stand-in back at
// the timer's own (at, seq), until the first event is live. It reports
// whether one is.
func (s *Sim) top() bool {
	for len(s.queue) > 0 {
		e := &s.queue[0]
		if e.ref >= 0 {
			if s.msgSlab[e.ref].evSeq == e.seq {
				return true
			}
			s.queue.pop()
			continue
		}
		t := s.timerSlab[^e.ref]
		if e.seq == t.placed && e.seq == t.evSeq {
			return true
		}
		if e.seq == t.placed && t.evSeq != 0 {
			t.placed, t.placedAt = t.evSeq, t.at
			s.queue.replaceTop(event{at: t.at, seq: t.evSeq, ref: e.ref})
			continue
		}
		if e.seq == t.placed {
			t.placed = 0
		}
		s.queue.pop()
	}
	return false
}

// compactQueue drops the events of cancelled timers once they are most of
// the queue. A client arms a timeout per operation and cancels it when the
// answer comes, long before it is due: left in place, those events would
// make the heap many times deeper than what is live. Dropping void events
// early changes nothing else: a void event never comes live again (seqs
// are never reused), and the queue pops by (at, seq), which is unique, so
// the order of what remains is the same.
func (s *Sim) compactQueue() {
	if s.voided < 64 || 2*s.voided < len(s.queue) {
		return
	}
	s.voided = 0
	kept := s.queue[:0]
	for _, e := range s.queue {
		if e.ref >= 0 {
			if s.msgSlab[e.ref].evSeq == e.seq {
				kept = append(kept, e)
			}
			continue
		}
		t := s.timerSlab[^e.ref]
		if e.seq != t.placed {
			continue
		}
		if t.evSeq == 0 { // cancelled: as top does when it comes up
			t.placed = 0
			continue
		}
		kept = append(kept, e)
	}
	s.queue = kept
	for i := len(kept)/2 - 1; i >= 0; i-- {
		kept.down(i)
	}
}

// eventQueue is a binary min-heap on (at, seq), typed to avoid the boxing of
// container/heap.
type eventQueue []event

func (q eventQueue) less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}

func (q *eventQueue) push(e event) {
	*q = append(*q, e)
	h := *q
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (q *eventQueue) pop() event {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	*q = h[:n]
	q.down(0)
	return top
}

// replaceTop swaps the first event for e: a pop and a push in one pass.
func (q *eventQueue) replaceTop(e event) {
	(*q)[0] = e
	q.down(0)
}

// down restores the heap below i.
func (q eventQueue) down(i int) {
	h := q
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		small := l
		if r := l + 1; r < n && h.less(r, l) {
			small = r
		}
		if !h.less(small, i) {
			break
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
}
