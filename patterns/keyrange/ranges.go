package keyrange

import (
	"strconv"

	"clusterscope/engine"
)

// RangeInfo is one row of the range table: keys from Start (inclusive) to
// End (exclusive); "" as Start is the beginning of the key space and "" as
// End its end.
type RangeInfo struct {
	ID         int
	Start, End string
	Owner      string
	Epoch      int
	State      string // stateOnline, stateSplitting or stateMoving
	To         string // stateMoving: where it goes
}

// Range states in the coordinator's table.
const (
	stateOnline    = "online"
	stateSplitting = "splitting"
	stateMoving    = "moving"
	stateCreating  = "creating"
)

// rangeName is how pages and messages name a range: r1, r2...
func rangeName(id int) string { return "r" + strconv.Itoa(id) }

func appendRangeName(b []byte, id int) []byte {
	return strconv.AppendInt(append(b, 'r'), int64(id), 10)
}

// parseRange reads "r3" (or "3") back.
func parseRange(s string) (int, bool) {
	if len(s) > 1 && (s[0] == 'r' || s[0] == 'R') {
		s = s[1:]
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// contains reports whether key lies in [start, end).
func contains(start, end, key string) bool { return key >= start && (end == "" || key < end) }

// bounds writes [start, end) the way the page's ranges widget does:
// [−∞, cherry) is from the beginning to cherry, [cherry, +∞) from cherry to
// the end.
func bounds(start, end string) string { return string(appendBounds(nil, start, end)) }

func appendBounds(b []byte, start, end string) []byte {
	if start == "" {
		start = "−∞"
	}
	if end == "" {
		end = "+∞"
	}
	return append(append(append(append(append(b, '['), start...), ", "...), end...), ')')
}

// overlap is [a, b) ∩ [c, d) with "" ends open; ok is false when empty.
func overlap(a, b, c, d string) (lo, hi string, ok bool) {
	lo = max(a, c)
	switch {
	case b == "":
		hi = d
	case d == "":
		hi = b
	default:
		hi = min(b, d)
	}
	return lo, hi, hi == "" || lo < hi
}

// tableRange finds the range of table holding key (nil: none; a table
// that tiles has one for every key).
func tableRange(table []RangeInfo, key string) *RangeInfo {
	for i := range table {
		if contains(table[i].Start, table[i].End, key) {
			return &table[i]
		}
	}
	return nil
}

// tableState colours a row of the table.
func tableState(st string) engine.State {
	switch st {
	case stateOnline:
		return engine.StateOK
	case stateSplitting, stateMoving, stateCreating:
		return engine.StatePending
	}
	return ""
}

// tiles says what is wrong with a table's cover of the key space ("" when
// its ranges, in order, run from the beginning to the end without a gap or
// an overlap).
func tiles(table []RangeInfo) string {
	if len(table) == 0 {
		return "the table has no range"
	}
	if table[0].Start != "" {
		return "nothing covers the keys before " + strconv.Quote(table[0].Start)
	}
	for i := range table {
		r := table[i]
		if r.End != "" && r.End <= r.Start {
			return rangeName(r.ID) + " is empty or reversed: " + bounds(r.Start, r.End)
		}
		if i+1 < len(table) {
			next := table[i+1]
			switch {
			case r.End == "" || next.Start < r.End:
				return rangeName(r.ID) + " " + bounds(r.Start, r.End) + " and " + rangeName(next.ID) + " " + bounds(next.Start, next.End) + " overlap"
			case next.Start > r.End:
				return "no range covers " + bounds(r.End, next.Start) + " (between " + rangeName(r.ID) + " and " + rangeName(next.ID) + ")"
			}
		}
	}
	if last := table[len(table)-1]; last.End != "" {
		return "nothing covers the keys from " + strconv.Quote(last.End) + " on"
	}
	return ""
}
