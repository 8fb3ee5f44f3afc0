package fixedpart

import (
	"maps"
	"strconv"
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// DataNode holds the partitions the table gives it, each key on its
// disk before a write is acknowledged (a crash and restart keeps them).
// It serves an operation only for a partition it owns and only when its
// table is at least as new as the client's; otherwise it answers
// NotOwner with its version, and the client asks the controller again.
type DataNode struct {
	id         string
	version    int // the table version it knows
	partitions int // how many partitions there are (0 before the first table)
	parts      map[int]*part
	// Changes counts changes of what it serves (the one-owner invariant
	// looks again only then); Stored is the last key it wrote, and into
	// which partition (for the key-partition invariant).
	Changes    int
	Stored     string
	StoredPart int
	// Stray counts writes it took for a partition it does not own (the
	// broken variant).
	Stray int
}

// part is one partition as a data node holds it.
type part struct {
	partMeta
	KV      map[string]string
	Applied map[int]bool // ids of the writes applied (a retry is applied once)
}

// partMeta is a partition's state on disk.
type partMeta struct {
	State partState
	Move  int    // frozen or incoming: the move
	To    string // frozen: where the copy goes
	// Since is, frozen or incoming, the table version that started the
	// move: a table only as new as that says nothing about how it ended.
	Since int
}

type partState string

const (
	stateOwned    partState = "owned"    // served
	stateFrozen   partState = "frozen"   // owned, being copied for a move: not served
	stateIncoming partState = "incoming" // a copy received, not served until the table switches
	stateStray    partState = "stray"    // the broken variant: writes taken for a partition not owned
)

const timerHeartbeat = "heartbeat"

// Disk records of a data node.
var (
	diskVersion    = kit.Record[int]{Key: "version"}
	diskPartitions = kit.Record[int]{Key: "partitions"}
)

func metaKey(p int) string { return "own/" + strconv.Itoa(p) }

// kvKey and appliedKey are written in one allocation each: a put makes
// both.
func kvKey(p int, key string) string {
	var b [64]byte
	return string(append(append(strconv.AppendInt(append(b[:0], "kv/"...), int64(p), 10), '/'), key...))
}

func appliedKey(p int, id int) string {
	var b [32]byte
	return string(strconv.AppendInt(append(strconv.AppendInt(append(b[:0], "op/"...), int64(p), 10), '/'), int64(id), 10))
}
func newDataNode(id string) *DataNode { return &DataNode{id: id, parts: map[int]*part{}} }

// Handle is the data node's state machine.
func (n *DataNode) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		n.load(env.Storage())
		env.Send(controllerName, Heartbeat{Version: n.version, Boot: true})
		env.SetTimer(timerHeartbeat, heartbeatTime)
	case engine.EvTimer:
		if ev.Timer == timerHeartbeat {
			env.Send(controllerName, Heartbeat{Version: n.version})
			env.SetTimer(timerHeartbeat, heartbeatTime)
		}
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case TableUpdate:
			n.table(env, m.Table)
		case MovePartition:
			n.move(env, m)
		case PartitionData:
			n.receive(env, m)
		case Put:
			n.put(env, ev.From, m)
		case Get:
			n.get(env, ev.From, m)
		}
	}
}

// load rebuilds the partitions from the disk (at boot and restart).
func (n *DataNode) load(st *engine.Storage) {
	n.version, _ = diskVersion.Get(st)
	n.partitions, _ = diskPartitions.Get(st)
	n.parts = map[int]*part{}
	for _, k := range st.Keys() {
		kind, rest, _ := strings.Cut(k, "/")
		ps, sub, _ := strings.Cut(rest, "/")
		p, err := strconv.Atoi(ps)
		if err != nil {
			continue
		}
		v, _ := st.Get(k)
		pt := n.part(p)
		switch kind {
		case "own":
			pt.partMeta, _ = v.(partMeta)
		case "kv":
			pt.KV[sub], _ = v.(string)
		case "op":
			if id, err := strconv.Atoi(sub); err == nil {
				pt.Applied[id] = true
			}
		}
	}
	n.Changes++
}

