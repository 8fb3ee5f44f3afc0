package vvector

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Node is a replica, and the coordinator of the client requests it
// receives: any server takes any read or write. A write gets a dot from
// its coordinator and replaces exactly the versions its client had read
// (its context); versions it did not replace stay beside it as siblings.
// The coordinator answers once W replicas (itself first) hold the write,
// or R replicas answered a read; the rest follows in the background, and
// read repair and anti-entropy bring the replicas together after a
// partition.
type Node struct {
	id    string
	store map[string]keyState // also on its disk, key by key
	epoch int                 // bumped at every start: request ids do not repeat

	waiting kit.WaitingList[int, *request] // requests it coordinates, by ReqID.N
	nextReq int
	aeNext  int // the peer the next anti-entropy round goes to, in turn

	saves int // changes to its store since it started (checkers skip a step that made none)
	// fresh are the keys it saved in the event it is handling (reset at
	// each): the checkers look again at just these keys (see storeWatch).
	fresh []string

	scratch []byte    // where notes are put together
	merged  []Sibling // where apply merges

	rule rule          // how versions replace each other (the variant)
	now  time.Duration // local clock at the last event (for the view)

	Writes, Reads, Timeouts, Repaired int
}

// keyState is a replica's key: the siblings it keeps and the last counter
// it gave a write of the key as coordinator (so a dot never repeats, even
// after its own version was replaced).
type keyState struct {
	Siblings []Sibling // never changed in place: replaced whole
	Counter  int
	// Saves counts the changes to the key here, so that a checker looks
	// again at a key only when some replica changed it.
	Saves int
}

// answer is one replica's reply to a read: the siblings it holds.
type answer struct {
	from string
	sibs []Sibling
}

// request is a client operation a coordinator works on.
type request struct {
	ID     ReqID
	Client string
	OpID   int
	Op     Op
	Need   int      // replies that complete it: W or R
	From   []string // replicas that answered, itself first
	// Read is what each replica answered (a get), ordered by replica;
	// Merged the merge of it.
	Read     []answer
	Merged   []Sibling
	Written  Sibling // an add's new version
	Answered bool
	timer    string // its expiry timer's name, made once
	Deadline time.Duration
}

var (
	diskEpoch   = kit.Record[int]{Key: "epoch"}
	expiryTimer = kit.TimerKey[int]{Name: "expire"}
)

const antiEntropy = "anti-entropy"

func storeKey(key string) string { return "kv/" + key }

func newNode(id string) *Node { return &Node{id: id, store: map[string]keyState{}} }

func ruleOf(env engine.Env) rule {
	switch {
	case env.Variant(VarLastWriteWins):
		return byStamp
	case env.Variant(VarCompareBySum):
		return bySum
	}
	return byContext
}

// Handle is the node's state machine.
func (n *Node) Handle(env engine.Env, ev engine.Event) {
	n.now, n.rule = env.Now(), ruleOf(env)
	n.fresh = n.fresh[:0]
	switch ev.Kind {
	case engine.EvStart:
		n.start(env)
	case engine.EvTimer:
		if ev.Timer == antiEntropy {
			n.antiEntropy(env)
		} else if id, ok := expiryTimer.Match(ev.Timer); ok {
			n.expire(env, id)
		}
	case engine.EvReceive:
		n.receive(env, ev.From, ev.Msg)
	}
}

func (n *Node) receive(env engine.Env, from string, msg engine.Message) {
	switch m := msg.(type) {
	case ClientPut:
		n.clientPut(env, from, m)
	case ClientGet:
		n.clientGet(env, from, m)
	case Replicate:
		n.apply(env, m.Key, m.Siblings, from, "replication")
		env.Send(from, ReplicateAck{Req: m.Req})
	case ReplicateAck:
		if r := n.request(m.Req); r != nil {
			n.answered(env, r, from)
		}
	case Read:
		env.Send(from, ReadReply{Req: m.Req, Siblings: n.store[m.Key].Siblings})
	case ReadReply:
		if r := n.request(m.Req); r != nil {
			n.readReply(env, r, from, m.Siblings)
		}
	case Repair:
		n.apply(env, m.Key, m.Siblings, from, "read repair")
	case Sync:
		for _, key := range slices.Sorted(maps.Keys(m.Store)) {
			n.apply(env, key, m.Store[key], from, "anti-entropy")
		}
		if m.Reply {
			env.Send(from, Sync{Store: n.snapshot()})
		}
	}
}

