package keyrange

import (
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"clusterscope/engine"
)

// Node is a data node: it holds some ranges, each with its keys, on its
// disk. It serves a request only for a range it holds online, at exactly
// the epoch the client's table gives, and for a key inside the range. It
// splits a range when the coordinator says so, and hands a range over to
// another node by freezing it, sending its keys and dropping them once the
// coordinator names the new owner.
type Node struct {
	id     string
	ranges []*rng // by id

	// touched are the ranges changed by the event just handled: the
	// invariants look at those only. putKey, when set, is the one key the
	// event changed (a put): the other keys of its range are as they were.
	touched []*rng
	putKey  string

	Refusals int // requests refused since it started
	Writes   int // writes stored since it started
}

// rng is one range on a node.
type rng struct {
	rangeRecord
	diskKey string
}

// rangeRecord is a range as the node holds it. The disk keeps it as a
// record of its own (under diskPrefix, without its keys) and a record per
// key (under keyPrefix), so that a write stores one key, not the range.
type rangeRecord struct {
	ID         int
	Start, End string
	Epoch      int
	State      int    // held*
	To         string // heldMoving, heldMoved: the new owner
	Keys       map[string]cell
}

// A node's hold on a range.
const (
	heldOnline = iota // served
	heldMoving        // frozen: its keys are on their way to To
	heldMoved         // handed over to To at Epoch; no keys kept
)

// cell is a key's value and the operations that wrote it (a repeated or
// duplicated write is applied once).
type cell struct {
	Value string
	Ops   []int
}

const (
	diskPrefix = "range/"
	keyPrefix  = "kv/"
)

// keyRecord is the disk record of key in range id: "kv/3/apple".
func keyRecord(id int, key string) string {
	var b [64]byte
	return string(append(append(strconv.AppendInt(append(b[:0], keyPrefix...), int64(id), 10), '/'), key...))
}

// Timers.
const (
	nodeSplitCheck = "split-check"
	nodeHandoff    = "handoff"
	splitEvery     = 250 * time.Millisecond
	handoffEvery   = 300 * time.Millisecond
)

func newNode(id string) *Node { return &Node{id: id} }

// Handle is the data node's state machine.
func (n *Node) Handle(env engine.Env, ev engine.Event) {
	n.touched, n.putKey = n.touched[:0], ""
	switch ev.Kind {
	case engine.EvStart:
		n.start(env)
	case engine.EvTimer:
		switch ev.Timer {
		case nodeSplitCheck:
			n.checkSizes(env)
		case nodeHandoff:
			n.handoff(env)
		}
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case Put:
			n.put(env, ev.From, m)
		case Get:
			n.get(env, ev.From, m)
		case GetAllInRange:
			n.scan(env, ev.From, m)
		case SplitPartition:
			n.split(env, m)
		case MovePartition:
			n.moveOut(env, m)
		case PartitionData:
			n.install(env, ev.From, m)
		case MoveFinished:
			n.moveFinished(env, m)
		}
	}
}

// start reads every range back from the disk.
func (n *Node) start(env engine.Env) {
	*n = Node{id: n.id}
	for _, rec := range loadRanges(env.Storage()) {
		n.ranges = append(n.ranges, &rng{rangeRecord: rec, diskKey: diskPrefix + strconv.Itoa(rec.ID)})
	}
	n.touched = append(n.touched, n.ranges...)
	n.checkSizes(env)
	n.handoff(env)
}

// loadRanges rebuilds the ranges a disk holds, by id, each with its keys.
func loadRanges(st *engine.Storage) []rangeRecord {
	var out []rangeRecord
	keys := map[int]map[string]cell{}
	for _, k := range st.Keys() {
		v, _ := st.Get(k)
		switch {
		case strings.HasPrefix(k, diskPrefix):
			if rec, ok := v.(rangeRecord); ok {
				out = append(out, rec)
			}
		case strings.HasPrefix(k, keyPrefix):
			ids, key, _ := strings.Cut(k[len(keyPrefix):], "/")
			id, err := strconv.Atoi(ids)
			c, ok := v.(cell)
			if err != nil || !ok {
				continue
			}
			if keys[id] == nil {
				keys[id] = map[string]cell{}
			}
			keys[id][key] = c
		}
	}
	for i := range out {
		out[i].Keys = keys[out[i].ID]
		if out[i].Keys == nil && out[i].State != heldMoved {
			out[i].Keys = map[string]cell{}
		}
	}
	slices.SortFunc(out, func(a, b rangeRecord) int { return a.ID - b.ID })
	return out
}

