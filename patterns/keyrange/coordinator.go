package keyrange

import (
	"fmt"
	"slices"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// CoordinatorProc keeps the range table: which node owns which range, at
// which epoch. It is one process with the table on its own disk, written
// and synced before anything is sent that depends on it; real systems run
// it on a consistent core (a small replicated log) so that it survives the
// loss of a machine. It runs one split or move at a time.
type CoordinatorProc struct {
	id string
	t  tableRecord
	// env is kept for ValidateRequest, which asks who the data nodes are
	// now (a node may have joined since the last event).
	env engine.Env
}

// tableRecord is the whole table as the disk keeps it. Ranges is replaced,
// never changed in place: a PartitionTable message may still hold the old
// slice.
type tableRecord struct {
	Version int
	NextID  int
	Ranges  []RangeInfo // in key order
	Op      pendingOp
	Splits  int
	Moves   int
}

// pendingOp is the split or move under way (Kind "" = none).
type pendingOp struct {
	Kind     string // opKindSplit, opKindMove, opKindCreate
	Range    int
	NewRange int    // a split's right half
	Key      string // a split's key
	From, To string // a move's old and new owner
	Epoch    int    // the epoch the range (or both halves) will have
}

const (
	opKindSplit  = "split"
	opKindMove   = "move"
	opKindCreate = "create"
)

var diskTable = kit.Record[tableRecord]{Key: "table"}

// Timers and pacing.
const (
	coordRetry      = "retry"
	coordBalance    = "balance"
	retryEvery      = 150 * time.Millisecond
	balanceEvery    = 400 * time.Millisecond
	rebalanceSpread = 2 // move when the busiest node holds this many ranges more than the idlest
)

func newCoordinator(id string) *CoordinatorProc { return &CoordinatorProc{id: id} }

// Handle is the coordinator's state machine.
func (c *CoordinatorProc) Handle(env engine.Env, ev engine.Event) {
	c.env = env
	switch ev.Kind {
	case engine.EvStart:
		c.start(env)
	case engine.EvTimer:
		switch ev.Timer {
		case coordRetry:
			c.resend(env)
		case coordBalance:
			env.SetTimer(coordBalance, balanceEvery)
			c.balance(env)
		}
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case GetPartitionTable:
			env.Send(ev.From, PartitionTable{Version: c.t.Version, Ranges: c.t.Ranges})
		case SplitTrigger:
			c.trigger(env, ev.From, m)
		case SplitPartitionResponse:
			c.splitDone(env, m)
		case PartitionInstalled:
			c.installed(env, ev.From, m)
		}
	}
}

// start reads the table back from the disk; the very first start makes
// the table of one range, the whole key space, on the first data node.
func (c *CoordinatorProc) start(env engine.Env) {
	env.SetTimer(coordBalance, balanceEvery)
	if t, ok := diskTable.Get(env.Storage()); ok {
		c.t = t
		if c.t.Op.Kind != "" {
			c.resend(env)
		}
		return
	}
	nodes := env.Members(RoleData)
	if len(nodes) == 0 {
		return
	}
	first := RangeInfo{ID: 1, Owner: nodes[0], Epoch: 1, State: stateCreating}
	c.t = tableRecord{Version: 1, NextID: 2, Ranges: []RangeInfo{first},
		Op: pendingOp{Kind: opKindCreate, Range: 1, To: nodes[0], Epoch: 1}}
	c.save(env)
	engine.Notef(env, "the coordinator creates r1, the whole key space, on %s (table v1)", engine.S(nodes[0]))
	c.resend(env)
}

// save writes the table and syncs: nothing that depends on it leaves
// before it is durable.
func (c *CoordinatorProc) save(env engine.Env) {
	diskTable.Put(env.Storage(), c.t)
	env.Storage().Sync()
}

// index of range id in the table (-1: none).
func (c *CoordinatorProc) index(id int) int {
	return slices.IndexFunc(c.t.Ranges, func(r RangeInfo) bool { return r.ID == id })
}

// resend repeats the message the pending operation waits on (it, or its
// answer, may have been lost, or the node was down).
func (c *CoordinatorProc) resend(env engine.Env) {
	op := c.t.Op
	switch op.Kind {
	case "":
		return
	case opKindSplit:
		i := c.index(op.Range)
		env.Send(c.t.Ranges[i].Owner, SplitPartition{Parent: op.Range, NewRange: op.NewRange, SplitKey: op.Key, Epoch: op.Epoch})
	case opKindMove:
		env.Send(op.From, MovePartition{Range: op.Range, Epoch: op.Epoch, To: op.To})
	case opKindCreate:
		env.Send(op.To, PartitionData{Range: op.Range, Epoch: op.Epoch, Keys: map[string]cell{}})
	}
	env.SetTimer(coordRetry, retryEvery)
}

