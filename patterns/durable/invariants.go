package durable

import (
	"fmt"
	"maps"
	"sort"
	"strings"

	"clusterscope/engine"
)

// Invariant names (the lessons cite them).
const (
	InvAckedDurable    = "acked-is-durable"
	InvRecoveryMatches = "recovery-matches-state"
	InvContiguous      = "log-contiguous"
	InvDurableStable   = "durable-never-rewritten"
	InvTornTruncated   = "torn-tail-truncated"
	InvReadable        = "readable-above-low-water-mark"
	InvOnlyActive      = "only-active-segment-written"
	InvMarkOrder       = "low-water-mark-order"
)

// checkers builds fresh invariants for one run, in the order given: when
// one step breaks two, the first named is reported first. They share one
// list of running servers, which the first refreshes: the engine runs every
// invariant, in order, after each step, so the rest see the same world.
func checkers(names []string) []engine.Invariant {
	shared := &runningServers{}
	out := make([]engine.Invariant, 0, len(names))
	for i, name := range names {
		out = append(out, engine.Invariant{Name: name, Description: descriptions[name], Check: shared.each(newCheck(name), i == 0)})
	}
	return out
}

var descriptions = map[string]string{
	InvAckedDurable:    "Every write acknowledged to a client is durable: its index is within the fsynced prefix of the log.",
	InvRecoveryMatches: "The state in memory is what recovery would rebuild from the disk now (the snapshot plus the durable log after it): a crash loses nothing a client saw.",
	InvContiguous:      "Log indexes are contiguous and increasing, within each segment and from one segment to the next.",
	InvDurableStable:   "A durable entry is never rewritten; only a torn tail, never acknowledged, is cut.",
	InvTornTruncated:   "A torn record (bad checksum) is cut at recovery and never applied: a running server's log holds none.",
	InvReadable:        "Every index above the low-water mark can be read: a segment holds it.",
	InvOnlyActive:      "Only the newest segment is appended to; sealed segments never grow.",
	InvMarkOrder:       "low-water mark ≤ snapshot index ≤ applied index.",
}

// a check looks at one running server (n) and its disk.
type check func(id string, n *Node, d *engine.Disk) string

// runningServers is the servers up at this step, each with its memory and
// disk, looked up once per step instead of once per invariant.
type runningServers struct{ list []runningServer }

type runningServer struct {
	id string
	n  *Node
	d  *engine.Disk
}

func (r *runningServers) refresh(w *engine.World) {
	r.list = r.list[:0]
	for _, id := range w.Members(engine.RoleNode) {
		n, _ := w.Process(id).(*Node)
		if n == nil || n.log == nil {
			continue // down: its memory is gone, the disk is judged when it restarts
		}
		r.list = append(r.list, runningServer{id, n, w.Disk(id)})
	}
}

// each runs c on every running server; first says this invariant is the
// one that refreshes the list.
func (r *runningServers) each(c check, first bool) func(w *engine.World) (string, []string) {
	return func(w *engine.World) (string, []string) {
		if first {
			r.refresh(w)
		}
		for _, s := range r.list {
			if text := c(s.id, s.n, s.d); text != "" {
				return text, []string{s.id}
			}
		}
		return "", nil
	}
}

func newCheck(name string) check {
	switch name {
	case InvAckedDurable:
		return ackedDurable
	case InvRecoveryMatches:
		return (&replayCheck{}).check
	case InvContiguous:
		return contiguous
	case InvDurableStable:
		return (&stableCheck{}).check
	case InvTornTruncated:
		return tornTruncated
	case InvReadable:
		return readable
	case InvOnlyActive:
		return (&sealedCheck{lens: map[string]int{}}).check
	case InvMarkOrder:
		return markOrder
	}
	panic("durable: no invariant " + name)
}

func ackedDurable(id string, n *Node, d *engine.Disk) string {
	if dur := n.log.durableIndex(); n.ackedIdx > dur && n.ackedIdx > n.snapIdx {
		return fmt.Sprintf("%s acknowledged index %d, but its log is durable only up to %d: a crash now loses an acknowledged write.", id, n.ackedIdx, dur)
	}
	return ""
}