// start rebuilds the node from its disk: the store survives a crash, the
// requests it coordinated do not (their clients time out on their own).
func (n *Node) start(env engine.Env) {
	st := env.Storage()
	*n = Node{id: n.id, store: map[string]keyState{}, now: n.now, rule: n.rule}
	for _, k := range st.Keys() {
		if key, ok := strings.CutPrefix(k, "kv/"); ok {
			if ks, ok := (kit.Record[keyState]{Key: k}).Get(st); ok {
				n.store[key] = ks
			}
		}
	}
	e, _ := diskEpoch.Get(st)
	n.epoch = e + 1
	diskEpoch.Put(st, n.epoch)
	st.Sync()
	// The first round comes at a random point of the interval, so servers
	// started together do not all exchange at once.
	ae := n.aeInterval(env)
	env.SetTimer(antiEntropy, time.Duration(1+env.Rand().Int64N(int64(ae))))
}

func (n *Node) aeInterval(env engine.Env) time.Duration {
	return time.Duration(env.Param(ParamAntiEntropy, defAntiEntropy)) * time.Millisecond
}

// save keeps key's state, durably.
func (n *Node) save(env engine.Env, key string, ks keyState) {
	ks.Saves++
	n.saves++
	n.fresh = append(n.fresh, key)
	n.store[key] = ks
	st := env.Storage()
	(kit.Record[keyState]{Key: storeKey(key)}).Put(st, ks)
	st.Sync()
}

// apply merges versions another replica sent into what this one holds,
// and says what changed: a version taken, one replaced, siblings kept.
func (n *Node) apply(env engine.Env, key string, given []Sibling, from, why string) {
	ks := n.store[key]
	// Merged in the node's buffer first: a replica is often given what it
	// holds already (anti-entropy sends everything), and then keeps nothing
	// new.
	kept, dropped := n.rule.mergeInto(n.merged, ks.Siblings, given)
	n.merged = kept[:0]
	if sameDots(kept, ks.Siblings) {
		return
	}
	kept = slices.Clone(kept)
	ks.Siblings = kept
	n.save(env, key, ks)
	n.noteMerge(env, key, from, why, kept, dropped)
}

// noteMerge says what a merge changed: "athens merges x from byzantium
// (replication): " and the outcome. The usual one, a version kept and at
// most one replaced, is written from the versions' own strings; any other
// is put together in the scratch buffer first.
func (n *Node) noteMerge(env engine.Env, key, from, why string, kept, dropped []Sibling) {
	if len(kept) == 1 && kept[0].vector != "" {
		k := kept[0]
		switch {
		case len(dropped) == 0:
			engine.Notef(env, "%s merges %s from %s (%s): now holds %s %s ", engine.S(n.id), engine.S(key), engine.S(from), engine.S(why), engine.S(k.Value), engine.S(k.vector))
			return
		case len(dropped) == 1 && dropped[0].vector != "":
			d := dropped[0]
			engine.Notef(env, "%s merges %s from %s (%s): now holds %s %s (discards %s %s: %s)", engine.S(n.id), engine.S(key), engine.S(from), engine.S(why),
				engine.S(k.Value), engine.S(k.vector), engine.S(d.Value), engine.S(d.vector), engine.S(discardWhy(n.rule)))
			return
		}
	}
	engine.Notef(env, "%s merges %s from %s (%s): %s", engine.S(n.id), engine.S(key), engine.S(from), engine.S(why), engine.S(n.outcome(kept, dropped)))
}

// outcome says what a replica keeps of a key and what it discarded:
// "now holds milk {athens:1} (discards ...)". It is written in the node's
// scratch buffer, one string a note.
func (n *Node) outcome(kept, dropped []Sibling) string {
	b := appendDiscards(append(appendHolds(n.scratch[:0], kept), ' '), dropped, n.rule)
	n.scratch = b
	return string(b)
}

// appendHolds says what a replica keeps of a key.
func appendHolds(b []byte, sibs []Sibling) []byte {
	b = append(b, "now holds "...)
	if len(sibs) != 1 {
		b = append(strconv.AppendInt(b, int64(len(sibs)), 10), " concurrent siblings: "...)
	}
	return appendVersions(b, sibs)
}

// appendVersions writes each sibling's value and vector: milk {athens:1} | eggs {byzantium:1}.
func appendVersions(b []byte, sibs []Sibling) []byte {
	for i, s := range sibs {
		if i > 0 {
			b = append(b, " | "...)
		}
		b = s.appendVector(append(append(b, s.Value...), ' '))
	}
	return b
}

// appendDiscards says which versions were replaced and by which rule.
func appendDiscards(b []byte, dropped []Sibling, r rule) []byte {
	if len(dropped) == 0 {
		return b
	}
	return append(append(append(appendVersions(append(b, "(discards "...), dropped), ": "...), discardWhy(r)...), ')')
}

// discardWhy is why a version was replaced under the rule.
func discardWhy(r rule) string {
	switch r {
	case byStamp:
		return "the version with the later timestamp wins"
	case bySum:
		return "a vector with a larger sum wins"
	}
	return "a later write had read it"
}

