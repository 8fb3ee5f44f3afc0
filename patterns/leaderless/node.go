package leaderless

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Node is a replica of the key-value store, and the coordinator of the
// client requests it receives: athens takes every write (it numbers the
// versions) and any node may take a read. As a coordinator it keeps its
// Request Waiting List: every SetValueRequest or GetValueRequest it sends
// waits there under its own correlation id until the replica answers, the
// request it belongs to completes, or the request expires.
type Node struct {
	id    string
	store map[string]stored // what this replica holds (also on its disk)
	epoch int               // bumped at every start, so versions keep rising
	seq   int               // versions written in this epoch

	waiting  kit.WaitingList[CorrelationID, entry]
	pending  []*request // requests not yet completed, oldest first
	done     []*request // the last few completed, newest last
	nextCorr int
	nextReq  int
	// seen are the last client writes taken, so that a copy the network
	// delivers later is not written again under a newer version (it could
	// overwrite a later write by someone else).
	seen     [keptSeen]clientOp
	seenNext int

	countAll    bool          // the broken variant is on (for the view)
	takesWrites bool          // it is the write coordinator (for the view)
	now         time.Duration // local time at the last event (for the view)

	// kv: this is the quorum KV (Majority Quorum's leaderless setup): any
	// replica coordinates, each key lives on N home replicas, and writes
	// and reads wait for W and R of them (quorum.go).
	kv    bool
	hints []hint // writes it keeps for an unreachable home replica
	// handoffArmed: the handoff timer runs (only while it keeps hints).
	handoffArmed bool

	Completed, Timeouts, Late int
	Repairs, HandedOff        int // read repairs it started; hints it handed over
}

// stored is a replica's value of one key and its version.
type stored struct {
	Value   string
	Version Version
}

// keptDone is how many completed requests a node remembers for its view
// and the invariants; keptSeen how many client writes it remembers taking
// (a network copy arrives within a few milliseconds of the original).
const (
	keptDone = 8
	keptSeen = 64
)

// clientOp names a client's operation.
type clientOp struct {
	Client string
	ID     int
}

var diskEpoch = kit.Record[int]{Key: "epoch"}

// The expiry task: as in the book, one periodic check expires whatever is
// past its deadline, rather than a timer per request. A request therefore
// ends at most one interval after its deadline.
const (
	expiryCheck         = "expiry-check"
	expiryCheckInterval = 50 * time.Millisecond
)

// storeKey is where a replica keeps key on its disk.
func storeKey(key string) string { return "kv/" + key }

// coordinator is the node that takes writes: the first server (athens).
func coordinator(peers []string) string {
	if len(peers) == 0 {
		return ""
	}
	return peers[0]
}

// servers are the server members, what env.Peers lists: every server of a
// page has one role, and Members hands out the engine's list where Peers
// copies it at each call (twice a request). Not in start: while a joining
// server boots, Peers does not list it yet and Members does.
func servers(env engine.Env) []string { return env.Members(env.Role()) }

// quorum is a majority of n replicas.
func quorum(n int) int { return n/2 + 1 }

// Handle is the node's state machine.
func (n *Node) Handle(env engine.Env, ev engine.Event) {
	if ev.Kind == engine.EvStart {
		n.start(env)
		return
	}
	n.now, n.countAll = env.Now(), env.Variant(VarCountResponses)
	// Whatever woke the node, a request past its deadline expires first: a
	// response that arrives at the same moment as the expiry is late.
	n.expireDue(env)
	if ev.Kind == engine.EvTimer {
		switch {
		case ev.Timer == expiryCheck:
			env.SetTimer(expiryCheck, expiryCheckInterval)
		case ev.Timer == handoffTimer:
			n.handoff(env)
		default:
			if id, ok := sloppyTimer.Match(ev.Timer); ok {
				n.askStandIns(env, id)
			}
		}
	}
	if ev.Kind != engine.EvReceive {
		return
	}
	switch m := ev.Msg.(type) {
	case ClientSet:
		n.clientSet(env, ev.From, m)
	case ClientGet:
		n.clientGet(env, ev.From, m)
	case SetValueRequest:
		n.setValue(env, ev.From, m)
	case GetValueRequest:
		s := n.store[m.Key]
		env.Send(ev.From, GetValueResponse{CorrelationID: m.CorrelationID, Value: s.Value, Version: s.Version})
	case SetValueResponse:
		n.response(env, ev.From, m.CorrelationID, nil)
	case GetValueResponse:
		n.response(env, ev.From, m.CorrelationID, &m)
	case Handoff:
		n.keep(env, m.Key, stored{Value: m.Value, Version: m.Version})
		env.Send(ev.From, HandoffAck{Key: m.Key, Version: m.Version})
	case HandoffAck:
		n.handedOff(env, ev.From, m)
	}
}