// trigger is a node's request to split a range that grew too big.
func (c *CoordinatorProc) trigger(env engine.Env, from string, m SplitTrigger) {
	i := c.index(m.Range)
	if c.t.Op.Kind != "" || i < 0 {
		return // busy: the node asks again while the range stays too big
	}
	r := c.t.Ranges[i]
	if r.Owner != from || r.Epoch != m.Epoch || r.State != stateOnline || !inside(r, m.SplitKey) {
		return // a trigger from before a split or move
	}
	c.split(env, i, m.SplitKey, fmt.Sprintf("%s asks: it holds %d keys", from, m.Keys))
}

// inside reports whether key can split r: strictly inside, so that both
// halves are ranges.
func inside(r RangeInfo, key string) bool {
	return key > r.Start && (r.End == "" || key < r.End)
}

// split commits a split of the i-th range at key: the parent keeps
// [start, key), a new range takes [key, end), both at the next epoch, on
// the same node; then it tells the owner.
func (c *CoordinatorProc) split(env engine.Env, i int, key, why string) {
	r := c.t.Ranges[i]
	left, right := r, r
	left.End, left.Epoch, left.State = key, r.Epoch+1, stateSplitting
	right.ID, right.Start, right.Epoch, right.State = c.t.NextID, key, r.Epoch+1, stateSplitting
	ranges := make([]RangeInfo, 0, len(c.t.Ranges)+1)
	ranges = append(append(append(ranges, c.t.Ranges[:i]...), left, right), c.t.Ranges[i+1:]...)
	c.t.Ranges = ranges
	c.t.NextID++
	c.t.Version++
	c.t.Splits++
	c.t.Op = pendingOp{Kind: opKindSplit, Range: r.ID, NewRange: right.ID, Key: key, Epoch: left.Epoch}
	c.save(env)
	engine.Notef(env, "the coordinator splits %s at %s (%s): %s %s and %s %s on %s, epoch %d (table v%d)",
		engine.S(rangeName(r.ID)), engine.S(key), engine.S(why), engine.S(rangeName(left.ID)), engine.S(bounds(left.Start, left.End)),
		engine.S(rangeName(right.ID)), engine.S(bounds(right.Start, right.End)), engine.S(r.Owner), engine.D(left.Epoch), engine.D(c.t.Version))
	c.resend(env)
}

// splitDone: the owner has split its data; both halves go online.
func (c *CoordinatorProc) splitDone(env engine.Env, m SplitPartitionResponse) {
	op := c.t.Op
	if op.Kind != opKindSplit || op.Range != m.Parent || op.NewRange != m.NewRange || op.Epoch != m.Epoch {
		return
	}
	c.t.Ranges = slices.Clone(c.t.Ranges)
	for i := range c.t.Ranges {
		if id := c.t.Ranges[i].ID; id == op.Range || id == op.NewRange {
			c.t.Ranges[i].State = stateOnline
		}
	}
	c.finish(env)
	engine.Notef(env, "%s and %s are online (table v%d)", engine.S(rangeName(op.Range)), engine.S(rangeName(op.NewRange)), engine.D(c.t.Version))
	c.balance(env)
}

// finish ends the pending operation with a new table version.
func (c *CoordinatorProc) finish(env engine.Env) {
	c.t.Op = pendingOp{}
	c.t.Version++
	c.save(env)
	env.CancelTimer(coordRetry)
}

// installed: the new owner holds the range. The table names it, and the
// old owner may drop its frozen copy. A repeat (the old owner retries its
// hand-over because it missed MoveFinished) gets MoveFinished again.
func (c *CoordinatorProc) installed(env engine.Env, from string, m PartitionInstalled) {
	op := c.t.Op
	i := c.index(m.Range)
	if i < 0 {
		return
	}
	if (op.Kind == opKindMove || op.Kind == opKindCreate) && op.Range == m.Range && op.Epoch == m.Epoch && op.To == from {
		c.t.Ranges = slices.Clone(c.t.Ranges)
		r := &c.t.Ranges[i]
		r.Owner, r.Epoch, r.State, r.To = op.To, op.Epoch, stateOnline, ""
		if op.Kind == opKindMove {
			c.t.Moves++
		}
		c.finish(env)
		if op.Kind == opKindMove {
			engine.Notef(env, "%s now lives on %s at epoch %d (table v%d)", engine.S(rangeName(m.Range)), engine.S(op.To), engine.D(op.Epoch), engine.D(c.t.Version))
		} else {
			engine.Notef(env, "%s is online on %s (table v%d)", engine.S(rangeName(m.Range)), engine.S(op.To), engine.D(c.t.Version))
		}
		if op.From != "" {
			env.Send(op.From, MoveFinished{Range: m.Range, Epoch: m.Epoch})
		}
		c.balance(env)
		return
	}
	// A move of the range to this epoch was committed before (no pending
	// operation reaches an epoch the table already holds).
	if m.From != "" && c.t.Ranges[i].Epoch >= m.Epoch {
		env.Send(m.From, MoveFinished{Range: m.Range, Epoch: m.Epoch})
	}
}

