package fixedpart

import (
	"slices"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Controller is the single process that owns the partition table. It
// keeps the table on its disk (synced at every change) and reloads it
// at a restart; a real system would keep it in a consistent core (a
// small replicated log), so that losing one machine does not stop the
// moves. It learns the data nodes from their heartbeats, hands the
// partitions out once the first nodes are there, and moves whole
// partitions to even them out when a node joins.
type Controller struct {
	id   string
	disk ctrlDisk
	// lastHeard is when each registered node was last heard from, on
	// the controller's monotonic clock; down are those silent too long.
	lastHeard map[string]time.Duration
	down      map[string]bool
	now       time.Duration
	timeout   time.Duration // the heartbeat timeout in force
	// Changes counts changes of the live set (a registration, a node
	// marked down or heard from again), for the move-bound invariant: a
	// rebalance starts afresh at each.
	Changes int
}

// ctrlDisk is what the controller keeps on disk.
type ctrlDisk struct {
	Table      Table
	Registered []string // data nodes that ever registered, sorted
	NextMove   int
	Moves      int // moves completed
	KeysMoved  int // keys carried by them
	// Expected is how many data nodes the first assignment waits for:
	// the data nodes of the cluster when the controller first booted.
	Expected int
	// Joins are the data nodes that registered after the partitions
	// were handed out, with what the controller knew when each came
	// (the page compares partitioning schemes on them).
	Joins []Join
}

// Join is a data node's first registration after the first assignment:
// the live nodes and the owners of the table just before it came. The
// owners slice is the table's own (never changed in place).
type Join struct {
	Node   string
	Live   []string
	Owners []string
}

var diskCtrl = kit.Record[ctrlDisk]{Key: "controller"}

// Timers and timings.
const (
	timerTick     = "tick"
	timerAssign   = "assign-anyway"
	tickEvery     = 100 * time.Millisecond
	assignAnyway  = time.Second // the first assignment waits at most this for the expected nodes
	heartbeatTime = 100 * time.Millisecond
)

func newController(id string) *Controller { return &Controller{id: id} }

// Handle is the controller's state machine.
func (c *Controller) Handle(env engine.Env, ev engine.Event) {
	c.now = env.Monotonic()
	switch ev.Kind {
	case engine.EvStart:
		c.start(env)
	case engine.EvTimer:
		switch ev.Timer {
		case timerTick:
			c.tick(env)
			env.SetTimer(timerTick, tickEvery)
		case timerAssign:
			c.assign(env, true)
		}
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case Heartbeat:
			c.heartbeat(env, ev.From, m)
		case GetTable:
			env.Send(ev.From, TableUpdate{Table: c.disk.Table})
		case PartitionCopied:
			c.copied(env, ev.From, m)
		}
	}
}

func (c *Controller) start(env engine.Env) {
	d, ok := diskCtrl.Get(env.Storage())
	if !ok {
		d.Expected = len(env.Members(RoleData))
		diskCtrl.Put(env.Storage(), d)
		env.Storage().Sync()
	}
	c.disk = d
	c.lastHeard, c.down = map[string]time.Duration{}, map[string]bool{}
	for _, id := range d.Registered {
		c.lastHeard[id] = c.now // a grace period: everyone is presumed alive
	}
	if ok {
		engine.Notef(env, "%s reloads the partition table v%d from its disk", engine.S(c.id), engine.D(d.Table.Version))
	}
	env.SetTimer(timerTick, tickEvery)
	if !d.Table.Assigned() {
		env.SetTimer(timerAssign, assignAnyway)
	}
	c.plan(env) // a move cancelled while it was down may be due again
}

// save writes the controller's state to its disk and syncs it: a table
// version is never announced before it is durable.
func (c *Controller) save(env engine.Env) {
	diskCtrl.Put(env.Storage(), c.disk)
	env.Storage().Sync()
}

// live are the registered nodes not marked down, sorted.
func (c *Controller) live() []string {
	out := make([]string, 0, len(c.disk.Registered))
	for _, id := range c.disk.Registered {
		if !c.down[id] {
			out = append(out, id)
		}
	}
	return out
}