// save writes r's own record (its bounds, epoch and state, not its keys)
// and syncs: what the node answers survives a crash.
func (n *Node) save(env engine.Env, r *rng) {
	if r.diskKey == "" {
		r.diskKey = diskPrefix + strconv.Itoa(r.ID)
	}
	rec := r.rangeRecord
	rec.Keys = nil
	env.Storage().Put(r.diskKey, rec)
	env.Storage().Sync()
	n.touched = append(n.touched, r)
}

// saveKeys writes the records of r's keys (a range installed or split
// off); save then syncs them with r's own record.
func (n *Node) saveKeys(env engine.Env, r *rng) {
	st := env.Storage()
	for _, k := range sortedKeys(r.Keys) {
		st.Put(keyRecord(r.ID, k), r.Keys[k])
	}
}

// dropKeys deletes the records of keys of range id (not synced).
func (n *Node) dropKeys(env engine.Env, id int, keys map[string]cell) {
	st := env.Storage()
	for _, k := range sortedKeys(keys) {
		st.Delete(keyRecord(id, k))
	}
}

func (n *Node) find(id int) *rng {
	for _, r := range n.ranges {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// check says why the node will not serve key at range id and epoch (nil
// refusal: it will), writing the refusal for the client.
func (n *Node) check(id, epoch int, key string, isWrite bool, env engine.Env) (*rng, *Refused) {
	r := n.find(id)
	no := func(why string) (*rng, *Refused) {
		f := &Refused{Range: id, Why: why}
		if r != nil {
			f.Epoch, f.Start, f.End = r.Epoch, r.Start, r.End
			if r.State != heldOnline {
				f.To = r.To
			}
		}
		return nil, f
	}
	switch {
	case r == nil:
		return no(whyNoRange)
	case r.State == heldMoved:
		return no(whyMoved)
	case r.State == heldMoving:
		return no(whyMoving)
	case isWrite && env.Variant(VarNoEpochCheck):
		return r, nil // the flaw: the client's routing is trusted
	case epoch < r.Epoch:
		return no(whyStaleEpoch)
	case epoch > r.Epoch:
		return no(whyNotYet)
	case key != "" && !contains(r.Start, r.End, key):
		return no(whyKeyNotIn)
	}
	return r, nil
}

// refuse answers a request it will not serve, and says why in the event
// log: the client will fetch the table again.
func (n *Node) refuse(env engine.Env, to string, what string, epoch int, f *Refused) {
	n.Refusals++
	env.Send(to, *f)
	var b []byte
	b = append(append(append(b, n.id...), " refuses "...), what...)
	b = append(appendAt(append(b, " for "...), f.Range, epoch), ": "...)
	b = append(b, f.Why...)
	switch f.Why {
	case whyStaleEpoch, whyNotYet, whyKeyNotIn, whyEmptyWindow:
		b = appendBounds(append(appendRangeName(append(b, " (it holds "...), f.Range), ' '), f.Start, f.End)
		b = append(strconv.AppendInt(append(b, " at epoch "...), int64(f.Epoch), 10), ')')
	case whyMoving, whyMoved:
		b = append(append(b, " to "...), f.To...)
	}
	env.Note("%s", string(b))
}

func (n *Node) put(env engine.Env, from string, m Put) {
	r, f := n.check(m.Range, m.Epoch, m.Key, true, env)
	if f != nil {
		f.ID = m.ID
		n.refuse(env, from, "put "+m.Key, m.Epoch, f)
		return
	}
	c := r.Keys[m.Key]
	if !slices.Contains(c.Ops, m.ID) { // a retry or a duplicate is applied once
		if r.Keys == nil {
			r.Keys = map[string]cell{}
		}
		c = cell{Value: m.Value, Ops: append(c.Ops[:len(c.Ops):len(c.Ops)], m.ID)}
		r.Keys[m.Key] = c
		n.Writes++
		env.Storage().Put(keyRecord(r.ID, m.Key), c)
		env.Storage().Sync()
		n.touched, n.putKey = append(n.touched, r), m.Key
		if !contains(r.Start, r.End, m.Key) {
			engine.Notef(env, "%s stores %s in %s %s although the key lies outside it: no read or scan of %s will look here",
				engine.S(n.id), engine.S(m.Key), engine.S(rangeName(r.ID)), engine.S(bounds(r.Start, r.End)), engine.S(m.Key))
		}
	}
	env.Send(from, PutOk{ID: m.ID})
	if n.oversized(env, r) {
		n.trigger(env, r)
	}
}

func (n *Node) get(env engine.Env, from string, m Get) {
	r, f := n.check(m.Range, m.Epoch, m.Key, false, env)
	if f != nil {
		f.ID = m.ID
		n.refuse(env, from, "get "+m.Key, m.Epoch, f)
		return
	}
	c, ok := r.Keys[m.Key]
	env.Send(from, GetOk{ID: m.ID, Value: c.Value, Found: ok})
}

// scan answers the part of [Start, End) this range covers, keys in order.
func (n *Node) scan(env engine.Env, from string, m GetAllInRange) {
	r, f := n.check(m.Range, m.Epoch, "", false, env)
	lo, hi, ok := "", "", false
	if f == nil {
		if lo, hi, ok = overlap(m.Start, m.End, r.Start, r.End); !ok {
			f = &Refused{Range: m.Range, Why: whyEmptyWindow, Epoch: r.Epoch, Start: r.Start, End: r.End}
		}
	}
	if f != nil {
		f.ID, f.Round = m.ID, m.Round
		n.refuse(env, from, "scan "+bounds(m.Start, m.End), m.Epoch, f)
		return
	}
	var pairs []KV
	if n := inWindow(r.Keys, lo, hi); n > 0 {
		pairs = make([]KV, 0, n)
		for k, c := range r.Keys {
			if contains(lo, hi, k) {
				pairs = append(pairs, KV{Key: k, Value: c.Value})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b KV) int { return strings.Compare(a.Key, b.Key) })
	env.Send(from, RangeValues{ID: m.ID, Round: m.Round, Range: m.Range, Start: lo, End: hi, Pairs: pairs})
}

// inWindow counts the keys in [lo, hi).
func inWindow(keys map[string]cell, lo, hi string) int {
	n := 0
	for k := range keys {
		if contains(lo, hi, k) {
			n++
		}
	}
	return n
}

func sortedKeys(keys map[string]cell) []string {
	out := make([]string, 0, len(keys))
	for k := range keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// oversized: the range holds more keys than the setting allows.
func (n *Node) oversized(env engine.Env, r *rng) bool {
	max := env.Param(ParamMaxKeys, defMaxKeys)
	return max > 0 && r.State == heldOnline && len(r.Keys) > max
}

// trigger proposes to split r at its middle key, and checks again later
// (the coordinator may be busy, down, or the message lost).
func (n *Node) trigger(env engine.Env, r *rng) {
	keys := sortedKeys(r.Keys)
	env.Send(Coordinator, SplitTrigger{Range: r.ID, Epoch: r.Epoch, SplitKey: keys[len(keys)/2], Keys: len(keys)})
	env.SetTimer(nodeSplitCheck, splitEvery)
}

func (n *Node) checkSizes(env engine.Env) {
	for _, r := range n.ranges {
		if n.oversized(env, r) {
			n.trigger(env, r)
		}
	}
}

// split cuts the parent at the key: the keys from it on go to the new
// range, both at the new epoch. A repeat (the ack was lost) is acked again.
func (n *Node) split(env engine.Env, m SplitPartition) {
	p := n.find(m.Parent)
	if p == nil {
		return
	}
	if p.Epoch >= m.Epoch {
		if p.Epoch == m.Epoch && n.find(m.NewRange) != nil {
			env.Send(Coordinator, SplitPartitionResponse{Parent: m.Parent, NewRange: m.NewRange, Epoch: m.Epoch})
		}
		return
	}
	if p.State != heldOnline || p.Epoch != m.Epoch-1 || !contains(p.Start, p.End, m.SplitKey) || n.find(m.NewRange) != nil {
		return
	}
	right := &rng{rangeRecord: rangeRecord{ID: m.NewRange, Start: m.SplitKey, End: p.End, Epoch: m.Epoch, Keys: map[string]cell{}}}
	lowerKeepsSplitKey := env.Variant(VarInclusiveBoundary)
	for k, c := range p.Keys {
		if k > m.SplitKey || (k == m.SplitKey && !lowerKeepsSplitKey) {
			right.Keys[k] = c
			delete(p.Keys, k)
		}
	}
	p.End, p.Epoch = m.SplitKey, m.Epoch
	n.ranges = append(n.ranges, right)
	sort.Slice(n.ranges, func(i, j int) bool { return n.ranges[i].ID < n.ranges[j].ID })
	n.dropKeys(env, p.ID, right.Keys)
	n.saveKeys(env, right)
	n.save(env, p)
	n.save(env, right)
	engine.Notef(env, "%s splits %s at %s: %s keeps %d keys, %s takes %d (epoch %d)", engine.S(n.id), engine.S(rangeName(p.ID)), engine.S(m.SplitKey),
		engine.S(rangeName(p.ID)), engine.D(len(p.Keys)), engine.S(rangeName(right.ID)), engine.D(len(right.Keys)), engine.D(m.Epoch))
	env.Send(Coordinator, SplitPartitionResponse{Parent: m.Parent, NewRange: m.NewRange, Epoch: m.Epoch})
}

// moveOut freezes a range (it refuses every request from now on) and
// sends its keys to the new owner; it keeps them until MoveFinished.
func (n *Node) moveOut(env engine.Env, m MovePartition) {
	r := n.find(m.Range)
	if r == nil {
		return
	}
	switch {
	case r.State == heldOnline && r.Epoch == m.Epoch-1:
		r.State, r.Epoch, r.To = heldMoving, m.Epoch, m.To
		n.save(env, r)
		engine.Notef(env, "%s freezes %s and sends its %d keys to %s", engine.S(n.id), engine.S(rangeName(r.ID)), engine.D(len(r.Keys)), engine.S(m.To))
	case r.State == heldMoving && r.Epoch == m.Epoch:
	default:
		return
	}
	n.send(env, r)
}

func (n *Node) send(env engine.Env, r *rng) {
	env.Send(r.To, PartitionData{Range: r.ID, Epoch: r.Epoch, Start: r.Start, End: r.End, From: n.id, Keys: maps.Clone(r.Keys)})
	env.SetTimer(nodeHandoff, handoffEvery)
}

// handoff repeats the keys of every frozen range until the coordinator
// says the move is done.
func (n *Node) handoff(env engine.Env) {
	for _, r := range n.ranges {
		if r.State == heldMoving {
			n.send(env, r)
		}
	}
}

// install takes a range's keys (a move, or the first range) unless it
// already holds the range at that epoch or a later one; either way it
// tells the coordinator it has it.
func (n *Node) install(env engine.Env, from string, m PartitionData) {
	r := n.find(m.Range)
	if r == nil || r.Epoch < m.Epoch {
		if r == nil {
			r = &rng{}
			n.ranges = append(n.ranges, r)
			sort.Slice(n.ranges, func(i, j int) bool { return n.ranges[i].ID < n.ranges[j].ID })
		} else {
			n.dropKeys(env, r.ID, r.Keys)
		}
		r.rangeRecord = rangeRecord{ID: m.Range, Start: m.Start, End: m.End, Epoch: m.Epoch, Keys: maps.Clone(m.Keys)}
		if r.Keys == nil {
			r.Keys = map[string]cell{}
		}
		n.saveKeys(env, r)
		n.save(env, r)
		if m.From != "" {
			engine.Notef(env, "%s installs %s %s with %d keys from %s (epoch %d)", engine.S(n.id), engine.S(rangeName(r.ID)), engine.S(bounds(r.Start, r.End)),
				engine.D(len(r.Keys)), engine.S(m.From), engine.D(r.Epoch))
		}
		if n.oversized(env, r) {
			n.trigger(env, r)
		}
	}
	env.Send(Coordinator, PartitionInstalled{Range: m.Range, Epoch: m.Epoch, From: m.From})
}

// moveFinished drops a frozen range's keys: the table names the new owner.
func (n *Node) moveFinished(env engine.Env, m MoveFinished) {
	r := n.find(m.Range)
	if r == nil || r.State != heldMoving || r.Epoch != m.Epoch {
		return
	}
	n.dropKeys(env, r.ID, r.Keys)
	r.State, r.Keys = heldMoved, nil
	n.save(env, r)
}
