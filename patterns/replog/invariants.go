package replog

import (
	"fmt"

	"clusterscope/engine"
)

// Invariant names (stable: scenarios and tests refer to them).
const (
	InvOneLeader       = "one-leader-per-generation"
	InvOneVote         = "one-vote-per-generation"
	InvGenMonotonic    = "generation-never-decreases"
	InvLogMatching     = "log-matching"
	InvCommittedStable = "committed-entries-stable"
	InvCommittedQuorum = "committed-on-majority"
	InvReadsCommitted  = "reads-see-committed"
	InvNoFalseSuspect  = "no-false-suspicion"
	InvElectionsSettle = "elections-settle"
)

// settleGenerations is how high generations may climb in a run without any
// fault before the elections are judged to be churning.
const settleGenerations = 8

// checkers builds fresh invariants for one run, in the order given.
func checkers(names []string) []engine.Invariant { return newCheckers(names, false) }

// newCheckers with full set re-reads every node every round (the slow,
// obvious way, which tests compare the incremental one against).
func newCheckers(names []string, full bool) []engine.Invariant {
	t := &tracker{full: full, votes: map[string]map[int]string{}, leaders: map[int]string{}, committedVals: map[[2]string]struct{}{}}
	var out []engine.Invariant
	for _, name := range names {
		inv := engine.Invariant{Name: name}
		switch name {
		case InvOneLeader:
			inv.Description = "At most one node leads any generation."
			inv.Check = t.oneLeader
		case InvOneVote:
			inv.Description = "A node grants at most one vote per generation, across restarts."
			inv.Check = t.oneVote
		case InvGenMonotonic:
			inv.Description = "A node's generation never goes down, across restarts."
			inv.Check = t.genMonotonic
		case InvLogMatching:
			inv.Description = "Two logs with an entry of the same index and generation agree on every entry up to it."
			inv.Check = t.logMatching
		case InvCommittedStable:
			inv.Description = "An entry below a high-water mark never changes or disappears, and every later leader holds it."
			inv.Check = t.committedStable
		case InvCommittedQuorum:
			inv.Description = "An entry is on a majority of the nodes when it first counts as committed."
			inv.Check = t.committedQuorum
		case InvReadsCommitted:
			inv.Description = "A read returns only a value that was committed when it answered."
			inv.Check = t.readsCommitted
		case InvNoFalseSuspect:
			inv.Description = "While nothing has failed and the network keeps its delays, no follower suspects a live leader."
			inv.Check = t.noFalseSuspicion
		case InvElectionsSettle:
			inv.Description = fmt.Sprintf("While nothing has failed, elections settle: the generation stays below %d.", settleGenerations)
			inv.Check = t.electionsSettle
		default:
			panic("replog: unknown invariant " + name)
		}
		out = append(out, inv)
	}
	return out
}

// nodeSeen is what the per-node checks read from a node.
type nodeSeen struct {
	n               *Node
	gen, suspicions int
	role, votedFor  string
}

type vote struct {
	gen  int
	vote string
}

// tracker is the checkers' shared memory of one run. Checks stay cheap
// (they run after every step): the live nodes are loaded once per round,
// logs are compared through hash chains, and the committed prefix is
// re-examined only when a log, a mark or a role changed.
type tracker struct {
	full bool // no shortcuts: re-read and re-check everything every round

	// per round
	ids         []string
	fresh       bool
	freshKey    [2]int
	nodeCache   []*Node // per node, nil while crashed
	logVers     []int   // per node: log version at the last refresh
	hwms        []int   // per node: mark (negated for a leader) at the last refresh
	logsChanged bool    // for log matching
	logDirty    []bool  // per node: its log changed since log matching last looked
	commitDirty bool    // for the committed prefix
	// nodesChanged: a node's generation, role, vote or suspicions changed
	// this round, or a command came (statuses may have changed): the
	// per-node checks have nothing new to look at otherwise.
	nodesChanged bool
	seen         []nodeSeen // per node, at the last refresh

	votes    map[string]map[int]string // node -> generation -> vote
	seenVote []vote                    // per node: the vote last recorded
	leaders  map[int]string            // generation -> leader
	ledGen   []int                     // per node: generation it was last seen leading
	lastGen  []int                     // per node

	// committed prefix as seen so far
	committed     []uint64 // hash chain of the committed entries
	cEntries      []Entry
	commitGen     []int                  // per committed entry: generation of the node that first covered it
	committedVals map[[2]string]struct{} // (key, value) of committed writes
	vc            []int                  // per node: committed prefix it was seen to hold
	maxGen        []int                  // per node: highest generation seen
	changed       string                 // first "committed entry changed" explanation
	changedNodes  []string
	minority      string
	minorityNodes []string

	opsChecked []bool
	firstOpen  int

	cmdSeen int
	stormy  bool
}