// snapshot is everything the replica holds, for anti-entropy (the sibling
// lists are shared: they are never changed in place).
func (n *Node) snapshot() map[string][]Sibling {
	out := make(map[string][]Sibling, len(n.store))
	for k, ks := range n.store {
		out[k] = ks.Siblings
	}
	return out
}

// antiEntropy sends everything this replica holds to the next peer in
// turn, which merges it and answers with everything it holds.
func (n *Node) antiEntropy(env engine.Env) {
	env.SetTimer(antiEntropy, n.aeInterval(env))
	var others []string
	for _, p := range replicas(env) {
		if p != n.id {
			others = append(others, p)
		}
	}
	if len(others) == 0 {
		return
	}
	to := others[n.aeNext%len(others)]
	n.aeNext++
	env.Send(to, Sync{Store: n.snapshot(), Reply: true})
}

func (n *Node) newRequest(env engine.Env, client string, opID int, op Op, need string, def int) *request {
	n.nextReq++
	exp := time.Duration(env.Param(ParamExpiry, defExpiry)) * time.Millisecond
	all := len(replicas(env))
	r := &request{ID: ReqID{Epoch: n.epoch, N: n.nextReq}, Client: client, OpID: opID, Op: op,
		Need: min(env.Param(need, def), all), From: append(make([]string, 0, all), n.id), Deadline: n.now + exp,
		timer: expiryTimer.For(n.nextReq)}
	n.waiting.Add(r.ID.N, r, r.Deadline)
	env.SetTimer(r.timer, exp)
	return r
}

// request is the request a reply names, or nil when it is over (or from
// before a restart).
func (n *Node) request(id ReqID) *request {
	if id.Epoch != n.epoch {
		return nil
	}
	r, _ := n.waiting.Get(id.N)
	return r
}

// clientPut is a write: the coordinator gives it the next dot of its own,
// keeps it with what it holds (it replaces the versions its context
// covers), and sends it to every other replica.
func (n *Node) clientPut(env engine.Env, client string, m ClientPut) {
	ks := n.store[m.Key]
	ks.Counter = max(ks.Counter, m.Ctx[n.id]) + 1
	w := Sibling{Value: m.Value, Dot: Dot{Node: n.id, N: ks.Counter}, Ctx: m.Ctx, Stamp: env.Now()}
	var buf [64]byte
	w.vector = string(w.appendVector(buf[:0]))
	given := [1]Sibling{w} // on the stack: merge copies what it keeps
	kept, dropped := n.rule.merge(ks.Siblings, given[:])
	ks.Siblings = kept
	n.save(env, m.Key, ks)
	n.Writes++
	r := n.newRequest(env, client, m.ID, Op{Kind: opAdd, Key: m.Key, Node: n.id}, ParamW, defW)
	r.Written = w
	n.noteWrite(env, client, m, w, kept, dropped)
	// Every version it holds of the key goes with the write, not the new
	// one alone: a replica that takes athens:3 then also has every write
	// athens made before it, or what replaced them, so the merge of the
	// vectors it holds never claims a write it has not seen.
	for _, p := range replicas(env) {
		if p != n.id {
			env.Send(p, Replicate{Req: r.ID, Key: m.Key, Siblings: kept})
		}
	}
	n.progress(env, r)
}

// noteWrite says what a coordinator made of a client's write w: "athens:
// alice's write x=milk with context {} is athens:1, vector {athens:1}; " and
// the outcome. The usual one, the new version kept and at most one
// replaced, is written from strings made before (the client's text of the
// context, the versions' vectors); any other is put together in the
// scratch buffer first.
func (n *Node) noteWrite(env engine.Env, client string, m ClientPut, w Sibling, kept, dropped []Sibling) {
	if m.ctxText != "" && w.vector != "" && len(kept) == 1 && kept[0].vector != "" {
		k := kept[0]
		switch {
		case len(dropped) == 0:
			engine.Notef(env, "%s: %s's write %s=%s with context %s is %s:%d, vector %s; now holds %s %s ",
				engine.S(n.id), engine.S(client), engine.S(m.Key), engine.S(m.Value), engine.S(m.ctxText), engine.S(w.Dot.Node), engine.D(w.Dot.N), engine.S(w.vector),
				engine.S(k.Value), engine.S(k.vector))
			return
		case len(dropped) == 1 && dropped[0].vector != "":
			d := dropped[0]
			engine.Notef(env, "%s: %s's write %s=%s with context %s is %s:%d, vector %s; now holds %s %s (discards %s %s: %s)",
				engine.S(n.id), engine.S(client), engine.S(m.Key), engine.S(m.Value), engine.S(m.ctxText), engine.S(w.Dot.Node), engine.D(w.Dot.N), engine.S(w.vector),
				engine.S(k.Value), engine.S(k.vector), engine.S(d.Value), engine.S(d.vector), engine.S(discardWhy(n.rule)))
			return
		}
	}
	b := w.Dot.appendTo(append(m.Ctx.appendTo(n.scratch[:0]), " is "...))
	b = appendDiscards(append(appendHolds(append(w.appendVector(append(b, ", vector "...)), "; "...), kept), ' '), dropped, n.rule)
	n.scratch = b
	engine.Notef(env, "%s: %s's write %s=%s with context %s", engine.S(n.id), engine.S(client), engine.S(m.Key), engine.S(m.Value), engine.B(b))
}

