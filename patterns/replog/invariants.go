package replog

import (
	"fmt"
	"time"

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
	InvLeaderAppends   = "only-leader-appends"
	InvSuspectCrashed  = "crashed-leader-suspected"
)

// settleGenerations is how high generations may climb in a run without any
// fault before the elections are judged to be churning.
const settleGenerations = 8

// checkers builds fresh invariants for one run of cfg, in the order given.
func checkers(cfg engine.Config, names []string) []engine.Invariant {
	return newCheckers(cfg, names, false)
}

// newCheckers with full set re-reads every node every round (the slow,
// obvious way, which tests compare the incremental one against).
func newCheckers(cfg engine.Config, names []string, full bool) []engine.Invariant {
	t := &tracker{full: full, votes: map[string]map[int]string{}, leaders: map[int]string{}, committedVals: map[[2]string]struct{}{},
		appendedBy: map[Entry]string{}}
	net := engine.DefaultNet
	if cfg.Net != nil {
		net = *cfg.Net
	}
	t.maxDelay = net.MaxDelay()
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
		case InvLeaderAppends:
			inv.Description = "A client's command enters a log only after the leader of the entry's generation appended it."
			inv.Check = t.leaderAppends
		case InvSuspectCrashed:
			inv.Description = "A crashed leader is given up by every live follower within election timeout + heartbeat interval + the network's longest delay (judged while clocks run true and messages are not held by hand)."
			inv.Check = t.suspectCrashed
			t.watchCrashes = true
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

	// only the leader appends client commands
	appendedBy   map[Entry]string // client entry -> the leader that appended it first
	appendLen    []int            // per node: log prefix checked
	appendHash   []uint64         // per node: hash chain at the end of that prefix
	appendNode   []*Node          // per node: the process checked (a restart is a new one)
	twoLeaders   string           // the first "two leaders in one generation"
	twoLeadersAt []string

	// a crashed leader is suspected (HeartBeat completeness)
	watchCrashes bool
	crashes      []crash // leaders seen crashing, not yet turned into watches
	watches      []crash // (follower, leader) pairs waiting for the suspicion
	boundsCmd    int     // commands scanned for the bounds
	unbounded    bool    // messages were held or delivered by hand
	clockMoved   []bool  // per node: its clock was offset, drifted or jumped
	maxDelay     time.Duration
	maxTimeout   int // ms, the largest election timeout ever set
	maxInterval  int // ms, the largest heartbeat interval ever set
}