// part is partition p's record, made empty if there is none.
func (n *DataNode) part(p int) *part {
	pt := n.parts[p]
	if pt == nil {
		pt = &part{KV: map[string]string{}, Applied: map[int]bool{}}
		n.parts[p] = pt
	}
	return pt
}

// setState writes partition p's state to disk.
func (n *DataNode) setState(env engine.Env, p int, m partMeta) {
	n.part(p).partMeta = m
	env.Storage().Put(metaKey(p), m)
	env.Storage().Sync()
	n.Changes++
}

// drop deletes partition p, keys and all.
func (n *DataNode) drop(env engine.Env, p int) {
	pt := n.parts[p]
	st := env.Storage()
	for k := range pt.KV {
		st.Delete(kvKey(p, k))
	}
	for id := range pt.Applied {
		st.Delete(appliedKey(p, id))
	}
	st.Delete(metaKey(p))
	st.Sync()
	delete(n.parts, p)
	n.Changes++
}

// table applies a newer partition table: a first assignment creates the
// node's empty partitions, a switch makes a received copy served (or
// drops a handed-over one), a cancelled move unfreezes.
func (n *DataNode) table(env engine.Env, t Table) {
	if t.Version <= n.version || !t.Assigned() {
		return
	}
	n.version, n.partitions = t.Version, len(t.Owners)
	diskVersion.Put(env.Storage(), t.Version)
	diskPartitions.Put(env.Storage(), len(t.Owners))
	for p, owner := range t.Owners {
		if owner == n.id && t.MovedBy[p] == 0 && n.parts[p] == nil {
			n.setState(env, p, partMeta{State: stateOwned})
		}
	}
	for _, p := range sortedParts(n.parts) {
		pt, owner := n.parts[p], t.Owners[p]
		if pt.State != stateOwned && t.Version <= pt.Since {
			continue // a table older than the move
		}
		switch pt.State {
		case stateFrozen:
			switch {
			case owner != n.id:
				engine.Notef(env, "%s drops %s: table v%d gives it to %s", engine.S(n.id), engine.S(partName(p)), engine.D(t.Version), engine.S(owner))
				n.drop(env, p)
			case !t.Moving(p):
				engine.Notef(env, "%s serves %s again: its move was cancelled", engine.S(n.id), engine.S(partName(p)))
				n.setState(env, p, partMeta{State: stateOwned})
			}
		case stateIncoming:
			switch {
			case owner == n.id && t.MovedBy[p] == pt.Move:
				engine.Notef(env, "%s now serves %s with %s (table v%d)", engine.S(n.id), engine.S(partName(p)), engine.S(keys(len(pt.KV))), engine.D(t.Version))
				n.setState(env, p, partMeta{State: stateOwned})
			case !(t.Moving(p) && t.Move.ID == pt.Move):
				n.drop(env, p) // a cancelled or overtaken move's copy
			}
		}
	}
	env.Storage().Sync()
}

// move freezes partition p and sends its copy to the move's target.
func (n *DataNode) move(env engine.Env, m MovePartition) {
	p := m.Move.Part
	pt := n.parts[p]
	if pt == nil || (pt.State != stateOwned && pt.State != stateFrozen) {
		return
	}
	if pt.State == stateOwned || pt.Move != m.Move.ID {
		n.setState(env, p, partMeta{State: stateFrozen, Move: m.Move.ID, To: m.Move.To, Since: m.Version})
		engine.Notef(env, "%s freezes %s (refuses its operations) and copies it, %s, to %s", engine.S(n.id), engine.S(partName(p)), engine.S(keys(len(pt.KV))), engine.S(m.Move.To))
	}
	env.Send(m.Move.To, PartitionData{Move: m.Move.ID, Version: m.Version, Part: p, KV: maps.Clone(pt.KV), Applied: maps.Clone(pt.Applied)})
}