func nodeOf(w *engine.World, id string) *Node {
	n, _ := w.Process(id).(*Node)
	return n
}

// refresh loads the live nodes once per check round (a step or a command).
// After a step that follows the round last loaded, only the node that
// handled it can have changed: a process changes only in its own Handle.
func (t *tracker) refresh(w *engine.World) {
	key := [2]int{w.Step(), len(w.Commands())}
	if t.fresh && key == t.freshKey {
		return
	}
	next := t.fresh && key[1] == t.freshKey[1] && key[0] == t.freshKey[0]+1 && !t.full
	t.nodesChanged = t.full || !next && (!t.fresh || key[1] != t.freshKey[1])
	t.fresh, t.freshKey = true, key
	if next {
		if i := w.HandledNode(); i >= 0 && i < len(t.ids) {
			t.load(w, i)
		}
		return
	}
	if t.ids == nil {
		t.ids = w.Nodes()
		k := len(t.ids)
		t.nodeCache, t.logVers, t.hwms, t.vc, t.maxGen = make([]*Node, k), make([]int, k), make([]int, k), make([]int, k), make([]int, k)
		t.lastGen, t.ledGen, t.seenVote = make([]int, k), make([]int, k), make([]vote, k)
		t.seen, t.logDirty = make([]nodeSeen, k), make([]bool, k)
	}
	for i := range t.ids {
		t.load(w, i)
	}
}

// load reads node i and notes what changed.
func (t *tracker) load(w *engine.World, i int) {
	n, _ := w.NodeProcess(i).(*Node)
	v, h := -1, 0
	seen := nodeSeen{n: n}
	if n != nil {
		seen.gen, seen.suspicions, seen.role, seen.votedFor = n.gen, n.suspicions, n.role, n.votedFor
		v, h = n.logVer, n.hwm
		t.maxGen[i] = max(t.maxGen[i], n.gen)
		if n.role == Leader {
			h = -1 - h
		}
	}
	if n != t.nodeCache[i] || v != t.logVers[i] || t.full {
		t.logsChanged, t.commitDirty, t.logDirty[i] = true, true, true
	}
	if h != t.hwms[i] || t.full {
		t.commitDirty = true
	}
	if seen != t.seen[i] {
		t.seen[i], t.nodesChanged = seen, true
	}
	t.nodeCache[i], t.logVers[i], t.hwms[i] = n, v, h
}

func (t *tracker) oneLeader(w *engine.World) (string, []string) {
	t.refresh(w)
	if !t.nodesChanged {
		return "", nil
	}
	for i, n := range t.nodeCache {
		if n == nil || n.role != Leader || t.ledGen[i] == n.gen {
			continue
		}
		if other, ok := t.leaders[n.gen]; ok && other != n.id {
			return fmt.Sprintf("%s and %s both lead generation %d", other, n.id, n.gen), []string{other, n.id}
		}
		t.leaders[n.gen] = n.id
		t.ledGen[i] = n.gen
	}
	return "", nil
}

func (t *tracker) oneVote(w *engine.World) (string, []string) {
	t.refresh(w)
	if !t.nodesChanged {
		return "", nil
	}
	for i, n := range t.nodeCache {
		if n == nil || n.votedFor == "" || (t.seenVote[i].gen == n.gen && t.seenVote[i].vote == n.votedFor) {
			continue
		}
		t.seenVote[i] = vote{n.gen, n.votedFor}
		m := t.votes[n.id]
		if m == nil {
			m = map[int]string{}
			t.votes[n.id] = m
		}
		if prev, ok := m[n.gen]; ok && prev != n.votedFor {
			return fmt.Sprintf("%s voted for %s and then for %s in generation %d", n.id, prev, n.votedFor, n.gen), []string{n.id, prev, n.votedFor}
		}
		m[n.gen] = n.votedFor
	}
	return "", nil
}

func (t *tracker) genMonotonic(w *engine.World) (string, []string) {
	t.refresh(w)
	if !t.nodesChanged {
		return "", nil
	}
	for i, n := range t.nodeCache {
		if n == nil {
			continue
		}
		if prev := t.lastGen[i]; n.gen < prev {
			t.lastGen[i] = n.gen
			return fmt.Sprintf("%s's generation went back from %d to %d", n.id, prev, n.gen), []string{n.id}
		}
		t.lastGen[i] = n.gen
	}
	return "", nil
}

