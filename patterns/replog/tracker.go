package replog

import (
	"time"

	"clusterscope/engine"
)

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
	committed       []uint64               // hash chain of the committed entries
	cEntries        entryChunks            // the committed entries themselves
	commitGen       []int                  // per committed entry: generation of the node that first covered it
	commitAt        []time.Duration        // per committed entry: when a mark first covered it
	committedIdx    map[[2]string]int      // (key, value) -> highest index of a committed write of it
	keyWrites       map[string][]int       // key -> committed write indexes (1-based), in commit order
	writesSeen      map[reqKey]struct{}    // committed client writes, by (client, operation id)
	committedVals   map[[2]string]struct{} // (key, value) of committed writes
	vc              []int                  // per node: committed prefix it was seen to hold
	maxGen          []int                  // per node: highest generation seen
	changed         string                 // first "committed entry changed" explanation
	changedNodes    []string
	incomplete      string // first "a leader lacks a committed entry" explanation
	incompleteNodes []string
	minority        string
	minorityNodes   []string

	readsScan opScan // reads-see-committed's progress through the history

	cmdSeen int
	stormy  bool

	// only the leader appends client commands
	appendedBy   appendedSet // client entries a leader appended
	appendLen    []int       // per node: log prefix checked
	appendHash   []uint64    // per node: hash chain at the end of that prefix
	appendNode   []*Node     // per node: the process checked (a restart is a new one)
	twoLeaders   string      // the first "two leaders in one generation"
	twoLeadersAt []string

	// the mark per node process (a restart is a new process)
	markNode []*Node
	mark     []int
	// reads checked for staleness
	latestScan opScan

	// the state each node was last checked at (state-matches-log)
	stateNode    []*Node
	stateApplied []int

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
	// The same round as the last load, known without looking at the
	// commands: a node handled this step's event, so no command came
	// after it, and the last load was at this step.
	if t.fresh && w.Step() == t.freshKey[0] && w.HandledNode() >= 0 {
		return
	}
	key := [2]int{w.Step(), w.CommandCount()}
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
		t.markNode, t.mark = make([]*Node, k), make([]int, k)
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

// entryChunks is an append-only list of entries kept in chunks of
// entryChunk: the committed prefix grows all run long, and one slice would
// copy every entry again at each doubling.
type entryChunks struct {
	chunks [][]Entry
	n      int
}

const entryChunk = 256

func (c *entryChunks) add(e Entry) {
	if c.n%entryChunk == 0 {
		c.chunks = append(c.chunks, make([]Entry, 0, entryChunk))
	}
	last := &c.chunks[len(c.chunks)-1]
	*last = append(*last, e)
	c.n++
}

// at is entry i (0-based, i < len).
func (c *entryChunks) at(i int) Entry { return c.chunks[i/entryChunk][i%entryChunk] }

func (c *entryChunks) len() int { return c.n }

// appendedSet is a set of client entries. An entry is found by its client,
// operation id and generation, which nearly always name one entry: the
// index holds a small key and the entry's place in an append-only list
// (hashing and growing a map keyed by the whole entry cost more than the
// check around it). Distinct entries that share the triple, which only a
// broken variant makes, go to a map keyed by the whole entry.
type appendedSet struct {
	first   map[appendKey]int32 // -> position in entries
	entries entryChunks
	more    map[Entry]struct{}
}

type appendKey struct {
	client   string
	req, gen int
}

func (a *appendedSet) has(e Entry) bool {
	i, ok := a.first[appendKey{e.Client, e.ReqID, e.Gen}]
	if !ok {
		return false
	}
	if a.entries.at(int(i)) == e {
		return true
	}
	_, ok = a.more[e]
	return ok
}

// add puts e in the set (e is not in it).
func (a *appendedSet) add(e Entry) {
	k := appendKey{e.Client, e.ReqID, e.Gen}
	if _, ok := a.first[k]; !ok {
		if a.first == nil {
			a.first = map[appendKey]int32{}
		}
		a.first[k] = int32(a.entries.len())
		a.entries.add(e)
		return
	}
	if a.more == nil {
		a.more = map[Entry]struct{}{}
	}
	a.more[e] = struct{}{}
}