// start rebuilds the node from its disk: the store survives a crash, the
// waiting list does not (its clients will time out on their own).
func (n *Node) start(env engine.Env) {
	st := env.Storage()
	*n = Node{id: n.id, store: map[string]stored{}, now: env.Now(), kv: n.kv}
	for _, k := range st.Keys() {
		if key, ok := strings.CutPrefix(k, "kv/"); ok {
			if s, ok := (kit.Record[stored]{Key: k}).Get(st); ok {
				n.store[key] = s
			}
		}
	}
	e, _ := diskEpoch.Get(st)
	n.epoch = e + 1
	n.takesWrites = coordinator(env.Peers()) == n.id
	diskEpoch.Put(st, n.epoch)
	st.Sync()
	if n.kv {
		n.takesWrites = false
		n.hints, _ = diskHints.Get(st)
		n.armHandoff(env)
	}
	// The first check comes at a random point of the interval, so that
	// servers started together do not all check at the same instant.
	env.SetTimer(expiryCheck, time.Duration(1+env.Rand().Int64N(int64(expiryCheckInterval))))
}

// setValue is the replica's part of a write: keep the value if it is newer
// than what is held, durably, and say so.
func (n *Node) setValue(env engine.Env, from string, m SetValueRequest) {
	n.keep(env, m.Key, stored{Value: m.Value, Version: m.Version})
	if m.Hint != "" {
		n.addHint(env, hint{Key: m.Key, For: m.Hint, Version: m.Version})
	}
	env.Send(from, SetValueResponse{CorrelationID: m.CorrelationID})
}

// keep stores s as the replica's value of key if it is newer than what is
// held, durably.
func (n *Node) keep(env engine.Env, key string, s stored) {
	if cur := n.store[key]; cur.Version.Less(s.Version) {
		n.store[key] = s
		st := env.Storage()
		(kit.Record[stored]{Key: storeKey(key)}).Put(st, s)
		st.Sync()
	}
}

func (n *Node) expiry(env engine.Env) time.Duration {
	return time.Duration(env.Param(ParamExpiry, defExpiry)) * time.Millisecond
}

// newRequest puts a client's operation in the coordinator's hands, with its
// deadline.
func (n *Node) newRequest(env engine.Env, client string, opID int, op Op, phase string) *request {
	n.nextReq++
	exp := n.expiry(env)
	r := &request{ID: n.nextReq, Client: client, OpID: opID, Op: op, Phase: phase,
		Quorum: quorum(len(servers(env))), Created: n.now, Deadline: n.now + exp}
	n.pending = append(n.pending, r)
	return r
}

func (n *Node) clientSet(env engine.Env, from string, m ClientSet) {
	peers := servers(env)
	if c := coordinator(peers); c != n.id && !n.kv {
		engine.Notef(env, "%s ignores %s's write: writes go through %s", engine.S(n.id), engine.S(from), engine.S(c))
		return
	}
	op := clientOp{Client: from, ID: m.ID}
	for _, s := range n.seen {
		if s == op {
			engine.Notef(env, "%s ignores a copy of %s's set #%d: it took that write already", engine.S(n.id), engine.S(from), engine.D(m.ID))
			return
		}
	}
	n.seen[n.seenNext] = op
	n.seenNext = (n.seenNext + 1) % keptSeen
	if n.kv {
		n.kvSet(env, from, m)
		return
	}
	n.seq++
	r := n.newRequest(env, from, m.ID, Op{Kind: opSet, Key: m.Key, Value: m.Value}, phaseWrite)
	r.Version = Version{Epoch: n.epoch, Seq: n.seq}
	engine.Notef(env, "%s: r%d (%s's set %s=%s) waits for %d of %d replicas, expires in %dms",
		engine.S(n.id), engine.D(r.ID), engine.S(from), engine.S(m.Key), engine.S(m.Value), engine.D(r.Quorum), engine.D(len(peers)), engine.D(int(n.expiry(env)/time.Millisecond)))
	n.send(env, r, peers)
}

