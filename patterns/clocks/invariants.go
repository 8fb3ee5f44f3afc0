package clocks

import (
	"fmt"
	"time"

	"clusterscope/engine"
)

// Invariant names (stable: scenarios and tests refer to them).
const (
	// InvClockCondition is the clock's promise, and what both broken
	// variants break first: a → b ⇒ C(a) < C(b).
	InvClockCondition = "clock-condition"
	InvMonotonic      = "clock-monotonic"
	InvNoLaterLost    = "no-causally-later-write-lost"
	InvNearPhysical   = "within-physical-bound"
)

// invariants returns fresh checks for one run: they share one oracle
// checker, which the first of them brings up to date at each step.
func invariants(page string) func() []engine.Invariant {
	return func() []engine.Invariant {
		o := &oracle{}
		inv := []engine.Invariant{
			{Name: InvClockCondition, Description: "If event a happened before event b (the run's true causal order, kept by the engine), a's stamp is lower than b's: along a server's own events, and across servers through messages and clients.",
				Check: func(w *engine.World) (string, []string) { o.update(w); return o.condition, o.conditionAt }},
			{Name: InvMonotonic, Description: "A server's clock only moves forwards: each event is stamped higher than the one before, across restarts too.",
				Check: func(*engine.World) (string, []string) { return o.monotonic, o.monotonicAt }},
			{Name: InvNoLaterLost, Description: "When a replica merges two versions of a key, the one it drops did not happen after the one it keeps: a write made after another was seen is never lost to it.",
				Check: func(*engine.World) (string, []string) { return o.lost, o.lostAt }},
		}
		if page == pageLamport {
			inv[0].View = o.view
		}
		if page == pageHybrid {
			inv = append(inv, engine.Invariant{Name: InvNearPhysical, Description: "A hybrid stamp's wall part is never further ahead of true time than the furthest any server's physical clock has been ahead: it stays close to real time.",
				Check: func(*engine.World) (string, []string) { return o.bound, o.boundAt }})
		}
		return inv
	}
}

// oracle judges the servers' stamps against the engine's hidden causal
// order. It keeps the stamp of every server event by event number; after
// each step it compares the stamp of a server's new event with its own
// previous one and with the stamps of the latest event of every other
// server that happened before it. Checking every event against those
// latest events suffices: any chain a → b is made of such steps.
type oracle struct {
	servers []string
	index   []int         // each server's index in the oracle's clocks
	events  []int         // events of each server recorded so far
	stamps  []stampLog    // stamps[i].at(k): server i's k-th event
	writes  [][]created   // writes[i][seq]: where server i's write seq was created (event 0: not seen)
	seen    []seenWrite   // the last writes, recent() the last keptWrites of them (falseorder.go)
	ahead   time.Duration // the furthest a server's clock has been ahead of true time
	clocks  []uint32      // the block the writes' causal clocks are kept in (keepClock)

	condition, monotonic, lost, bound         string
	conditionAt, monotonicAt, lostAt, boundAt []string
}

// created is where a write was stamped: its server's event, and the
// causal clock of that event.
type created struct {
	server, event int
	clock         []uint32
}

func (o *oracle) update(w *engine.World) {
	o.condition, o.monotonic, o.lost, o.bound = "", "", "", ""
	o.conditionAt, o.monotonicAt, o.lostAt, o.boundAt = nil, nil, nil, nil
	c := w.Causal()
	if c == nil {
		return // the oracle is off (benchmarks)
	}
	if o.servers == nil {
		o.init(w, c)
	}
	// A server changes only in its own Handle: after a server's step only
	// that one needs a look; after a client's step or a command (a restart
	// boots a server inside it), every one.
	if i := w.HandledNode(); i >= 0 && i < len(o.servers) {
		o.visit(w, c, i)
		return
	}
	for i := range o.servers {
		o.visit(w, c, i)
	}
}

// visit records and judges server i's latest event, if it had a new one.
func (o *oracle) visit(w *engine.World, c *engine.Causal, i int) {
	id, ci := o.servers[i], o.index[i]
	n := int(c.ClockAt(ci)[ci]) // = c.Events(id)
	if n == o.events[i] {
		return
	}
	o.events[i] = n
	s, ok := w.NodeProcess(i).(*Server)
	if !ok {
		return
	}
	if s.page == pageHybrid {
		// Its physical clock was read at this event: how far ahead of
		// true time any reading has been bounds every stamp's wall part.
		o.ahead = max(o.ahead, w.Clock(id)-w.Now())
	}
	o.record(i, n, s.clock)
	o.judge(w, c, i, s)
}

func (o *oracle) init(w *engine.World, c *engine.Causal) {
	o.servers = w.Nodes()
	at := map[string]int{}
	for i, id := range c.Processes() {
		at[id] = i
	}
	o.index = make([]int, len(o.servers))
	for i, id := range o.servers {
		o.index[i] = at[id]
	}
	o.events = make([]int, len(o.servers))
	o.stamps = make([]stampLog, len(o.servers))
	o.writes = make([][]created, len(o.servers))
}