// replayCheck keeps what replaying the durable log gives, extending it as
// entries become durable and starting over when the disk changed in other
// ways (a restart, a snapshot, the cleaner), so a step costs only the new
// entries. The two states are compared again only when one of them
// changed.
type replayCheck struct {
	node        *Node
	lwm, snap   int
	segs, first int
	upto        int
	kv          map[string]string
	applied     reqSet // the request ids the replay applied
	// same is whether n.kv equalled kv when the node had made kvWrites
	// writes and kv had not changed since (stale: compare again).
	same     bool
	stale    bool
	kvWrites int
	// After a comparison found the two equal, the next one looks only at
	// the keys either side wrote since: the replay's (replayed), and the
	// node's one write (Node.kvLast). Anything else (full: the replay
	// was rebuilt; the node wrote more, or recovered) compares all.
	full     bool
	replayed []string
	// compareAll turns that off (a test compares the two).
	compareAll bool
}

// reqSet is a set of request ids. They are history ids, dense from 0, so
// a bitmap holds them: a map grown entry by entry all run long was the
// check's main cost in allocations. Any other id goes in a map.
type reqSet struct {
	bits  []uint64
	other map[int]bool
}

// maxBitID bounds the ids the bitmap holds (a megabit at most).
const maxBitID = 1 << 20

func (r *reqSet) has(id int) bool {
	if id >= 0 && id < maxBitID {
		w := id / 64
		return w < len(r.bits) && r.bits[w]&(1<<(id%64)) != 0
	}
	return r.other[id]
}

func (r *reqSet) add(id int) {
	if id >= 0 && id < maxBitID {
		w := id / 64
		for len(r.bits) <= w {
			r.bits = append(r.bits, 0)
		}
		r.bits[w] |= 1 << (id % 64)
		return
	}
	if r.other == nil {
		r.other = map[int]bool{}
	}
	r.other[id] = true
}

// reset empties the set, keeping its bitmap's array.
func (r *reqSet) reset() {
	clear(r.bits)
	r.bits = r.bits[:0]
	r.other = nil
}

// equal reports whether n.kv equals the replayed state now.
func (c *replayCheck) equal(n *Node) bool {
	writes := n.kvWrites - c.kvWrites
	if !c.same || c.full || c.compareAll || writes > 1 || writes < 0 || writes == 1 && n.kvLast == "" {
		return maps.Equal(n.kv, c.kv)
	}
	if writes == 1 && !sameAt(n.kv, c.kv, n.kvLast) {
		return false
	}
	for _, k := range c.replayed {
		if !sameAt(n.kv, c.kv, k) {
			return false
		}
	}
	return true
}

// sameAt reports whether a and b agree on key k (both without it, or both
// with the same value).
func sameAt(a, b map[string]string, k string) bool {
	x, inA := a[k]
	y, inB := b[k]
	return inA == inB && x == y
}

func (c *replayCheck) check(id string, n *Node, d *engine.Disk) string {
	first := 0
	if len(n.log.segs) > 0 {
		first = n.log.segs[0].base
	}
	if c.node != n || c.lwm != n.lwm || c.snap != n.snapIdx || c.segs != len(n.log.segs) || c.first != first {
		r := recoverUpTo(d.AfterCrash(engine.CrashState{}), n.appliedIdx)
		applied := c.applied
		applied.reset()
		for id := range r.Applied {
			applied.add(id)
		}
		*c = replayCheck{node: n, lwm: n.lwm, snap: n.snapIdx, segs: len(n.log.segs), first: first, upto: r.Last, kv: r.KV, applied: applied, stale: true, full: true, replayed: c.replayed[:0], compareAll: c.compareAll}
	}
	// The disk may be durable further than the node has heard (an fsync
	// completed while it was paused): compare up to what it applied.
	for dur := min(n.log.durableIndex(), n.appliedIdx); c.upto < dur; {
		e, ok := n.log.read(c.upto + 1)
		if !ok {
			break
		}
		c.upto = e.Index
		if !c.applied.has(e.ReqID) {
			c.applied.add(e.ReqID)
			c.kv[e.Key] = e.Value
			c.replayed = append(c.replayed, e.Key)
			c.stale = true
		}
	}
	if c.stale || c.kvWrites != n.kvWrites {
		c.same = c.equal(n)
		c.stale, c.full, c.kvWrites, c.replayed = false, false, n.kvWrites, c.replayed[:0]
	}
	if n.appliedIdx > c.upto || !c.same {
		return fmt.Sprintf("%s holds %s (applied up to %d), but recovery from its disk rebuilds %s (through %d): a crash now gives a different state than clients saw.",
			id, kvText(n.kv), n.appliedIdx, kvText(c.kv), c.upto)
	}
	return ""
}

func kvText(kv map[string]string) string {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == 6 {
			fmt.Fprintf(&b, "… %d more", len(keys)-i)
			break
		}
		b.WriteString(k + "=" + kv[k])
	}
	b.WriteByte('}')
	return b.String()
}