// receive stores a partition's copy, on disk, and tells the controller.
func (n *DataNode) receive(env engine.Env, m PartitionData) {
	pt := n.parts[m.Part]
	if pt != nil {
		switch {
		case pt.State == stateIncoming && pt.Move == m.Move:
			env.Send(controllerName, PartitionCopied{Move: m.Move, Part: m.Part, Keys: len(pt.KV)})
			return
		case pt.State != stateIncoming && pt.State != stateStray, pt.State == stateIncoming && pt.Move > m.Move:
			return // a late copy of an older move
		}
		n.drop(env, m.Part)
	}
	n.setState(env, m.Part, partMeta{State: stateIncoming, Move: m.Move, Since: m.Version})
	pt = n.parts[m.Part]
	st := env.Storage()
	for k, v := range m.KV {
		pt.KV[k] = v
		st.Put(kvKey(m.Part, k), v)
	}
	for id := range m.Applied {
		pt.Applied[id] = true
		st.Put(appliedKey(m.Part, id), true)
	}
	st.Sync()
	engine.Notef(env, "%s holds the copy of %s (%s) on disk; not serving it until the table switches", engine.S(n.id), engine.S(partName(m.Part)), engine.S(keys(len(m.KV))))
	env.Send(controllerName, PartitionCopied{Move: m.Move, Part: m.Part, Keys: len(m.KV)})
}

// serving finds the partition an operation is for, or says why the node
// refuses it. The broken variant checks nothing: it takes the operation
// into whatever copy of the partition it has, or a new one.
func (n *DataNode) serving(env engine.Env, from string, id, p, version int, key string) (*part, bool) {
	if env.Variant(VarNoVersionCheck) {
		if pt := n.parts[p]; pt != nil {
			return pt, true
		}
		n.setState(env, p, partMeta{State: stateStray})
		return n.parts[p], true
	}
	reason := ""
	pt := n.parts[p]
	switch {
	case n.partitions == 0 || partitionOf(key, n.partitions) != p:
		reason = reasonWrongKey
	case version > n.version:
		reason = reasonOlder
		env.Send(controllerName, Heartbeat{Version: n.version}) // ask for the newer table now
	case pt == nil || pt.State == stateStray:
		reason = reasonNotMine
	case pt.State == stateFrozen:
		reason = reasonFrozen
	case pt.State == stateIncoming:
		reason = reasonIncoming
	default:
		return pt, true
	}
	engine.Notef(env, "%s refuses #%d for %s: %s (table v%d)", engine.S(n.id), engine.D(id), engine.S(partName(p)), engine.S(reason), engine.D(n.version))
	env.Send(from, NotOwner{ID: id, Part: p, Version: n.version, Reason: reason})
	return nil, false
}

func (n *DataNode) put(env engine.Env, from string, m Put) {
	pt, ok := n.serving(env, from, m.ID, m.Part, m.Version, m.Key)
	if !ok {
		return
	}
	if pt.State != stateOwned {
		n.Stray++
		engine.Notef(env, "%s takes %s=%s into its %s copy of %s without checking the table", engine.S(n.id), engine.S(m.Key), engine.S(m.Value), engine.S(string(pt.State)), engine.S(partName(m.Part)))
	}
	if !pt.Applied[m.ID] {
		pt.KV[m.Key] = m.Value
		pt.Applied[m.ID] = true
		st := env.Storage()
		st.Put(kvKey(m.Part, m.Key), m.Value)
		st.Put(appliedKey(m.Part, m.ID), true)
		st.Sync()
		n.Stored, n.StoredPart = m.Key, m.Part
	}
	env.Send(from, PutOk{ID: m.ID})
}

func (n *DataNode) get(env engine.Env, from string, m Get) {
	if pt, ok := n.serving(env, from, m.ID, m.Part, m.Version, m.Key); ok {
		env.Send(from, GetOk{ID: m.ID, Value: pt.KV[m.Key]})
	}
}

// sortedParts lists a node's partitions in order.
func sortedParts(parts map[int]*part) []int {
	out := make([]int, 0, len(parts))
	for p := range parts {
		out = append(out, p)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
