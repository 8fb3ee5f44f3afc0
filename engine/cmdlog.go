package engine

import "slices"

// cmdLog is the command log. Commands arrive in chunks of up to logChunk
// (a run that is never asked for its log never copies it to grow it, as a
// growing slice of these large records would); Log moves them into one
// slice when it is asked, so a caller that reads the log often pays no
// more than before.
type cmdLog struct {
	flat []LoggedCommand   // the first commands, in one slice
	tail [][]LoggedCommand // the ones logged since, in chunks
	// spare are empty chunks from finished runs (Spares), used before
	// new ones.
	spare [][]LoggedCommand
	n     int // commands logged
}

const logChunk = 128

func (l *cmdLog) add(c LoggedCommand) {
	l.n++
	if n := len(l.tail); n == 0 || len(l.tail[n-1]) == cap(l.tail[n-1]) {
		if k := len(l.spare); k > 0 {
			l.tail = append(l.tail, l.spare[k-1])
			l.spare = l.spare[:k-1]
		} else {
			// Small chunks first: most runs log a few commands.
			l.tail = append(l.tail, make([]LoggedCommand, 0, min(logChunk, 16<<min(n, 3))))
		}
	}
	last := &l.tail[len(l.tail)-1]
	*last = append(*last, c)
}

// all is every command in order, in one slice the caller must not modify.
func (l *cmdLog) all() []LoggedCommand {
	if len(l.tail) == 0 || len(l.tail[0]) == 0 {
		return l.flat
	}
	n := len(l.flat)
	for _, c := range l.tail {
		n += len(c)
	}
	if need := n - len(l.flat); cap(l.flat)-len(l.flat) < need {
		l.flat = slices.Grow(l.flat, max(need, len(l.flat))) // doubling, as roomFor
	}
	for _, c := range l.tail {
		l.flat = append(l.flat, c...)
	}
	// Keep the first chunk for what comes next: a caller that reads the
	// log after every step would otherwise cost a chunk per command.
	clear(l.tail[1:])
	l.tail = append(l.tail[:0], l.tail[0][:0])
	return l.flat
}
