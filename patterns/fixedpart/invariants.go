package fixedpart

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Invariant names (stable: scenarios and tests refer to them).
const (
	InvOneOwner     = "one-owner-per-partition"
	InvAckedKept    = "no-acked-write-lost"
	InvKeyPartition = "key-partition-fixed"
	InvBalanced     = "balanced-after-rebalance"
	InvMoveBound    = "keys-moved-within-bound"
)

// invariants are one run's checkers. The acknowledged-write check and the
// move bound keep what they have seen of the run (the history, the moves),
// so they are built afresh for each run.
func invariants() []engine.Invariant {
	acked := &ackedCheck{keys: map[string]*keyWrites{}}
	bound := &moveBound{}
	seen := &ownerCheck{}
	even := &balanceCheck{}
	return []engine.Invariant{
		{Name: InvMoveBound, Description: "A rebalance moves no more partitions than the live nodes' surplus over their fair share and shortfall under it add up to when it starts: a join to N nodes moves about P/N partitions, about 1/N of the keys.", Check: bound.check},
		{Name: InvOneOwner, Description: "No two data nodes serve the same partition at once.", Check: seen.check},
		{Name: InvAckedKept, Description: "Every acknowledged write is held by the owner of its partition, as the controller's table says (or a newer write of the key is), across every move.", Check: acked.check},
		{Name: InvKeyPartition, Description: "A key is stored in the partition its hash gives among the P partitions: P never changes, so neither does a key's partition.", Check: keyPartition},
		{Name: InvBalanced, Description: "Once a rebalance is over (no move under way, no node down), each data node holds floor(P/N) or ceil(P/N) partitions.", Check: even.check},
	}
}

// controllerOf is the controller's state: its process's when it is up,
// else what its disk holds (down: nil). The state is not to be changed:
// the checks read it after every step, and it is not copied for them.
func controllerOf(w *engine.World) (d *ctrlDisk, c *Controller) {
	for _, id := range w.Members(RoleController) {
		if c, ok := w.Process(id).(*Controller); ok {
			return &c.disk, c
		}
	}
	d = new(ctrlDisk)
	for _, id := range w.Nodes() {
		if w.Role(id) == RoleController {
			*d, _ = diskCtrl.Get(w.Storage(id))
		}
	}
	return d, nil
}

// ownerCheck looks again whenever a data node's partitions change.
type ownerCheck struct{ changes []int }

func (o *ownerCheck) check(w *engine.World) (string, []string) {
	nodes := w.Nodes()
	if len(o.changes) != len(nodes) {
		o.changes = make([]int, len(nodes))
	}
	changed := false
	for i := range nodes {
		if n, ok := w.NodeProcess(i).(*DataNode); ok && n.Changes != o.changes[i] {
			o.changes[i], changed = n.Changes, true
		}
	}
	if !changed {
		return "", nil
	}
	owner := map[int]string{}
	for i, id := range nodes {
		n, ok := w.NodeProcess(i).(*DataNode)
		if !ok {
			continue
		}
		for p, pt := range n.parts {
			if pt.State != stateOwned {
				continue
			}
			if other, dup := owner[p]; dup {
				return fmt.Sprintf("%s and %s both serve %s", other, id, partName(p)), []string{other, id}
			}
			owner[p] = id
		}
	}
	return "", nil
}

// storedAt is the value of key in partition p on node id's disk ("" if
// it holds none).
func storedAt(w *engine.World, id string, p int, key string) string {
	v, _ := (kit.Record[string]{Key: kvKey(p, key)}).Get(w.Storage(id))
	return v
}

// ackedCheck sums the history up key by key as it grows, and judges a key
// whenever a write of it is acknowledged, and the keys of every partition
// whose owner changed whenever the table does: the owner of the key's
// partition must hold the last acknowledged write, or a write that may
// have come after it.
type ackedCheck struct {
	seen    int // history entries read
	keys    map[string]*keyWrites
	order   []string // the keys in the order first written
	pending []int    // history indexes of writes not yet answered
	owners  []string // the owners judged last
	version int      // the table version they were seen at
	judge   []string // scratch: the keys to judge this step
}

// keyWrites sums up the writes of one key, value by value, and keeps the
// two values whose acknowledged writes were called last: a write is lost
// when the latest of those not held was called after every write of the
// value held had ended.
type keyWrites struct {
	part   int
	values map[string]*valueWrites
	latest [2]ackedWrite
}

// valueWrites: open counts writes of the value not acknowledged (pending,
// or timed out: either may still take effect); ends is the latest return
// of an acknowledged one.
type valueWrites struct {
	open int
	ends int64
}

// ackedWrite is the latest acknowledged write of one value.
type ackedWrite struct {
	value, client string
	call          int64
	ok            bool
}