func (t *tracker) logMatching(w *engine.World) (string, []string) {
	t.refresh(w)
	if !t.logsChanged {
		return "", nil
	}
	t.logsChanged = false
	ns := t.nodeCache
	dirty := t.logDirty
	defer clear(dirty)
	for i := 0; i < len(ns); i++ {
		for j := i + 1; j < len(ns); j++ {
			a, b := ns[i], ns[j]
			if a == nil || b == nil || !(dirty[i] || dirty[j]) { // two unchanged logs agreed last time
				continue
			}
			// The highest index where both hold the same generation: the
			// chains must agree there, which covers every lower index.
			k := min(len(a.log), len(b.log))
			for k > 0 && a.log[k-1].Gen != b.log[k-1].Gen {
				k--
			}
			if k > 0 && a.hashes[k-1] != b.hashes[k-1] {
				d := 1
				for d < k && a.log[d-1] == b.log[d-1] {
					d++
				}
				return fmt.Sprintf("%s and %s both hold generation %d at index %d but differ at index %d (%s vs %s)",
					a.id, b.id, a.log[k-1].Gen, k, d, a.log[d-1].Text(), b.log[d-1].Text()), []string{a.id, b.id}
			}
		}
	}
	return "", nil
}

// sync extends the committed prefix from every node's high-water mark and
// notes the first committed entry that changed, vanished, or is missing
// from a later leader.
func (t *tracker) sync(w *engine.World) {
	t.refresh(w)
	if !t.commitDirty {
		return
	}
	t.commitDirty = false
	for _, n := range t.nodeCache {
		if n == nil || n.hwm == 0 {
			continue
		}
		h := min(n.hwm, len(n.log))
		c := len(t.committed)
		if c > 0 && h > 0 {
			at := min(h, c)
			if n.hashes[at-1] != t.committed[at-1] {
				if t.changed == "" {
					d := t.firstDiff(n, at)
					t.changed = fmt.Sprintf("committed entry %d was %s (gen %d) but %s now has %s (gen %d) below its high-water mark",
						d, t.cEntries[d-1].Text(), t.cEntries[d-1].Gen, n.id, n.log[d-1].Text(), n.log[d-1].Gen)
					t.changedNodes = []string{n.id}
				}
				continue
			}
		}
		for i := c; i < h; i++ {
			e := n.log[i]
			t.committed = append(t.committed, n.hashes[i])
			t.cEntries = append(t.cEntries, e)
			t.commitGen = append(t.commitGen, n.gen)
			if e.Op == opPut {
				t.committedVals[[2]string{e.Key, e.Value}] = struct{}{}
			}
			if t.minority == "" {
				holders := 0
				for oi, other := range t.ids {
					if t.holds(w, t.nodeCache[oi], other, i, n.hashes[i], e) {
						holders++
					}
				}
				if 2*holders <= len(t.ids) {
					t.minority = fmt.Sprintf("%s committed entry %d (%s) while only %d of %d nodes hold it", n.id, i+1, e.Text(), holders, len(t.ids))
					t.minorityNodes = []string{n.id}
				}
			}
		}
	}
	if t.changed != "" || len(t.committed) == 0 {
		return
	}
	// A node that held a committed entry never loses it once it has seen
	// the generation that committed it. (A node that never got that far,
	// back from a pause, may replay a stale leader's request and truncate:
	// that leader could not know the entry, and the current leader will
	// restore it.)
	for ni, n := range t.nodeCache {
		if n == nil {
			continue
		}
		k := t.vc[ni]
		if k > 0 && (len(n.log) < k || n.hashes[k-1] != t.committed[k-1]) {
			d := t.firstDiff(n, k)
			if t.maxGen[ni] < t.commitGen[d-1] {
				t.vc[ni] = d - 1
				continue
			}
			t.changed = fmt.Sprintf("%s lost committed entry %d (%s, gen %d) in generation %d", n.id, d, t.cEntries[d-1].Text(), t.cEntries[d-1].Gen, n.gen)
			t.changedNodes = []string{n.id}
			return
		}
		for k < len(t.committed) && k < len(n.log) && n.hashes[k] == t.committed[k] {
			k++
		}
		t.vc[ni] = k
	}
	// Leader completeness: a leader of a later generation than the one
	// that committed the last entry holds the whole committed prefix.
	c := len(t.committed)
	for _, n := range t.nodeCache {
		if n == nil || n.role != Leader || n.gen <= t.commitGen[c-1] {
			continue
		}
		if len(n.log) < c || n.hashes[c-1] != t.committed[c-1] {
			d := t.firstDiff(n, c)
			t.changed = fmt.Sprintf("%s leads generation %d without committed entry %d (%s, gen %d)", n.id, n.gen, d, t.cEntries[d-1].Text(), t.cEntries[d-1].Gen)
			t.changedNodes = []string{n.id}
			return
		}
	}
}