// contiguous checks each segment's ends and the joins between segments:
// appends only ever add index last+1, so the ends tell.
func contiguous(id string, n *Node, d *engine.Disk) string {
	prev := 0
	for i, s := range n.log.segs {
		f := d.File(s.name)
		if f == nil {
			return fmt.Sprintf("%s's segment %s is gone from its disk.", id, s.name)
		}
		recs := f.Records()
		if len(recs) == 0 {
			continue
		}
		if e, ok := recs[0].Data.(Entry); ok && recs[0].Intact() && e.Index != s.base {
			return fmt.Sprintf("%s's segment %s starts with index %d, not %d.", id, s.name, e.Index, s.base)
		}
		last := len(recs) - 1
		if e, ok := recs[last].Data.(Entry); ok && recs[last].Intact() && e.Index != s.base+last {
			return fmt.Sprintf("%s's segment %s ends with index %d where %d belongs: indexes skip or repeat.", id, s.name, e.Index, s.base+last)
		}
		if i > 0 && s.base != prev+1 {
			return fmt.Sprintf("%s's segment %s starts at %d, but the one before ends at %d.", id, s.name, s.base, prev)
		}
		prev = s.base + last
	}
	return ""
}

// stableCheck remembers every entry once it is durable and checks a
// durable entry at the same index again later (after a truncation) is the
// same. It reads index upto+1 (read checks the entry has that index) and
// upto only grows past what it remembered, so the entries remembered are
// indexes 1..seen, kept in fixed chunks: a run never copies them to grow.
type stableCheck struct {
	chunks [][]Entry
	seen   int
	upto   int
}

const stableChunk = 1024

func (c *stableCheck) check(id string, n *Node, d *engine.Disk) string {
	dur := n.log.durableIndex()
	c.upto = min(c.upto, dur)
	for ; c.upto < dur; c.upto++ {
		e, ok := n.log.read(c.upto + 1)
		if !ok {
			break
		}
		if i := e.Index - 1; i < c.seen {
			if old := c.chunks[i/stableChunk][i%stableChunk]; old != e {
				return fmt.Sprintf("%s's durable entry %d was %s=%s and is now %s=%s: a durable entry was rewritten.", id, e.Index, old.Key, old.Value, e.Key, e.Value)
			}
			continue
		}
		if c.seen%stableChunk == 0 {
			c.chunks = append(c.chunks, make([]Entry, 0, stableChunk))
		}
		last := &c.chunks[len(c.chunks)-1]
		*last = append(*last, e)
		c.seen++
	}
	return ""
}

func tornTruncated(id string, n *Node, d *engine.Disk) string {
	for _, s := range n.log.segs {
		f := d.File(s.name)
		if f == nil || f.Len() == 0 {
			continue
		}
		if !f.Records()[f.Len()-1].Intact() {
			return fmt.Sprintf("%s is running with a torn record at index %d of %s: recovery should have cut it.", id, s.base+f.Len()-1, s.name)
		}
	}
	return ""
}

func readable(id string, n *Node, d *engine.Disk) string {
	last := n.log.lastIndex()
	if last <= n.lwm {
		return ""
	}
	if len(n.log.segs) == 0 || n.log.segs[0].base > n.lwm+1 {
		held := "no segment"
		if len(n.log.segs) > 0 {
			held = fmt.Sprintf("the first segment left starts at %d", n.log.segs[0].base)
		}
		return fmt.Sprintf("%s's low-water mark is %d, but %s: entry %d, above the mark, cannot be read.", id, n.lwm, held, n.lwm+1)
	}
	return ""
}

// sealedCheck remembers each sealed segment's length.
type sealedCheck struct{ lens map[string]int }

func (c *sealedCheck) check(id string, n *Node, d *engine.Disk) string {
	for i, s := range n.log.segs {
		if i == len(n.log.segs)-1 {
			delete(c.lens, s.name) // active again after a recovery cut what followed it
			break
		}
		l := d.File(s.name).Len()
		if was, ok := c.lens[s.name]; ok && l > was {
			return fmt.Sprintf("%s appended to %s after it was sealed.", id, s.name)
		}
		c.lens[s.name] = l
	}
	return ""
}

func markOrder(id string, n *Node, d *engine.Disk) string {
	if n.lwm > n.snapIdx || n.snapIdx > n.appliedIdx {
		return fmt.Sprintf("%s has low-water mark %d, snapshot %d, applied %d: the mark must not pass the snapshot.", id, n.lwm, n.snapIdx, n.appliedIdx)
	}
	return ""
}
