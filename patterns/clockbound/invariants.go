package clockbound

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"clusterscope/engine"
)

// Invariant names (stable: scenarios and tests refer to them).
const (
	// InvExternal is the pattern's promise, and what the broken variant
	// breaks first: an operation that begins after another ended (in true
	// time) sees it: a read never returns a version older than one a
	// finished write or read had.
	InvExternal = "external-consistency"
	// InvCommitted: no client is shown a version before its writer
	// committed it (after its commit-wait, in that mode).
	InvCommitted = "visible-only-once-committed"
)

func invariants() []engine.Invariant {
	e := &external{done: map[string][]finished{}}
	c := &committedCheck{done: map[shown]bool{}}
	return []engine.Invariant{
		{Name: InvExternal, Description: "If one operation on a key finished before another began, in true time, the later one is stamped no lower: a read returns the version of every write, and of every read, that finished before it began, or a newer one.",
			Check: e.check},
		{Name: InvCommitted, Description: "A version is shown to a client (read, or acknowledged to its writer) only once its writer has committed it: every replica holds it and, in commit-wait mode, the writer's clock has passed its stamp by maxOffset.",
			Check: c.check},
	}
}

// finished is an operation that ended: when (true µs), at which stamp.
type finished struct {
	ret int64
	ts  time.Duration
	op  int // the history entry that stamped ts: named only when a read breaks the rule
}

// external judges each operation as it ends against every operation on
// its key that ended before it began. Operations end in time order, so
// each key's list is sorted by end and a running maximum of the stamps
// answers "the newest stamp finished before t".
type external struct {
	seen    int   // history entries looked at
	pending []int // operations not yet ended
	done    map[string][]finished
	broken  string
	at      []string
}

func (e *external) check(w *engine.World) (string, []string) {
	if e.broken != "" {
		return e.broken, e.at
	}
	h := w.History()
	// An operation begins and ends only at its client: after a server's
	// step, with no new operation, there is nothing to judge.
	if w.HandledNode() >= 0 && e.seen == len(h) {
		return "", nil
	}
	for ; e.seen < len(h); e.seen++ {
		e.pending = append(e.pending, e.seen)
	}
	e.pending = slices.DeleteFunc(e.pending, func(id int) bool {
		st := h[id].Status // not a copy of the whole operation per pending one per step
		if st == engine.OpPending {
			return false
		}
		if st == engine.OpOK {
			e.judge(h, id)
		}
		return true
	})
	return e.broken, e.at
}

func (e *external) judge(h []engine.Operation, id int) {
	op := h[id]
	in, _ := op.Input.(Op)
	res, ok := op.Output.(Result)
	if !ok {
		return
	}
	list := e.done[in.Key]
	// The newest stamp among those that ended before op began.
	i, _ := slices.BinarySearchFunc(list, op.Call, func(f finished, t int64) int {
		if f.ret < t {
			return -1
		}
		return 1
	})
	if res.Read && i > 0 && list[i-1].ts > res.TS && e.broken == "" {
		before := list[i-1]
		bop := h[before.op]
		bin, _ := bop.Input.(Op)
		e.broken = fmt.Sprintf("%s read %s on %s at %s and got %s, though %s (stamped %s) had finished before the read began: a stale read",
			op.Client, in.Key, in.Node, ms(res.ReadTS), quoteStamp(res), bop.Client+"'s "+bin.String(), ms(before.ts))
		e.at = []string{in.Node, op.Client}
	}
	f := finished{ret: op.Return, ts: res.TS, op: id}
	if n := len(list); n > 0 && list[n-1].ts > f.ts {
		f.ts, f.op = list[n-1].ts, list[n-1].op // keep the running maximum
	}
	e.done[in.Key] = append(list, f)
}

func quoteStamp(r Result) string { return strconv.Quote(r.Value) + " " + stampText(r.TS) }

// committedCheck keeps every version a writer committed and judges every
// version shown to a client against them.
type committedCheck struct {
	done   map[shown]bool
	broken string
	at     []string
}

func (c *committedCheck) check(w *engine.World) (string, []string) {
	if c.broken != "" {
		return c.broken, c.at
	}
	i := w.HandledNode()
	s, ok := w.NodeProcess(i).(*Server)
	if !ok {
		return "", nil
	}
	for _, v := range s.committed {
		c.done[v] = true
	}
	for _, sh := range s.shown {
		if sh.TS != 0 && !c.done[sh] && c.broken == "" {
			c.broken = fmt.Sprintf("%s showed a client %s %s before its writer committed it", s.id, sh.Key, stampText(sh.TS))
			c.at = []string{s.id}
		}
	}
	return c.broken, c.at
}