func (n *Node) clientGet(env engine.Env, from string, m ClientGet) {
	if n.kv {
		n.kvGet(env, from, m)
		return
	}
	peers := servers(env)
	r := n.newRequest(env, from, m.ID, Op{Kind: opGet, Key: m.Key}, phaseRead)
	engine.Notef(env, "%s: r%d (%s's get %s) waits for %d of %d replicas, expires in %dms",
		engine.S(n.id), engine.D(r.ID), engine.S(from), engine.S(m.Key), engine.D(r.Quorum), engine.D(len(peers)), engine.D(int(n.expiry(env)/time.Millisecond)))
	n.send(env, r, peers)
}

// send puts one message per replica on the waiting list, each under its
// own correlation id, and sends it (athens sends one to itself too).
func (n *Node) send(env engine.Env, r *request, peers []string) {
	for _, p := range peers {
		n.sendOne(env, r, p, "")
	}
}

// sendOne sends replica to its message of r's phase, under a new
// correlation id on the waiting list; hint names the home replica it
// stands in for (a sloppy quorum's write), if any.
func (n *Node) sendOne(env engine.Env, r *request, to, hint string) {
	n.nextCorr++
	corr := CorrelationID{Epoch: n.epoch, N: n.nextCorr}
	n.waiting.Add(corr, entry{To: to, Req: r}, r.Deadline)
	if r.Phase == phaseRead || r.Phase == phaseVersion {
		env.Send(to, GetValueRequest{CorrelationID: corr, Key: r.Op.Key})
		return
	}
	value := r.Op.Value
	if r.Op.Kind == opGet {
		value = r.Value // a write-back of what the read found
	}
	env.Send(to, SetValueRequest{CorrelationID: corr, Key: r.Op.Key, Value: value, Version: r.Version, Hint: hint})
}

// response counts a replica's answer towards the request its correlation
// id belongs to. An id no longer on the list (the request completed or
// expired, or this is a second copy) changes nothing.
func (n *Node) response(env engine.Env, from string, corr CorrelationID, got *GetValueResponse) {
	var e entry
	var ok bool
	if n.countAll {
		// The broken variant: the entry stays until its request completes,
		// and every response that finds it is counted.
		e, ok = n.waiting.Get(corr)
	} else {
		e, ok = n.waiting.Remove(corr)
	}
	if !ok {
		n.Late++
		engine.Notef(env, "%s ignores %s's response %s: nothing waits for it any more", engine.S(n.id), engine.S(from), engine.S(corr.String()))
		return
	}
	r := e.Req
	r.From = append(r.From, from)
	if got != nil {
		switch {
		case len(r.From) == 1:
			r.Version, r.Value, r.Holders = got.Version, got.Value, 1
		case got.Version == r.Version:
			r.Holders++
		default:
			r.Stale = true
			if r.Version.Less(got.Version) {
				r.Version, r.Value, r.Holders = got.Version, got.Value, 1
			}
		}
	}
	count := r.counted(n.countAll)
	noteCount(env, n.id, r, count)
	if count >= r.Quorum {
		if n.kv {
			n.kvPassPhase(env, r)
			return
		}
		n.passPhase(env, r)
	}
}