// firstDiff is the first index (1-based, ≤ upTo) where n's log differs from
// the committed prefix.
func (t *tracker) firstDiff(n *Node, upTo int) int {
	d := 1
	for d < upTo && d <= len(n.log) && n.log[d-1] == t.cEntries[d-1] {
		d++
	}
	return d
}

// holds reports whether node id has entry e at position i (0-based), from
// its memory when up, from its disk when crashed.
func (t *tracker) holds(w *engine.World, n *Node, id string, i int, h uint64, e Entry) bool {
	if n != nil {
		return len(n.log) > i && n.hashes[i] == h
	}
	st := w.Storage(id)
	if st == nil {
		return false
	}
	disk := st.Log()
	if len(disk) <= i {
		return false
	}
	d, ok := disk[i].(Entry)
	return ok && d == e
}

func (t *tracker) committedStable(w *engine.World) (string, []string) {
	t.sync(w)
	return t.changed, t.changedNodes
}

func (t *tracker) committedQuorum(w *engine.World) (string, []string) {
	t.sync(w)
	return t.minority, t.minorityNodes
}

func (t *tracker) readsCommitted(w *engine.World) (string, []string) {
	t.sync(w)
	h := w.History()
	if t.firstOpen == len(h) {
		return "", nil
	}
	for len(t.opsChecked) < len(h) {
		t.opsChecked = append(t.opsChecked, false)
	}
	for i := t.firstOpen; i < len(h); i++ {
		op := &h[i]
		if t.opsChecked[i] || op.Status == engine.OpPending {
			continue
		}
		t.opsChecked[i] = true
		in, ok := op.Input.(KVInput)
		out, ok2 := op.Output.(KVOutput)
		if !ok || !ok2 || op.Status != engine.OpOK || in.Op != opGet || out.Value == "" {
			continue
		}
		if _, ok := t.committedVals[[2]string{in.Key, out.Value}]; !ok {
			return fmt.Sprintf("%s read %s = %q, a value no committed write had produced", op.Client, in.Key, out.Value), []string{op.Client}
		}
	}
	for t.firstOpen < len(h) && t.opsChecked[t.firstOpen] {
		t.firstOpen++
	}
	return "", nil
}

// calm reports whether nothing has failed yet: no command from outside but
// client requests and changes of variant or setting (a learner who sets the
// interval above the timeout should see the false suspicions it causes).
func (t *tracker) calm(w *engine.World) bool {
	cmds := w.Commands()
	for ; !t.stormy && t.cmdSeen < len(cmds); t.cmdSeen++ {
		switch cmds[t.cmdSeen].Kind {
		case engine.CmdClient, engine.CmdVariant, engine.CmdParam:
		default:
			t.stormy = true
		}
	}
	return !t.stormy
}

func (t *tracker) noFalseSuspicion(w *engine.World) (string, []string) {
	if !t.calm(w) {
		return "", nil
	}
	t.refresh(w)
	if !t.nodesChanged {
		return "", nil
	}
	for _, n := range t.nodeCache {
		if n != nil && n.suspicions > 0 && w.Status(n.suspected) == "up" {
			return fmt.Sprintf("%s gave up on %s (no heartbeat within %v) although %s is up and the network is within its bounds", n.id, n.suspected, n.timeout, n.suspected), []string{n.id, n.suspected}
		}
	}
	return "", nil
}

func (t *tracker) electionsSettle(w *engine.World) (string, []string) {
	if !t.calm(w) {
		return "", nil
	}
	t.refresh(w)
	if !t.nodesChanged {
		return "", nil
	}
	for _, n := range t.nodeCache {
		if n != nil && n.gen >= settleGenerations {
			return fmt.Sprintf("generation %d reached at %s with nothing failing: elections never settle", n.gen, n.id), []string{n.id}
		}
	}
	return "", nil
}
