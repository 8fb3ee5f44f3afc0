package replog

import "clusterscope/engine"

// Apply: committed entries run against the key-value store once each, and
// the leader answers the client that asked.

// appliedSet is the set of client writes (client, operation id) a node
// has applied. Operation ids are small counters, so each client's ids are a
// bitset: a map of every write of a long run made each lookup a cache miss.
type appliedSet struct {
	bits  []clientBits        // per client, few
	other map[reqKey]struct{} // ids a bitset should not hold (negative, huge)
}

type clientBits struct {
	client string
	words  []uint64
}

type reqKey struct {
	client string
	id     int
}

const maxBitsetID = 1 << 24

// words is client's bitset, made on first use.
func (a *appliedSet) words(client string) *[]uint64 {
	for i := range a.bits {
		if a.bits[i].client == client {
			return &a.bits[i].words
		}
	}
	a.bits = append(a.bits, clientBits{client: client})
	return &a.bits[len(a.bits)-1].words
}

func (a *appliedSet) has(client string, id int) bool {
	if id < 0 || id >= maxBitsetID {
		_, ok := a.other[reqKey{client, id}]
		return ok
	}
	for _, b := range a.bits {
		if b.client == client {
			return id/64 < len(b.words) && b.words[id/64]&(1<<(id%64)) != 0
		}
	}
	return false
}

// add records (client, id) and reports whether it was new.
func (a *appliedSet) add(client string, id int) bool {
	if a.has(client, id) {
		return false
	}
	if id < 0 || id >= maxBitsetID {
		if a.other == nil {
			a.other = map[reqKey]struct{}{}
		}
		a.other[reqKey{client, id}] = struct{}{}
		return true
	}
	w := a.words(client)
	for len(*w) <= id/64 {
		*w = append(*w, 0)
	}
	(*w)[id/64] |= 1 << (id % 64)
	return true
}

// apply runs committed entries against the key-value store; the leader
// answers the client that asked.
func (n *Node) apply(env engine.Env) {
	from := n.applied
	for n.applied < n.hwm && n.applied < n.last() {
		e := n.entry(n.applied + 1)
		n.applied++
		var val string
		switch e.Op {
		case opPut:
			if n.done.add(e.Client, e.ReqID) {
				n.kv[e.Key] = e.Value
				if n.mv != nil {
					n.mv.put(e.Key, e.Value, n.applied, env.Variant(VarOverwriteInPlace))
				}
			}
		case opGet:
			val = n.kv[e.Key]
		default:
			n.applySession(env, e)
			n.applyVersioned(env, e)
			n.applyCore(env, e)
			continue
		}
		if n.role == Leader && e.Client != "" {
			env.Send(e.Client, ClientReply{ID: e.ReqID, Value: val, Version: n.versionFor(n.applied)})
		}
	}
	n.serveParked(env)
	n.serveCoreReads(env)
	n.afterApply(env, n.applied-from)
}

func (n *Node) onClient(env engine.Env, from string, m ClientRequest) {
	if n.role != Leader {
		hint := n.leader
		if hint == n.id {
			hint = ""
		}
		env.Send(from, ClientReply{ID: m.ID, NotLeader: true, Hint: hint})
		return
	}
	if m.Op == opGet && env.Variant(VarReadLogEnd) {
		env.Send(from, ClientReply{ID: m.ID, Value: n.logEndValue(m.Key)})
		return
	}
	if m.Op == opGet && env.Variant(VarLeaderReadsApplied) {
		env.Send(from, ClientReply{ID: m.ID, Value: n.kv[m.Key]})
		return
	}
	if m.Op == opPut {
		if n.done.has(from, m.ID) {
			env.Send(from, ClientReply{ID: m.ID, Version: n.versionFor(n.applied)})
			return
		}
	}
	n.leaderAppend(env, Entry{Gen: n.gen, Op: m.Op, Key: m.Key, Value: m.Value, Client: from, ReqID: m.ID})
	n.match[n.self] = n.last()
	if len(n.all) == 1 {
		n.advanceHWM(env)
	}
	n.broadcast(env, false)
}

// leaderAppend appends the leader's own entry and syncs it.
func (n *Node) leaderAppend(env engine.Env, e Entry) {
	n.appendEntry(env, e)
	env.Storage().Sync()
	if env.Variant(VarMarkOnAppend) {
		engine.Notef(env, "%s's high-water mark moves from %d to %d: its own append (no follower holds it yet)", engine.S(n.id), engine.D(n.hwm), engine.D(n.last()))
		n.setMark(env, n.last())
	}
}

// logEndValue is what a read sees when it ignores the high-water mark: the
// last write of key anywhere in the log, committed or not.
func (n *Node) logEndValue(key string) string {
	for i := len(n.log) - 1; i >= 0; i-- {
		if e := n.log[i]; e.Op == opPut && e.Key == key {
			return e.Value
		}
	}
	return ""
}