// clientGet is a read: the coordinator's own siblings count as its first
// answer, and it asks every other replica for theirs.
func (n *Node) clientGet(env engine.Env, client string, m ClientGet) {
	r := n.newRequest(env, client, m.ID, Op{Kind: opGet, Key: m.Key, Node: n.id}, ParamR, defR)
	mine := n.store[m.Key].Siblings
	r.Read = make([]answer, 1, len(replicas(env)))
	r.Read[0] = answer{from: n.id, sibs: mine}
	r.Merged = mine
	n.Reads++
	for _, p := range replicas(env) {
		if p != n.id {
			env.Send(p, Read{Req: r.ID, Key: m.Key})
		}
	}
	n.progress(env, r)
}

func (n *Node) readReply(env engine.Env, r *request, from string, sibs []Sibling) {
	at, dup := slices.BinarySearchFunc(r.Read, from, func(a answer, id string) int { return strings.Compare(a.from, id) })
	if dup {
		return
	}
	r.Read = slices.Insert(r.Read, at, answer{from: from, sibs: sibs})
	r.Merged, _ = n.rule.merge(r.Merged, sibs)
	n.answered(env, r, from)
}

// answered counts a replica's reply (once per replica).
func (n *Node) answered(env engine.Env, r *request, from string) {
	if slices.Contains(r.From, from) {
		return
	}
	r.From = append(r.From, from)
	n.progress(env, r)
}

// progress answers the client once enough replicas have, and ends the
// request once every replica has.
func (n *Node) progress(env engine.Env, r *request) {
	if !r.Answered && len(r.From) >= r.Need {
		n.reply(env, r, Success)
	}
	if len(r.From) >= len(replicas(env)) {
		n.end(env, r)
	}
}

func (n *Node) reply(env engine.Env, r *request, st Status) {
	r.Answered = true
	m := ClientReply{ID: r.OpID, Status: st}
	switch {
	case st != Success:
		n.Timeouts++
	case r.Op.Kind == opAdd:
		m.Dot, m.Siblings = r.Written.Dot, n.store[r.Op.Key].Siblings
	default:
		m.Siblings = r.Merged
		if len(r.Merged) > 1 {
			engine.Notef(env, "%s: %s's read of %s finds %d concurrent siblings (%s): the client must merge them",
				engine.S(n.id), engine.S(r.Client), engine.S(r.Op.Key), engine.D(len(r.Merged)), engine.S(strings.Join(values(r.Merged), " | ")))
		}
	}
	env.Send(r.Client, m)
}

// expire ends a request at its deadline: a client not yet answered is
// told Timeout (a write may still have reached some replicas).
func (n *Node) expire(env engine.Env, id int) {
	r, ok := n.waiting.Get(id)
	if !ok {
		return
	}
	if !r.Answered {
		engine.Notef(env, "%s: %s's %s has %d of %d replies at its deadline: Timeout", engine.S(n.id), engine.S(r.Client), engine.S(r.Op.String()), engine.D(len(r.From)), engine.D(r.Need))
		n.reply(env, r, Timeout)
	}
	n.end(env, r)
}

// end forgets a request. A read first repairs: every replica that answered
// with less than the merge of all answers is sent the merge.
func (n *Node) end(env engine.Env, r *request) {
	n.waiting.Remove(r.ID.N)
	env.CancelTimer(r.timer)
	if r.Op.Kind != opGet {
		return
	}
	for _, a := range r.Read {
		p := a.from
		if sameDots(a.sibs, r.Merged) {
			continue
		}
		n.Repaired++
		if p == n.id {
			n.apply(env, r.Op.Key, r.Merged, n.id, "read repair")
		} else {
			env.Send(p, Repair{Key: r.Op.Key, Siblings: r.Merged})
		}
	}
}

// replicas are the servers, what env.Peers lists: every server here is a
// replica (RoleNode), and Members hands out the engine's list where Peers
// copies it at each call (several a step). Not in start: while a joining
// server boots, Peers does not list it yet and Members does.
func replicas(env engine.Env) []string { return env.Members(engine.RoleNode) }