// record keeps stamp as server i's n-th event. Events the checker did not
// see one by one (several in one command) take the last stamp it knew,
// which errs on the side of passing.
func (o *oracle) record(i, n int, stamp Stamp) {
	st := &o.stamps[i]
	for st.n < n-1 {
		var prev Stamp
		if st.n > 0 {
			prev = st.at(st.n)
		}
		st.push(prev)
	}
	st.push(stamp)
}

// stampLog is a server's stamps, event by event, in chunks: it only grows
// (a check runs after every step of a run), and a full chunk is never
// copied again.
type stampLog struct {
	chunks [][]Stamp
	n      int
}

const stampChunk = 1024

// at is the stamp of event k (1 ≤ k ≤ n).
func (l *stampLog) at(k int) Stamp { return l.chunks[(k-1)/stampChunk][(k-1)%stampChunk] }

func (l *stampLog) push(s Stamp) {
	if l.n%stampChunk == 0 {
		l.chunks = append(l.chunks, make([]Stamp, 0, stampChunk))
	}
	c := &l.chunks[len(l.chunks)-1]
	*c = append(*c, s)
	l.n++
}

// server is the index of server id, -1 for none.
func (o *oracle) server(id string) int {
	for i, s := range o.servers {
		if s == id {
			return i
		}
	}
	return -1
}

// write is where write v was created; ok is false for one not seen.
func (o *oracle) write(v Version) (cr created, ok bool) {
	i := o.server(v.Node)
	if i < 0 || v.Seq < 0 || v.Seq >= len(o.writes[i]) {
		return cr, false
	}
	cr = o.writes[i][v.Seq]
	return cr, cr.event > 0
}

func (o *oracle) judge(w *engine.World, c *engine.Causal, i int, s *Server) {
	id, stamps := o.servers[i], &o.stamps[i]
	n, stamp := stamps.n, stamps.at(stamps.n)
	if n >= 2 && !stamps.at(n-1).Less(stamp) {
		o.monotonic = fmt.Sprintf("%s stamped its event %d at %s, not after its event %d at %s", id, n, stamp, n-1, stamps.at(n-1))
		o.monotonicAt = []string{id}
		o.condition, o.conditionAt = "a server's own later event: "+o.monotonic, o.monotonicAt
	}
	if o.condition == "" {
		clock := c.ClockAt(o.index[i])
		for j, from := range o.servers {
			if j == i {
				continue
			}
			k := int(clock[o.index[j]]) // = c.Seen(id, from)
			if k == 0 || k > o.stamps[j].n {
				continue
			}
			if before := o.stamps[j].at(k); !before.Less(stamp) {
				o.condition = fmt.Sprintf("%s's event %d, stamped %s, happened before %s's event %d, stamped %s",
					from, k, before, id, n, stamp)
				o.conditionAt = []string{id, from}
				break
			}
		}
	}
	if s.created != nil {
		cr := created{server: o.index[i], event: n, clock: o.keepClock(c.ClockAt(o.index[i]))}
		if j, seq := o.server(s.created.Node), s.created.Seq; j >= 0 && seq >= 0 {
			for len(o.writes[j]) <= seq {
				o.writes[j] = append(o.writes[j], created{})
			}
			o.writes[j][seq] = cr
		}
		o.remember(seenWrite{stampedWrite: *s.created, created: cr})
	}
	if s.merged != nil {
		o.judgeMerge(id, *s.merged)
	}
	if s.page == pageHybrid {
		if limit := millis(w.Now() + o.ahead); stamp.Wall > limit {
			o.bound = fmt.Sprintf("%s stamped %s, %dms ahead of true time %dms, more than any physical clock has been ahead (%dms)",
				id, stamp, stamp.Wall-millis(w.Now()), millis(w.Now()), millis(o.ahead))
			o.boundAt = []string{id}
		}
	}
}

// keepClock copies a write's causal clock into a block shared by many
// writes (one allocation per block, not per write).
func (o *oracle) keepClock(c []uint32) []uint32 {
	if cap(o.clocks)-len(o.clocks) < len(c) {
		o.clocks = make([]uint32, 0, max(1024, len(c)))
	}
	n := len(o.clocks)
	o.clocks = append(o.clocks, c...)
	return o.clocks[n:len(o.clocks):len(o.clocks)]
}

// judgeMerge: the version dropped must not have been written after the
// one kept was seen.
func (o *oracle) judgeMerge(id string, m merge) {
	kept, ok1 := o.write(m.Winner)
	dropped, ok2 := o.write(m.Loser)
	if !ok1 || !ok2 {
		return
	}
	if int(dropped.clock[kept.server]) >= kept.event {
		o.lost = fmt.Sprintf("%s kept %s @%s and dropped %s @%s, though the dropped write was made after the kept one was seen",
			id, m.Key, m.Winner, m.Key, m.Loser)
		o.lostAt = []string{id, m.Loser.Node}
	}
}