// acked notes an acknowledged write of value v, called at call.
func (kw *keyWrites) acked(v, client string, call int64) {
	w := ackedWrite{value: v, client: client, call: call, ok: true}
	l := &kw.latest
	switch {
	case l[0].ok && l[0].value == v:
		if call > l[0].call {
			l[0] = w
		}
	case l[1].ok && l[1].value == v:
		if call > l[1].call {
			l[1] = w
		}
		if l[1].call > l[0].call {
			l[0], l[1] = l[1], l[0]
		}
	case !l[0].ok || call > l[0].call:
		l[1], l[0] = l[0], w
	case !l[1].ok || call > l[1].call:
		l[1] = w
	}
}

func (a *ackedCheck) key(k string, p int) *keyWrites {
	kw := a.keys[k]
	if kw == nil {
		kw = &keyWrites{part: p, values: map[string]*valueWrites{}}
		a.keys[k] = kw
		a.order = append(a.order, k)
	}
	return kw
}

func (kw *keyWrites) value(v string) *valueWrites {
	vw := kw.values[v]
	if vw == nil {
		vw = &valueWrites{ends: math.MinInt64}
		kw.values[v] = vw
	}
	return vw
}

func (a *ackedCheck) check(w *engine.World) (string, []string) {
	d, _ := controllerOf(w)
	t := d.Table
	if !t.Assigned() {
		return "", nil
	}
	h := w.History()
	a.judge = a.judge[:0]
	for ; a.seen < len(h); a.seen++ {
		if in, ok := h[a.seen].Input.(Op); ok && in.Kind == opPut {
			a.key(in.Key, partitionOf(in.Key, len(t.Owners))).value(in.Value).open++
			a.pending = append(a.pending, a.seen)
		}
	}
	still := a.pending[:0]
	for _, i := range a.pending {
		op := &h[i]
		switch op.Status {
		case engine.OpPending:
			still = append(still, i)
		case engine.OpOK:
			in := op.Input.(Op)
			kw := a.keys[in.Key]
			vw := kw.value(in.Value)
			vw.open--
			vw.ends = max(vw.ends, op.Return)
			kw.acked(in.Value, op.Client, op.Call)
			a.judge = append(a.judge, in.Key)
		}
	}
	a.pending = still
	if t.Version != a.version && !slices.Equal(a.owners, t.Owners) {
		for _, k := range a.order {
			if p := a.keys[k].part; a.owners == nil || a.owners[p] != t.Owners[p] {
				a.judge = append(a.judge, k)
			}
		}
		a.owners = t.Owners // never changed in place: a new table makes new slices
	}
	a.version = t.Version
	for _, k := range a.judge {
		if text, nodes := a.judgeKey(w, t, k); text != "" {
			return text, nodes
		}
	}
	return "", nil
}

// judgeKey checks key k: its owner's value must not be older than any
// acknowledged write of it.
func (a *ackedCheck) judgeKey(w *engine.World, t Table, k string) (string, []string) {
	kw := a.keys[k]
	owner := t.Owners[kw.part]
	got := storedAt(w, owner, kw.part, k)
	// The latest any write of got may take effect (+∞ while one is not
	// acknowledged); the initial "" counts as written before everything.
	ends := int64(math.MinInt64)
	if vw := kw.values[got]; vw != nil {
		ends = vw.ends
		if vw.open > 0 {
			ends = math.MaxInt64
		}
	}
	for _, l := range kw.latest {
		if !l.ok || l.value == got {
			continue
		}
		if l.call <= ends {
			break // the latest acknowledged write not held is no newer than got
		}
		v := l.value
		had := "holds " + k + "=" + strconv.Quote(got)
		if got == "" {
			had = "has no " + k
		}
		return fmt.Sprintf("%s's put %s=%s was acknowledged, but %s, the owner of %s in table v%d, %s: the write is lost", l.client, k, strconv.Quote(v), owner, partName(kw.part), t.Version, had), []string{owner}
	}
	return "", nil
}

// keyPartition: the key a data node stored last lies in its partition.
func keyPartition(w *engine.World) (string, []string) {
	i := w.HandledNode()
	n, ok := w.NodeProcess(i).(*DataNode)
	if !ok || n.Stored == "" || n.partitions == 0 {
		return "", nil
	}
	if p := partitionOf(n.Stored, n.partitions); p != n.StoredPart {
		return fmt.Sprintf("%s stored %s in %s, but its hash puts it in %s", n.id, n.Stored, partName(n.StoredPart), partName(p)), []string{n.id}
	}
	return "", nil
}

// balanceCheck: when the controller has nothing to move and nobody is
// down, every registered node holds its fair share. It looks again only
// when the table or the live set changed.
type balanceCheck struct {
	ctrl             *Controller
	version, changes int
}