// crash is a leader's crash; as a watch, one follower that still follows it.
type crash struct {
	leader   string
	gen      int
	at       time.Duration
	follower int
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
		t.appendLen, t.appendHash, t.appendNode, t.clockMoved = make([]int, k), make([]uint64, k), make([]*Node, k), make([]bool, k)
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
	if old := t.nodeCache[i]; n == nil && old != nil && old.role == Leader && t.watchCrashes {
		t.crashes = append(t.crashes, crash{leader: old.id, gen: old.gen, at: w.Now()})
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
	if t.nodesChanged {
		t.noteLeaders()
	}
	return t.twoLeaders, t.twoLeadersAt
}

// noteLeaders records the first node seen leading each generation, and the
// first second one.
func (t *tracker) noteLeaders() {
	for i, n := range t.nodeCache {
		if n == nil || n.role != Leader || t.ledGen[i] == n.gen {
			continue
		}
		t.ledGen[i] = n.gen
		if other, ok := t.leaders[n.gen]; ok && other != n.id {
			if t.twoLeaders == "" {
				t.twoLeaders = fmt.Sprintf("%s and %s both lead generation %d", other, n.id, n.gen)
				t.twoLeadersAt = []string{other, n.id}
			}
			continue
		}
		t.leaders[n.gen] = n.id
	}
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

// leaderAppends checks every client entry that enters a log: the first copy
// must be appended by the node leading the entry's generation, while it
// leads it; every later copy is then a copy of that one. Each log is read
// once: from the prefix already checked on (found again through the hash
// chain after a truncation or a restart).
func (t *tracker) leaderAppends(w *engine.World) (string, []string) {
	t.refresh(w)
	if t.nodesChanged {
		t.noteLeaders()
	}
	for i, n := range t.nodeCache {
		if n == nil {
			continue
		}
		k := t.appendLen[i]
		if t.full || n != t.appendNode[i] || k > len(n.log) || (k > 0 && n.hashes[k-1] != t.appendHash[i]) {
			k = 0
		}
		for ; k < len(n.log); k++ {
			e := n.log[k]
			if e.Client == "" {
				continue
			}
			if _, ok := t.appendedBy[e]; ok {
				continue
			}
			leader := t.leaders[e.Gen]
			if n.role == Leader && n.gen == e.Gen && leader == n.id {
				t.appendedBy[e] = n.id
				continue
			}
			t.appendLen[i] = 0
			if n.role == Leader && n.gen == e.Gen {
				return fmt.Sprintf("%s appended %s's %s at index %d in generation %d, which %s leads", n.id, e.Client, e.Text(), k+1, e.Gen, leader), []string{n.id, leader}
			}
			return fmt.Sprintf("%s, a %s, holds %s's %s at index %d (generation %d) that no leader of generation %d appended", n.id, n.role, e.Client, e.Text(), k+1, e.Gen, e.Gen), []string{n.id}
		}
		t.appendLen[i], t.appendNode[i] = k, n
		if k > 0 {
			t.appendHash[i] = n.hashes[k-1]
		}
	}
	return "", nil
}

// suspectCrashed is HeartBeat's completeness: when a leader crashes, every
// follower that is up and follows it must stop following it (its election
// timer fires, or a newer generation reaches it first) within the longest
// election timeout, plus a heartbeat interval, plus the longest message
// delay (the leader's last heartbeat may still be on its way). The bound
// holds only while the follower's clock runs true and the network keeps
// its delays, so a follower whose clock was changed is not judged, a paused
// one stops being judged, and nothing is judged once messages were held or
// delivered by hand.
func (t *tracker) suspectCrashed(w *engine.World) (string, []string) {
	t.refresh(w)
	t.scanBounds(w)
	if t.unbounded {
		t.crashes, t.watches = nil, nil
		return "", nil
	}
	for _, c := range t.crashes {
		for i, n := range t.nodeCache {
			if n != nil && n.role == Follower && n.leader == c.leader && n.gen == c.gen && !t.clockMoved[i] && w.Status(n.id) == "up" {
				c.follower = i
				t.watches = append(t.watches, c)
			}
		}
	}
	t.crashes = t.crashes[:0]
	if len(t.watches) == 0 {
		return "", nil
	}
	bound := time.Duration(t.maxTimeout+t.maxInterval)*time.Millisecond + t.maxDelay
	keep := t.watches[:0]
	for _, c := range t.watches {
		n := t.nodeCache[c.follower]
		if n == nil || t.clockMoved[c.follower] || w.Status(n.id) != "up" || n.role != Follower || n.leader != c.leader || n.gen != c.gen {
			continue // crashed, paused, off true time, or no longer following
		}
		if w.Now() > c.at+bound {
			t.watches = nil
			return fmt.Sprintf("%s still follows %s, which crashed %v ago (election timeout ≤ %dms + interval %dms + delay ≤ %v)",
				n.id, c.leader, (w.Now() - c.at).Round(time.Millisecond), t.maxTimeout, t.maxInterval, t.maxDelay.Round(time.Millisecond)), []string{n.id, c.leader}
		}
		keep = append(keep, c)
	}
	t.watches = keep
	return "", nil
}

// scanBounds reads the commands since the last round for what bounds the
// time to suspect: settings, link delays, clock changes, hand delivery.
func (t *tracker) scanBounds(w *engine.World) {
	if t.maxTimeout == 0 {
		t.maxTimeout = max(w.Param(ParamElectionMax, defElectionMax), w.Param(ParamElectionMin, defElectionMin))
		t.maxInterval = w.Param(ParamHeartbeat, defHeartbeat)
	}
	cmds := w.Commands()
	for ; t.boundsCmd < len(cmds); t.boundsCmd++ {
		c := cmds[t.boundsCmd]
		switch c.Kind {
		case engine.CmdManual, engine.CmdDeliver, engine.CmdDuplicate:
			t.unbounded = true
		case engine.CmdOffset, engine.CmdDrift, engine.CmdJump:
			for i, id := range t.ids {
				if id == c.Node {
					t.clockMoved[i] = true
				}
			}
		case engine.CmdNetwork:
			if c.Net != nil {
				t.maxDelay = max(t.maxDelay, c.Net.MaxDelay())
			}
		case engine.CmdParam:
			switch c.Name {
			case ParamElectionMin, ParamElectionMax:
				t.maxTimeout = max(t.maxTimeout, c.Value)
			case ParamHeartbeat:
				t.maxInterval = max(t.maxInterval, c.Value)
			}
		}
	}
}
