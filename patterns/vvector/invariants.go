package vvector

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Invariant names (stable: scenarios and tests refer to them).
const (
	// InvNoLostUpdate is the pattern's promise, and what the lesson names
	// as both broken variants' first failure.
	InvNoLostUpdate = "no-concurrent-update-lost"
	InvConcurrent   = "siblings-are-concurrent"
)

func invariants() []engine.Invariant {
	lost, concurrent := &lostCheck{}, &concurrentCheck{}
	return []engine.Invariant{
		{Name: InvNoLostUpdate, Description: "Every write a client was told succeeded is still held by some replica, unless a later write whose client had read it replaced it.", Check: lost.check},
		{Name: InvConcurrent, Description: "A replica keeps two versions of a key side by side only when neither writer had read the other's.", Check: concurrent.check},
	}
}

// keyStateOf is what replica id holds of key: its live store, or its disk
// when it is down (the two agree: every change is saved at once).
func keyStateOf(w *engine.World, id, key string) keyState {
	if n, ok := w.Process(id).(*Node); ok {
		return n.store[key]
	}
	ks, _ := (kit.Record[keyState]{Key: storeKey(key)}).Get(w.Storage(id))
	return ks
}

func siblingsOf(w *engine.World, id, key string) []Sibling { return keyStateOf(w, id, key).Siblings }

// keyView is every version of one key the replicas hold: which replicas
// hold each write, and the merge of every context (what some writer had
// read, so replaced).
type keyView struct {
	holders map[Dot][]string
	sibs    []Sibling // one per write, in the order found
	read    VV
}

func viewKey(w *engine.World, key string) keyView {
	kv := keyView{holders: map[Dot][]string{}, read: VV{}}
	for _, id := range w.Members(engine.RoleNode) {
		for _, s := range siblingsOf(w, id, key) {
			if _, seen := kv.holders[s.Dot]; !seen {
				kv.sibs = append(kv.sibs, s)
				for k, n := range s.Ctx {
					kv.read[k] = max(kv.read[k], n)
				}
			}
			kv.holders[s.Dot] = append(kv.holders[s.Dot], id)
		}
	}
	return kv
}

// survives reports whether the write d is held somewhere or was replaced
// by a write that had read it.
func (kv keyView) survives(d Dot) bool {
	return len(kv.holders[d]) > 0 || kv.read.Covers(d)
}

// lostWrite is an acknowledged write that no replica holds and no write
// replaced.
type lostWrite struct {
	Op     engine.Operation
	In     Op
	Dot    Dot
	Vector string
}

// lostWrites lists the acknowledged adds that are gone, oldest first.
func lostWrites(w *engine.World) ([]lostWrite, map[string]keyView) {
	var lost []lostWrite
	keys := map[string]keyView{}
	for _, op := range w.History() {
		in, _ := op.Input.(Op)
		res, ok := op.Output.(Result)
		if op.Status != engine.OpOK || !ok || in.Kind != opAdd {
			continue
		}
		kv, seen := keys[in.Key]
		if !seen {
			kv = viewKey(w, in.Key)
			keys[in.Key] = kv
		}
		if !kv.survives(res.Dot) {
			lost = append(lost, lostWrite{Op: op, In: in, Dot: res.Dot, Vector: res.Vector})
		}
	}
	return lost, keys
}

// lostCheck is the no-lost-update checker of one run. It runs after every
// step, so it does not judge the whole history each time: it takes each
// acknowledged add once, and looks again at a key's adds only when some
// replica changed the key (a write can only be lost then) or a new add of
// it was acknowledged.
type lostCheck struct {
	// The history is taken once per operation: read is how much of it
	// was read, waiting the operations read while still pending (by
	// index, oldest first), taken when they complete.
	read    int
	waiting []int
	acked   map[string]*keyAcks // acknowledged adds by key (not lost: candidates)
	saves   map[string]int      // per key, the replicas' Saves when last judged
	fresh   map[string]bool     // keys with an add acknowledged since
	// Each add is taken once, by key and dot (keyAcks.has). A dot names a
	// write within its key (each key counts its own), so athens:1 of x and
	// athens:1 of y are two writes.
	watch storeWatch
	// everyKey turns the watch off: every acknowledged key is judged
	// whenever some store changed (a test compares the two).
	everyKey bool
	keys     []string    // scratch: the keys to judge at this step
	held     [][]Sibling // scratch: what each replica holds of the key judged
}