func (c *Controller) heartbeat(env engine.Env, from string, m Heartbeat) {
	arrived := true
	if !slices.Contains(c.disk.Registered, from) {
		if c.disk.Table.Assigned() {
			c.disk.Joins = append(slices.Clone(c.disk.Joins), Join{Node: from, Live: c.live(), Owners: c.disk.Table.Owners})
		}
		c.disk.Registered = append(slices.Clone(c.disk.Registered), from)
		slices.Sort(c.disk.Registered)
		c.save(env)
		engine.Notef(env, "%s registers with the controller", engine.S(from))
		c.Changes++
	} else if c.down[from] {
		delete(c.down, from)
		c.Changes++
		engine.Notef(env, "%s is heard from again: back up", engine.S(from))
	} else {
		arrived = false
	}
	c.lastHeard[from] = c.now
	if m.Version < c.disk.Table.Version {
		env.Send(from, TableUpdate{Table: c.disk.Table})
	}
	if !c.disk.Table.Assigned() {
		c.assign(env, false)
		return
	}
	if arrived {
		c.plan(env)
	}
}

// assign hands the partitions out round-robin once the expected data
// nodes have registered (or, anyway, after assignAnyway).
func (c *Controller) assign(env engine.Env, anyway bool) {
	live := c.live()
	if c.disk.Table.Assigned() || len(live) == 0 || (!anyway && len(live) < c.disk.Expected) {
		return
	}
	p := env.Param(ParamPartitions, defPartitions)
	c.disk.Table = firstAssignment(p, live)
	c.save(env)
	engine.Notef(env, "%s assigns %d partitions round-robin to %d data nodes: table v1", engine.S(c.id), engine.D(p), engine.D(len(live)))
	c.broadcast(env)
}

// broadcast sends the table to every live registered node.
func (c *Controller) broadcast(env engine.Env) {
	for _, id := range c.live() {
		env.Send(id, TableUpdate{Table: c.disk.Table})
	}
}

// tick marks silent nodes down, cancels a move whose target went down,
// repeats the move under way, and plans the next one.
func (c *Controller) tick(env engine.Env) {
	timeout := time.Duration(env.Param(ParamHeartbeatTimeout, defHeartbeatTimeout)) * time.Millisecond
	c.timeout = timeout
	for _, id := range c.disk.Registered {
		if !c.down[id] && c.now-c.lastHeard[id] > timeout {
			c.down[id] = true
			c.Changes++
			engine.Notef(env, "%s has missed its heartbeats for %s ms: marked down; its partitions stay with it (their keys are on its disk only)", engine.S(id), engine.S(strconv.Itoa(int(timeout/time.Millisecond))))
		}
	}
	t := c.disk.Table
	if t.Move.ID == 0 {
		c.plan(env)
		return
	}
	if down := t.Move.To; c.down[down] || c.down[t.Move.From] {
		if !c.down[down] {
			down = t.Move.From
		}
		engine.Notef(env, "move %d of %s to %s cancelled: %s is down; %s keeps it", engine.D(t.Move.ID), engine.S(partName(t.Move.Part)), engine.S(t.Move.To), engine.S(down), engine.S(t.Move.From))
		c.disk.Table = t.withMove(Move{})
		c.save(env)
		c.broadcast(env)
		c.plan(env)
		return
	}
	env.Send(t.Move.From, MovePartition{Move: t.Move, Version: t.Version})
}

// plan starts the next move, if the table needs one.
func (c *Controller) plan(env engine.Env) {
	t := c.disk.Table
	if !t.Assigned() || t.Move.ID != 0 {
		return
	}
	var m Move
	var ok bool
	if env.Variant(VarHashModN) {
		m, ok = modMove(t, c.disk.Registered, c.live())
	} else {
		m, ok = fairMove(t, c.live())
	}
	if !ok {
		return
	}
	c.disk.NextMove++
	m.ID = c.disk.NextMove
	c.disk.Table = t.withMove(m)
	c.save(env)
	engine.Notef(env, "%s moves %s from %s to %s (move %d, table v%d): freeze, copy, then switch", engine.S(c.id), engine.S(partName(m.Part)), engine.S(m.From), engine.S(m.To), engine.D(m.ID), engine.D(c.disk.Table.Version))
	c.broadcast(env)
	env.Send(m.From, MovePartition{Move: m, Version: c.disk.Table.Version})
}

// copied switches the owner once the new owner holds the copy.
func (c *Controller) copied(env engine.Env, from string, m PartitionCopied) {
	t := c.disk.Table
	if t.Move.ID != m.Move || t.Move.To != from {
		return // a late copy of a move already switched or cancelled
	}
	c.disk.Table = t.withOwner(t.Move)
	c.disk.Moves++
	c.disk.KeysMoved += m.Keys
	c.save(env)
	engine.Notef(env, "%s switches %s to %s: table v%d (%s moved)", engine.S(c.id), engine.S(partName(m.Part)), engine.S(from), engine.D(c.disk.Table.Version), engine.S(keys(m.Keys)))
	c.broadcast(env)
	c.plan(env)
}