func (b *balanceCheck) check(w *engine.World) (string, []string) {
	_, c := controllerOf(w)
	if c == nil || (c == b.ctrl && c.disk.Table.Version == b.version && c.Changes == b.changes) {
		return "", nil
	}
	b.ctrl, b.version, b.changes = c, c.disk.Table.Version, c.Changes
	if !c.disk.Table.Assigned() || c.disk.Table.Move.ID != 0 || len(c.down) > 0 {
		return "", nil
	}
	reg := c.disk.Registered
	lo, hi := fairShare(len(c.disk.Table.Owners), len(reg))
	for i, n := range c.disk.Table.Held(reg) {
		if n < lo || n > hi {
			return fmt.Sprintf("no move is under way and no node is down, but %s holds %d partitions (fair: %d to %d of %d over %d nodes)", reg[i], n, lo, hi, len(c.disk.Table.Owners), len(reg)), []string{reg[i]}
		}
	}
	return "", nil
}

// moveBound counts the moves of one rebalance: from the moment the set
// of live nodes is what it is, the moves may not outnumber the surplus
// and shortfall of the live nodes against their fair share at that
// moment. (Evening out never needs more: each move of the controller
// takes from a node above its share or gives to one below it.)
type moveBound struct {
	started      int         // moves started so far (the controller's counter)
	ctrl         *Controller // the controller's life the rebalance began in
	changes      int         // its live-set changes when the rebalance began
	live         string      // the live nodes of the rebalance, joined
	budget, used int
}

func (b *moveBound) check(w *engine.World) (string, []string) {
	_, c := controllerOf(w)
	if c == nil || c.disk.NextMove == b.started {
		return "", nil
	}
	b.started = c.disk.NextMove
	m := c.disk.Table.Move
	if m.ID != b.started {
		return "", nil // started and over in one step (never, in practice)
	}
	live := c.live()
	if c != b.ctrl || c.Changes != b.changes {
		b.ctrl, b.changes, b.live, b.used = c, c.Changes, strings.Join(live, ","), 0
		held := c.disk.Table.Held(live)
		total := 0
		for _, n := range held {
			total += n
		}
		lo, hi := fairShare(total, len(live))
		b.budget = 0
		for _, n := range held {
			b.budget += max(0, n-hi) + max(0, lo-n)
		}
	}
	if b.used++; b.used > b.budget {
		return fmt.Sprintf("move %d (%s, %s → %s) is move %d of this rebalance over %s, which needs at most %d: a join is moving far more than the new node's share of the keys", m.ID, partName(m.Part), m.From, m.To, b.used, b.live, b.budget), []string{m.From, m.To}
	}
	return "", nil
}

// Settled: once every fault is healed, the controller has every data
// node registered and heard from, no move is under way, each live node
// knows the current table and holds its fair share, and every
// acknowledged write is at its partition's owner. A controller that left
// (the leave command) can no longer move anything: only the writes are
// judged then.
func Settled(w *engine.World) kit.Verdict {
	d, c := controllerOf(w)
	if v := noLostWrite(w, d.Table); !v.OK {
		return v
	}
	if c == nil {
		return kit.Verdict{Check: "settled", OK: true, Text: "the controller is not in the cluster; every acknowledged write is at its owner"}
	}
	t := d.Table
	if !t.Assigned() {
		return kit.Verdict{Check: "assigned", Text: "the partitions were never assigned"}
	}
	for _, id := range w.Members(RoleData) {
		if !slices.Contains(d.Registered, id) || c.down[id] {
			return kit.Verdict{Check: "registered", Text: id + " is in the cluster but the controller does not count it live"}
		}
		if n, ok := w.Process(id).(*DataNode); ok && n.version != t.Version {
			return kit.Verdict{Check: "table-known", Text: fmt.Sprintf("%s knows table v%d, the controller v%d", id, n.version, t.Version)}
		}
	}
	if t.Move.ID != 0 {
		return kit.Verdict{Check: "moves-done", Text: fmt.Sprintf("move %d of %s to %s is still under way", t.Move.ID, partName(t.Move.Part), t.Move.To)}
	}
	if len(c.down) == 0 { // a node down (or gone) keeps its partitions: no fair share then
		held := t.Held(d.Registered)
		if len(held) > 1 && slices.Max(held)-slices.Min(held) > 1 {
			return kit.Verdict{Check: "balanced", Text: fmt.Sprintf("the nodes %v hold %v partitions", d.Registered, held)}
		}
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "every data node is registered and current, no move is under way, the live nodes are balanced and every acknowledged write is at its owner"}
}

// noLostWrite is kit.NoLostWrite with each key's value read at its
// partition's owner.
func noLostWrite(w *engine.World, t Table) kit.Verdict {
	if !t.Assigned() {
		return kit.Verdict{Check: "no-lost-write", OK: true}
	}
	final := map[string]string{}
	for _, op := range w.History() {
		if in, ok := op.Input.(Op); ok {
			if _, done := final[in.Key]; !done {
				p := partitionOf(in.Key, len(t.Owners))
				final[in.Key] = storedAt(w, t.Owners[p], p, in.Key)
			}
		}
	}
	return kit.NoLostWrite(w.History(), final)
}