// balance moves a range from the node holding the most ranges to the one
// holding the fewest, when they are rebalanceSpread or more apart: the
// newest range of the busiest node (after a split, its right half, where
// keys written in order keep arriving).
func (c *CoordinatorProc) balance(env engine.Env) {
	if c.t.Op.Kind != "" || env.Param(ParamAutoMove, 1) == 0 {
		return
	}
	nodes := env.Members(RoleData)
	if len(nodes) < 2 {
		return
	}
	most, least, nMost, nLeast := "", "", -1, 1<<30
	for _, n := range nodes {
		k := 0
		for _, r := range c.t.Ranges {
			if r.Owner == n {
				k++
			}
		}
		if k > nMost {
			most, nMost = n, k
		}
		if k < nLeast {
			least, nLeast = n, k
		}
	}
	if nMost-nLeast < rebalanceSpread {
		return
	}
	newest := -1
	for i, r := range c.t.Ranges {
		if r.Owner == most && (newest < 0 || r.ID > c.t.Ranges[newest].ID) {
			newest = i
		}
	}
	c.move(env, newest, least, fmt.Sprintf("%s holds %d ranges, %s %d", most, nMost, least, nLeast))
}

// move commits the start of a move of the i-th range to node to: the range
// is marked moving (its owner will freeze it and send its keys), and it
// will be at the next epoch on to.
func (c *CoordinatorProc) move(env engine.Env, i int, to, why string) {
	c.t.Ranges = slices.Clone(c.t.Ranges)
	r := &c.t.Ranges[i]
	r.State, r.To = stateMoving, to
	c.t.Version++
	c.t.Op = pendingOp{Kind: opKindMove, Range: r.ID, From: r.Owner, To: to, Epoch: r.Epoch + 1}
	c.save(env)
	engine.Notef(env, "the coordinator moves %s %s from %s to %s (%s; table v%d)", engine.S(rangeName(r.ID)), engine.S(bounds(r.Start, r.End)),
		engine.S(r.Owner), engine.S(to), engine.S(why), engine.D(c.t.Version))
	c.resend(env)
}

// ValidateRequest checks a learner's split or move before it reaches the
// coordinator: the range exists and is online, nothing else is under way,
// the key splits it, the node is a data node other than the owner.
func (c *CoordinatorProc) ValidateRequest(req engine.Request) error {
	var members []string
	if c.env != nil {
		members = c.env.Members(RoleData)
	}
	_, _, err := c.checkAction(req, members)
	return err
}

// checkAction finds the range an action names and checks it against the
// table and the data nodes in the cluster (members).
func (c *CoordinatorProc) checkAction(req engine.Request, members []string) (int, RangeInfo, error) {
	if req.Name != actSplit && req.Name != actMove {
		return -1, RangeInfo{}, fmt.Errorf("unknown action %q (the coordinator takes split and move)", req.Name)
	}
	id, ok := parseRange(req.Args["range"])
	i := c.index(id)
	if !ok || i < 0 {
		return -1, RangeInfo{}, fmt.Errorf("no range %q in the table (%s)", req.Args["range"], c.rangeList())
	}
	if c.t.Op.Kind != "" {
		return -1, RangeInfo{}, fmt.Errorf("the coordinator is busy (%s %s): one split or move at a time", c.t.Op.Kind, rangeName(c.t.Op.Range))
	}
	r := c.t.Ranges[i]
	switch req.Name {
	case actSplit:
		key := req.Args["at"]
		if !inside(r, key) {
			return -1, r, fmt.Errorf("%q does not split %s %s: the key must lie strictly inside it", key, rangeName(r.ID), bounds(r.Start, r.End))
		}
	case actMove:
		to := req.Args["to"]
		if to == r.Owner {
			return -1, r, fmt.Errorf("%s is already on %s", rangeName(r.ID), to)
		}
		if !slices.Contains(members, to) {
			return -1, r, fmt.Errorf("%q is not a data node in the cluster (%v)", to, members)
		}
	}
	return i, r, nil
}

func (c *CoordinatorProc) rangeList() string {
	b := make([]byte, 0, 8*len(c.t.Ranges))
	for i, r := range c.t.Ranges {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendRangeName(b, r.ID)
	}
	return string(b)
}

// request runs a learner's split or move.
func (c *CoordinatorProc) request(env engine.Env, req engine.Request) {
	i, _, err := c.checkAction(req, env.Members(RoleData))
	if err != nil {
		engine.Notef(env, "the coordinator refuses: %s", engine.S(err.Error()))
		return
	}
	if req.Name == actSplit {
		c.split(env, i, req.Args["at"], "asked by hand")
		return
	}
	c.move(env, i, req.Args["to"], "asked by hand")
}