// noteCount says how many responses r's phase has, and whose: "athens:
// r3 has 2/2 (athens, byzantium)". It is written at every response, so
// the few responders of a usual phase are arguments of their own rather
// than joined into a string first.
func noteCount(env engine.Env, id string, r *request, count int) {
	head := [4]engine.Arg{engine.S(id), engine.D(r.ID), engine.D(count), engine.D(r.Quorum)}
	switch f := r.From; len(f) {
	case 1:
		engine.Notef(env, "%s: r%d has %d/%d (%s)", head[0], head[1], head[2], head[3], engine.S(f[0]))
	case 2:
		engine.Notef(env, "%s: r%d has %d/%d (%s, %s)", head[0], head[1], head[2], head[3], engine.S(f[0]), engine.S(f[1]))
	case 3:
		engine.Notef(env, "%s: r%d has %d/%d (%s, %s, %s)", head[0], head[1], head[2], head[3], engine.S(f[0]), engine.S(f[1]), engine.S(f[2]))
	default:
		engine.Notef(env, "%s: r%d has %d/%d (%s)", head[0], head[1], head[2], head[3], engine.S(strings.Join(f, ", ")))
	}
}

// counted is how many responses the request's phase has, as the node
// counts them: distinct replicas, or (the broken variant) every response.
func (r *request) counted(countAll bool) int {
	if countAll {
		return len(r.From)
	}
	return distinct(r.From)
}

// passPhase moves a request on once a quorum answered its phase: a write
// or a write-back completes it; a read completes it too unless some
// replica held an older version, in which case the newest is written back
// first, so that no later read can return the older one.
func (n *Node) passPhase(env engine.Env, r *request) {
	n.closePhase(r)
	if r.Phase != phaseRead || !r.Stale {
		n.complete(env, r, Success)
		return
	}
	engine.Notef(env, "%s: r%d read %s=%s at %s, but a replica held an older version: writing it back first",
		engine.S(n.id), engine.D(r.ID), engine.S(r.Op.Key), engine.S(strconv.Quote(r.Value)), engine.S(r.Version.String()))
	r.Phase, r.From = phaseRepair, nil
	n.send(env, r, servers(env))
}

// closePhase records that r's phase passed, and who answered it.
func (n *Node) closePhase(r *request) {
	r.Done = append(r.Done, phaseDone{Phase: r.Phase, From: r.From, Quorum: r.Quorum})
	n.dropEntries(r)
}

// dropEntries takes a request's remaining messages off the list: answers
// to them will be late.
func (n *Node) dropEntries(r *request) {
	n.waiting.RemoveFunc(func(w kit.Waiting[CorrelationID, entry]) bool { return w.Value.Req == r })
}

// expireDue completes with Timeout every request whose deadline has come.
func (n *Node) expireDue(env engine.Env) {
	for i := 0; i < len(n.pending); {
		r := n.pending[i]
		if r.Deadline > n.now {
			i++
			continue
		}
		n.dropEntries(r)
		n.complete(env, r, Timeout) // removes r from pending
	}
}

// complete answers the client, once, and forgets the request.
func (n *Node) complete(env engine.Env, r *request, st Status) {
	r.Status = st
	r.Completions++
	if n.kv && r.Settings.Sloppy {
		sloppyTimer.Cancel(env, r.ID) // nothing left to stand in for
	}
	if i := slices.Index(n.pending, r); i >= 0 {
		n.pending = slices.Delete(n.pending, i, i+1)
	}
	if len(n.done) == keptDone {
		n.done = slices.Delete(n.done, 0, 1)
	}
	n.done = append(n.done, r)
	res := Result{Version: r.Version}
	if r.Op.Kind == opGet {
		res.Value, res.Read = r.Value, true
	}
	if st == Success {
		n.Completed++
		engine.Notef(env, "%s: r%d done: Success for %s's %s", engine.S(n.id), engine.D(r.ID), engine.S(r.Client), engine.S(r.Op.String()))
	} else {
		n.Timeouts++
		engine.Notef(env, "%s: r%d expired with %d/%d (%s): Timeout for %s's %s", engine.S(n.id), engine.D(r.ID),
			engine.D(r.counted(n.countAll)), engine.D(r.Quorum), engine.S(strings.Join(r.From, ", ")), engine.S(r.Client), engine.S(r.Op.String()))
	}
	env.Send(r.Client, ClientResponse{ID: r.OpID, Status: st, Result: res})
}
