package engine

import "time"

// sendWindow holds the sends of the last TrafficWindow, oldest first, in
// fixed-size chunks that are reused as the window slides. A single growing
// slice, compacted now and then, copied what it held at every doubling and
// asked for ever larger blocks (640 KB in a busy run): in a sweep or a
// benchmark every fresh run paid those copies and the page faults of the
// big blocks again, about a tenth of a Paxos run's time.
type sendWindow struct {
	chunks [][]sendRec // each of capacity windowChunk; the first is read from head on
	head   int
	// spare are empty chunks for the next ones needed: one retired as
	// the window slid, or those of a finished run (Spares).
	spare [][]sendRec
}

// windowChunk is how many sends a chunk holds (6 KB).
const windowChunk = 256

func (w *sendWindow) push(r sendRec) {
	n := len(w.chunks)
	if n == 0 || len(w.chunks[n-1]) == windowChunk {
		var c []sendRec
		if k := len(w.spare); k > 0 {
			c = w.spare[k-1]
			w.spare = w.spare[:k-1]
		} else {
			c = make([]sendRec, 0, windowChunk)
		}
		w.chunks = append(w.chunks, c)
		n++
	}
	w.chunks[n-1] = append(w.chunks[n-1], r)
}

// expire drops the sends made at or before cutoff.
func (w *sendWindow) expire(cutoff time.Duration) {
	for len(w.chunks) > 0 {
		c := w.chunks[0]
		for w.head < len(c) && c[w.head].at <= cutoff {
			w.head++
		}
		if w.head < len(c) {
			return
		}
		w.head = 0
		if len(w.chunks) == 1 { // all gone: refill the one chunk from its start
			w.chunks[0] = c[:0]
			return
		}
		w.spare = append(w.spare, c[:0])
		copy(w.chunks, w.chunks[1:])
		w.chunks[len(w.chunks)-1] = nil
		w.chunks = w.chunks[:len(w.chunks)-1]
	}
}

// each calls f on every send held, oldest first.
func (w *sendWindow) each(f func(r *sendRec)) {
	for i, c := range w.chunks {
		j := 0
		if i == 0 {
			j = w.head
		}
		for ; j < len(c); j++ {
			f(&c[j])
		}
	}
}

// release empties the window, giving every chunk it holds to its caller.
func (w *sendWindow) release() [][]sendRec {
	out := w.spare
	for _, c := range w.chunks {
		out = append(out, c[:0])
	}
	*w = sendWindow{}
	return out
}

// room is how many sends the window has storage for.
func (w *sendWindow) room() int {
	n := 0
	for _, c := range w.spare {
		n += cap(c)
	}
	for _, c := range w.chunks {
		n += cap(c)
	}
	return n
}
