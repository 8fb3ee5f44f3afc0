package clocks

import (
	"strconv"
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Lamport order is total, causal order is not: two writes that never
// heard of each other still get stamps, one lower than the other. The
// oracle keeps the last few writes with the hidden vector clock of the
// event that stamped them, and with the false-order setting on the
// Lamport page shows them side by side, and lists the pairs whose stamps
// order them though neither happened before the other.

// ParamFalseOrder (0 or 1) shows the writes' vector clocks and the pairs
// Lamport orders falsely, in the cluster panel.
const ParamFalseOrder = "show-false-order"

var falseOrderSetting = kit.Param{Name: ParamFalseOrder, Label: "show vector clocks and the pairs Lamport orders falsely",
	Type: kit.ParamInt, Default: "0", Min: 0, Max: 1}

const (
	keptWrites = 8 // the most recent writes the view compares
	keptPairs  = 6 // the most recent false pairs it lists
)

// Cluster-panel widget titles.
const (
	WRecentWrites = "recent writes: Lamport stamp and vector clock"
	WFalsePairs   = "pairs Lamport orders falsely"
)

// seenWrite is one recent write as the oracle saw it stamped.
type seenWrite struct {
	stampedWrite
	created
}

func (w seenWrite) label() string {
	return w.By + "'s " + w.Key + "=" + w.Value + " on " + w.Node
}

// before reports whether write a happened before write b.
func before(a, b seenWrite) bool { return int(b.clock[a.server]) >= a.event }

// remember keeps w among the recent writes. The buffer holds up to twice
// keptWrites and slides back only when full: shifting the kept writes down
// at every write copied them all each time.
func (o *oracle) remember(w seenWrite) {
	if len(o.seen) == 2*keptWrites {
		o.seen = o.seen[:copy(o.seen, o.seen[keptWrites:])]
	}
	o.seen = append(o.seen, w)
}

// recent are the last keptWrites writes (fewer at first), oldest first.
func (o *oracle) recent() []seenWrite { return o.seen[max(0, len(o.seen)-keptWrites):] }

// falsePairs lists the pairs of recent writes whose stamps order them
// (first the lower) though they are concurrent, the most recent first.
func (o *oracle) falsePairs() [][2]seenWrite {
	var out [][2]seenWrite
	recent := o.recent()
	for j := len(recent) - 1; j > 0 && len(out) < keptPairs; j-- {
		for i := j - 1; i >= 0 && len(out) < keptPairs; i-- {
			a, b := recent[i], recent[j]
			if before(a, b) || before(b, a) || a.TS == b.TS {
				continue
			}
			if b.TS.Less(a.TS) {
				a, b = b, a
			}
			out = append(out, [2]seenWrite{a, b})
		}
	}
	return out
}

// view is the false-order panel, when the setting is on.
func (o *oracle) view(w *engine.World) []engine.Widget {
	if w.Param(ParamFalseOrder, 0) == 0 || w.Causal() == nil {
		return nil
	}
	names := w.Causal().Processes()
	recent := o.recent()
	rows := make([]engine.TableRow, 0, len(recent))
	for i := len(recent) - 1; i >= 0; i-- {
		sw := recent[i]
		rows = append(rows, engine.Row(engine.Cell{Text: sw.label()}, engine.Cell{Text: sw.TS.String()}, engine.Cell{Text: vector(sw.clock)}))
	}
	writes := engine.TableWidget(WRecentWrites, []string{"write", "stamp", "vector clock (" + strings.Join(names, ", ") + ")"}, rows...)
	pairs := o.falsePairs()
	prows := make([]engine.TableRow, 0, len(pairs))
	for _, p := range pairs {
		prows = append(prows, engine.Row(
			engine.Cell{Text: p[0].label() + " @" + p[0].TS.String()},
			engine.Cell{Text: p[1].label() + " @" + p[1].TS.String()},
			engine.Cell{Text: "concurrent: " + vector(p[0].clock) + " ∥ " + vector(p[1].clock), State: engine.StateBad}))
	}
	return []engine.Widget{writes, engine.TableWidget(WFalsePairs, []string{"lower stamp", "higher stamp", "what really happened"}, prows...)}
}

func vector(c []uint32) string {
	b := []byte{'['}
	for i, v := range c {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return string(append(b, ']'))
}
