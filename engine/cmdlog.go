package engine

import "slices"

// cmdLog is the command log. Commands arrive in chunks of logChunk (a run
// that is never asked for its log never copies it to grow it, as a growing
// slice of these large records would); Log moves them into one slice when
// it is asked, so a caller that reads the log often pays no more than
// before.
type cmdLog struct {
	flat []LoggedCommand   // the first commands, in one slice
	tail [][]LoggedCommand // the ones logged since, in chunks
}

const logChunk = 128

func (l *cmdLog) add(c LoggedCommand) {
	if n := len(l.tail); n == 0 || len(l.tail[n-1]) == logChunk {
		l.tail = append(l.tail, make([]LoggedCommand, 0, logChunk))
	}
	last := &l.tail[len(l.tail)-1]
	*last = append(*last, c)
}

// all is every command in order, in one slice the caller must not modify.
func (l *cmdLog) all() []LoggedCommand {
	if len(l.tail) == 0 {
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
	l.tail = nil
	return l.flat
}