// keyAcks are the acknowledged adds of one key: in the order they were
// taken (a lost one is reported as the first of them), and their counters
// by coordinator, sorted. A key's adds pile up over a run, and most are
// covered by the contexts of what the replicas hold now: the sorted
// counters let the check look only at the ones above that cover.
type keyAcks struct {
	adds   []int        // history indexes, in the order taken
	byNode []nodeCounts // per coordinator, a few
}

// nodeCounts are the counters of one coordinator's acknowledged dots of a
// key, ascending.
type nodeCounts struct {
	node string
	ns   []int
}

// add keeps an acknowledged add, its history index and its dot, unless
// the dot was kept before (a write is taken once); it reports whether it
// kept it.
func (k *keyAcks) add(at int, d Dot) bool {
	i := slices.IndexFunc(k.byNode, func(c nodeCounts) bool { return c.node == d.Node })
	if i < 0 {
		k.byNode = append(k.byNode, nodeCounts{node: d.Node})
		i = len(k.byNode) - 1
	}
	c := &k.byNode[i]
	if n := len(c.ns); n == 0 || c.ns[n-1] < d.N { // acknowledged in order, nearly always
		c.ns = append(c.ns, d.N)
	} else {
		to, found := slices.BinarySearch(c.ns, d.N)
		if found {
			return false
		}
		c.ns = slices.Insert(c.ns, to, d.N)
	}
	k.adds = append(k.adds, at)
	return true
}

// anyLost reports whether some add survives not in held: what survives
// says, per add, asked only of the adds that no context held covers.
func (k *keyAcks) anyLost(held [][]Sibling) bool {
	for _, c := range k.byNode {
		cover := 0 // the largest counter of c.node some held context has
		if c.node != "" {
			for _, sibs := range held {
				for _, s := range sibs {
					cover = max(cover, s.Ctx[c.node])
				}
			}
		}
		from, _ := slices.BinarySearch(c.ns, cover+1)
		for _, n := range c.ns[from:] {
			if !heldDot(held, Dot{Node: c.node, N: n}) {
				return true
			}
		}
	}
	return false
}

// heldDot reports whether some replica holds the write d.
func heldDot(held [][]Sibling, d Dot) bool {
	for _, sibs := range held {
		for _, s := range sibs {
			if s.Dot == d {
				return true
			}
		}
	}
	return false
}

// ackedAdd is the acknowledged add at history index at, as lostWrite.
func ackedAdd(h []engine.Operation, at int) lostWrite {
	in, _ := h[at].Input.(Op)
	res, _ := h[at].Output.(Result)
	return lostWrite{Op: h[at], In: in, Dot: res.Dot, Vector: res.Vector}
}

// survives is keyView.survives over what each replica holds of a key,
// without making the view (the checker asks after most steps): d is held
// somewhere, or some version held was written by a client that had read
// it (the merge of their contexts covers d when one of them does).
func survives(held [][]Sibling, d Dot) bool {
	for _, sibs := range held {
		for _, s := range sibs {
			if s.Dot == d || s.Ctx.Covers(d) {
				return true
			}
		}
	}
	return false
}

// take looks at a completed operation (history index at): an
// acknowledged add is a write to keep an eye on (once per dot).
func (c *lostCheck) take(h []engine.Operation, at int) {
	op := &h[at]
	in, _ := op.Input.(Op)
	res, ok := op.Output.(Result)
	if op.Status != engine.OpOK || !ok || in.Kind != opAdd {
		return
	}
	k := c.acked[in.Key]
	if k == nil {
		k = &keyAcks{}
		c.acked[in.Key] = k
	}
	if k.add(at, res.Dot) {
		c.fresh[in.Key] = true
	}
}

// storeWatch follows the replicas' stores for a checker that runs after
// every step, so that it looks again only at what changed. A store
// changes only by a save, and a replica counts its saves and keeps the
// keys it saved in the event it is handling (Node.fresh). When the only
// saves since the checker last looked are the handled replica's fresh
// ones, those keys are all that changed. Otherwise (a restart, or saves
// the checker did not see happen) it does not know, and the checker looks
// at every key, as when it starts.
type storeWatch struct {
	seen []watched // per replica: a list, as a cluster has a few
}

// watched is a replica as a storeWatch last saw it.
type watched struct {
	id           string
	epoch, saves int
}

// at is where the watch keeps id, added the first time.
func (sw *storeWatch) at(id string) *watched {
	for i := range sw.seen {
		if sw.seen[i].id == id {
			return &sw.seen[i]
		}
	}
	sw.seen = append(sw.seen, watched{id: id})
	return &sw.seen[len(sw.seen)-1]
}

// look remembers n as it is now, and reports whether its only saves since
// it was last looked at are its fresh ones.
func (sw *storeWatch) look(n *Node) (freshOnly bool) { return sw.at(n.id).look(n) }

// look is storeWatch.look of the replica w is.
func (w *watched) look(n *Node) (freshOnly bool) {
	freshOnly = w.epoch == n.epoch && w.saves == n.saves-len(n.fresh)
	w.epoch, w.saves = n.epoch, n.saves
	return freshOnly
}

// step looks at every replica: changed reports whether some store changed
// since the last step (a restart counts: its epoch is new); known, that
// the handled replica's fresh keys are all that changed (handled is that
// replica, nil when no server handled the step).
func (sw *storeWatch) step(w *engine.World, nodes []string) (changed, known bool, handled *Node) {
	handled, _ = w.NodeProcess(w.HandledNode()).(*Node)
	known = true
	// When the replicas are every server (as nearly always), each is found
	// by its index in Nodes rather than looked up by name; the order they
	// are looked at in changes nothing.
	all := w.Nodes()
	byIndex := len(all) == len(nodes)
	if byIndex {
		nodes = all
	}
	for i, id := range nodes {
		var n *Node
		var up bool
		if byIndex {
			n, up = w.NodeProcess(i).(*Node)
		} else {
			n, up = w.Process(id).(*Node)
		}
		if !up {
			continue // a replica that is down changes nothing
		}
		at := sw.at(id)
		if at.epoch == n.epoch && at.saves == n.saves {
			continue
		}
		changed = true
		if !at.look(n) || n != handled {
			known = false
		}
	}
	return changed, known, handled
}

// sortedKeys is keys sorted, each once, in scratch.
func sortedKeys(scratch, keys []string) []string {
	scratch = append(scratch[:0], keys...)
	slices.Sort(scratch)
	return slices.Compact(scratch)
}

func (c *lostCheck) check(w *engine.World) (string, []string) {
	if c.acked == nil {
		c.acked, c.saves, c.fresh = map[string]*keyAcks{}, map[string]int{}, map[string]bool{}
	}
	h := w.History()
	waiting := c.waiting[:0]
	for _, i := range c.waiting {
		if h[i].Status == engine.OpPending {
			waiting = append(waiting, i)
		} else {
			c.take(h, i)
		}
	}
	for i := c.read; i < len(h); i++ {
		if h[i].Status == engine.OpPending {
			waiting = append(waiting, i)
		} else {
			c.take(h, i)
		}
	}
	c.waiting, c.read = waiting, len(h)
	nodes := w.Members(engine.RoleNode)
	changed, known, handled := c.watch.step(w, nodes)
	if !changed && len(c.fresh) == 0 {
		return "", nil
	}
	// The keys to judge: every acknowledged one, or, when the watch knows
	// which keys changed, those and the keys with a new add (no other key
	// would pass the test below).
	if known && !c.everyKey {
		c.keys = c.keys[:0]
		if handled != nil {
			c.keys = append(c.keys, handled.fresh...)
		}
		for key := range c.fresh {
			c.keys = append(c.keys, key)
		}
		c.keys = sortedKeys(c.keys, c.keys)
	} else {
		c.keys = append(c.keys[:0], slices.Sorted(maps.Keys(c.acked))...)
	}
	for _, key := range c.keys {
		acked, ok := c.acked[key]
		if !ok {
			continue
		}
		saves := 0
		c.held = c.held[:0]
		for _, id := range nodes {
			ks := keyStateOf(w, id, key)
			saves += ks.Saves
			c.held = append(c.held, ks.Siblings)
		}
		if saves == c.saves[key] && !c.fresh[key] {
			continue
		}
		c.saves[key] = saves
		delete(c.fresh, key)
		if !acked.anyLost(c.held) {
			continue
		}
		for _, at := range acked.adds { // the first lost, in the order taken
			if l := ackedAdd(h, at); !survives(c.held, l.Dot) {
				return lostText(l, viewKey(w, key)), nodes
			}
		}
	}
	return "", nil
}

// lostText explains a lost write, with what the replicas hold instead.
func lostText(l lostWrite, kv keyView) string {
	var held []string
	for _, s := range kv.sibs {
		held = append(held, s.Value+" "+s.Vector().String())
	}
	return fmt.Sprintf("%s was told %s succeeded (its write %s; the client then knew %s), but no replica holds it and no write that replaced it had read it: it was discarded, not replaced. The replicas hold: %s",
		l.Op.Client, l.In, l.Dot, l.Vector, strings.Join(held, " | "))
}

// concurrentCheck looks at the replica that just handled an event: of
// the versions it keeps side by side, none may be one another's writer
// had read.
type concurrentCheck struct {
	watch storeWatch
	keys  []string // scratch
}

func (c *concurrentCheck) check(w *engine.World) (string, []string) {
	n, ok := w.NodeProcess(w.HandledNode()).(*Node)
	if !ok {
		return "", nil
	}
	if c.watch.look(n) {
		// The rest of its store was looked at before and has not changed.
		c.keys = sortedKeys(c.keys, n.fresh)
		for _, key := range c.keys {
			if text := replacedKept(n.id, n.store[key].Siblings); text != "" {
				return text, []string{n.id}
			}
		}
		return "", nil
	}
	// Keys in map order first; a breach is then found again in key order,
	// so its text is the same every run.
	for _, ks := range n.store {
		if text := replacedKept(n.id, ks.Siblings); text != "" {
			for _, key := range slices.Sorted(maps.Keys(n.store)) {
				if text := replacedKept(n.id, n.store[key].Siblings); text != "" {
					return text, []string{n.id}
				}
			}
		}
	}
	return "", nil
}

// replacedKept says which sibling of sibs another one's writer had read.
func replacedKept(id string, sibs []Sibling) string {
	if len(sibs) < 2 {
		return ""
	}
	for _, s := range sibs {
		for _, t := range sibs {
			if s.Dot != t.Dot && t.Ctx.Covers(s.Dot) {
				return fmt.Sprintf("%s keeps %s %s beside %s %s, whose writer had read it", id, s.Value, s.Vector(), t.Value, t.Vector())
			}
		}
	}
	return ""
}

// Settled: once every fault is healed and the cluster ran on, every
// server is up with no request waiting, and all hold the same versions of
// every key (anti-entropy has converged them).
func Settled(w *engine.World) kit.Verdict {
	nodes := w.Members(engine.RoleNode)
	for _, id := range nodes {
		n, ok := w.Process(id).(*Node)
		if !ok {
			return kit.Verdict{Check: "up", Text: id + " is not up"}
		}
		if n.waiting.Len() > 0 {
			return kit.Verdict{Check: "drained", Text: fmt.Sprintf("%s still has %d request(s) waiting", id, n.waiting.Len())}
		}
	}
	if key, a, b, ok := diverged(w, nodes); !ok {
		return kit.Verdict{Check: "converged", Text: fmt.Sprintf("%s and %s hold different versions of %s: %s and %s",
			a, b, key, summary(siblingsOf(w, a, key)), summary(siblingsOf(w, b, key)))}
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "every server is idle and all hold the same versions of every key"}
}

// diverged finds a key two replicas hold different versions of; ok is
// true when there is none.
func diverged(w *engine.World, nodes []string) (key, a, b string, ok bool) {
	keys := map[string]bool{}
	for _, id := range nodes {
		if n, up := w.Process(id).(*Node); up {
			for k := range n.store {
				keys[k] = true
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		first := siblingsOf(w, nodes[0], k)
		for _, id := range nodes[1:] {
			if !sameDots(first, siblingsOf(w, id, k)) {
				return k, nodes[0], id, false
			}
		}
	}
	return "", "", "", true
}
