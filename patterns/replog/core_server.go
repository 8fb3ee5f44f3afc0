package replog

import (
	"time"

	"clusterscope/engine"
)

// A core node's part of the Consistent Core beyond the replicated log:
// writes go through the log into the tree (core_tree.go); reads and lease
// keep-alives are answered by the leader from its own state, but only
// after a round of LeaderCheck messages shows a majority still follows it
// (Raft's ReadIndex): a leader cut off from the majority may have been
// replaced without knowing it, and its state may be stale. The leader also
// watches the leases: one whose holder went quiet for its TTL expires by a
// log entry, so every core node deletes its keys at the same index.

// VarReadsNoCheck is the Consistent Core's broken variant: the leader
// answers reads and keep-alives from its own state at once.
const VarReadsNoCheck = "reads-without-leadership-check"

// RoleCore and RoleData are the Consistent Core page's server roles.
const (
	RoleCore engine.Role = "core"
	RoleData engine.Role = "data"
)

// ParamLeaseTTL is the time to live of a data node's lease.
const (
	ParamLeaseTTL = "lease-ttl-ms"
	defLeaseTTL   = 1000
)

// waitingRead is a read or keep-alive the leader holds until a leadership
// check that started after it arrived has confirmed the leader.
type waitingRead struct {
	from  string
	req   CoreRequest
	ka    *KeepAlive
	round int           // the first round that may confirm it
	at    time.Duration // monotonic time it arrived
}

// coreServer is a core node's Consistent Core state: the replicated tree,
// and the leader's volatile memory (checks in flight, leases last heard).
type coreServer struct {
	tree *coreTree

	round, confirmed int    // leadership checks started and confirmed
	checking         bool   // a round is out
	acks             []bool // by position in all, for the round out
	waiting          []waitingRead

	heard    map[int]time.Duration // lease → monotonic time last kept alive (leader only)
	expiring map[int]bool          // expiries proposed, not yet applied
	heardGen int                   // the generation heard was started for
	mono     time.Duration         // monotonic time of the last event (the view's clock)

	answered, refusedStale int // reads answered; checks that showed this node was deposed

	watch *watchServer // watches and the event history, on the State Watch page (watch_server.go; nil elsewhere)
}

func newCoreServer(k int) *coreServer {
	return &coreServer{tree: newCoreTree(), acks: make([]bool, k), heard: map[int]time.Duration{}, expiring: map[int]bool{}}
}

func newCoreNode(id string) *Node { return &Node{id: id, coreOn: true} }

// onCoreMsg handles the Consistent Core's messages (and ignores others).
func (n *Node) onCoreMsg(env engine.Env, from string, msg engine.Message) {
	switch m := msg.(type) {
	case CoreRequest:
		n.onCoreRequest(env, from, m)
	case KeepAlive:
		if n.role != Leader {
			env.Send(from, KeepAliveReply{Lease: m.Lease, Seq: m.Seq, NotLeader: true, Hint: n.hint()})
			return
		}
		n.coreRead(env, waitingRead{from: from, ka: &m})
	case LeaderCheck:
		if m.Gen < n.gen {
			engine.Notef(env, "%s tells %s it no longer leads: generation %d is behind its own %d", engine.S(n.id), engine.S(from), engine.D(m.Gen), engine.D(n.gen))
		} else {
			n.follow(env, from, m.Gen)
		}
		env.Send(from, LeaderCheckAck{Gen: n.gen, Round: m.Round})
	case LeaderCheckAck:
		n.onCheckAck(env, from, m)
	}
}

func (n *Node) hint() string {
	if n.leader == n.id {
		return ""
	}
	return n.leader
}

func (n *Node) onCoreRequest(env engine.Env, from string, m CoreRequest) {
	if n.role != Leader {
		env.Send(from, CoreReply{ID: m.ID, NotLeader: true, Hint: n.hint()})
		return
	}
	c := n.core
	switch m.Op {
	case coreGet, corePrefix:
		n.coreRead(env, waitingRead{from: from, req: m})
		return
	case coreSet, coreCAS, coreGrant, coreDelete:
	default:
		return
	}
	if r, ok := c.tree.savedFor(from, m.ID); ok {
		engine.Notef(env, "%s has already applied %s's request #%d: it answers again without applying it twice", engine.S(n.id), engine.S(from), engine.D(m.ID))
		env.Send(from, r)
		return
	}
	n.propose(env, Entry{Gen: n.gen, Op: m.Op, Key: m.Key, Value: m.Value, Expected: m.Expected,
		Session: m.Lease, Amount: m.TTL, Client: from, ReqID: m.ID})
}

// coreRead answers a read or keep-alive once leadership is confirmed (at
// once under the broken variant).
func (n *Node) coreRead(env engine.Env, w waitingRead) {
	c := n.core
	w.at = env.Monotonic()
	if env.Variant(VarReadsNoCheck) {
		n.answerRead(env, w)
		return
	}
	w.round = c.round + 1
	c.waiting = append(c.waiting, w)
	if !c.checking {
		n.startCheck(env)
	}
}

// startCheck sends a LeaderCheck round to every other core node.
func (n *Node) startCheck(env engine.Env) {
	c := n.core
	c.round++
	c.checking = true
	for i := range c.acks {
		c.acks[i] = i == n.self
	}
	if len(n.all) == 1 {
		n.confirm(env)
		return
	}
	for _, p := range n.others {
		env.Send(p, LeaderCheck{Gen: n.gen, Round: c.round})
	}
}

func (n *Node) onCheckAck(env engine.Env, from string, m LeaderCheckAck) {
	c := n.core
	if m.Gen > n.gen {
		c.refusedStale++
		n.becomeFollower(env, m.Gen, from+"'s answer to its leadership check")
		n.resetElection(env)
		n.refuseWaiting(env)
		return
	}
	if n.role != Leader || m.Gen != n.gen || !c.checking || m.Round != c.round {
		return
	}
	c.acks[n.pos(from)] = true
	got := 0
	for _, a := range c.acks {
		if a {
			got++
		}
	}
	if got >= n.quorum(env) {
		n.confirm(env)
	}
}

// confirm: a majority follows this leader in the round out; the reads that
// waited for it can be answered.
func (n *Node) confirm(env engine.Env) {
	c := n.core
	c.confirmed, c.checking = c.round, false
	n.serveCoreReads(env)
}

// serveCoreReads answers the waiting reads a confirmed round covers, once
// this leader has committed an entry of its own generation (before that
// its state may lack entries an earlier leader committed).
func (n *Node) serveCoreReads(env engine.Env) {
	c := n.core
	if c == nil || len(c.waiting) == 0 {
		return
	}
	if n.role != Leader {
		n.refuseWaiting(env)
		return
	}
	if n.hwm <= n.base || n.genAt(n.hwm) != n.gen {
		return // its election no-op has not committed yet
	}
	kept := c.waiting[:0]
	for _, w := range c.waiting {
		if w.round <= c.confirmed {
			n.answerRead(env, w)
		} else {
			kept = append(kept, w)
		}
	}
	clear(c.waiting[len(kept):])
	c.waiting = kept
	if len(kept) > 0 && !c.checking {
		n.startCheck(env)
	}
}

// answerRead answers w from this node's own state.
func (n *Node) answerRead(env engine.Env, w waitingRead) {
	c := n.core
	c.answered++
	if w.ka != nil {
		l := c.tree.leases[w.ka.Lease]
		ok := l != nil && !c.expiring[w.ka.Lease]
		if ok {
			n.leaseMemory(env)
			c.heard[w.ka.Lease] = max(c.heard[w.ka.Lease], w.at)
		}
		env.Send(w.from, KeepAliveReply{Lease: w.ka.Lease, Seq: w.ka.Seq, OK: ok})
		return
	}
	r := CoreReply{ID: w.req.ID, OK: true}
	if w.req.Op == corePrefix {
		r.Value = c.tree.prefix(w.req.Key)
	} else {
		r.Value, r.Lease = c.tree.get(w.req.Key)
	}
	env.Send(w.from, r)
}

// refuseWaiting tells every waiting reader this node no longer leads.
func (n *Node) refuseWaiting(env engine.Env) {
	c := n.core
	for _, w := range c.waiting {
		if w.ka != nil {
			env.Send(w.from, KeepAliveReply{Lease: w.ka.Lease, Seq: w.ka.Seq, NotLeader: true, Hint: n.hint()})
		} else {
			env.Send(w.from, CoreReply{ID: w.req.ID, NotLeader: true, Hint: n.hint()})
		}
	}
	clear(c.waiting)
	c.waiting = c.waiting[:0]
	c.checking = false
}

// leaseMemory starts the leader's memory of keep-alives afresh when it
// leads a new generation: every lease gets a whole TTL from now (what the
// old leader heard died with its leadership).
func (n *Node) leaseMemory(env engine.Env) {
	c := n.core
	if c.heardGen == n.gen {
		return
	}
	c.heardGen = n.gen
	clear(c.heard)
	clear(c.expiring)
	now := env.Monotonic()
	for _, id := range c.tree.leaseIDs {
		c.heard[id] = now
	}
}

// coreTick runs at each heartbeat: a leader re-asks the followers that
// have not answered its check (a lost message must not hold reads for
// ever) and proposes the expiry of every lease not kept alive within its
// TTL; a node that no longer leads refuses what waited.
func (n *Node) coreTick(env engine.Env) {
	c := n.core
	if n.role != Leader {
		n.refuseWaiting(env)
		return
	}
	if c.checking {
		for i, p := range n.all {
			if !c.acks[i] {
				env.Send(p, LeaderCheck{Gen: n.gen, Round: c.round})
			}
		}
	}
	n.leaseMemory(env)
	now := env.Monotonic()
	for _, id := range c.tree.leaseIDs {
		l := c.tree.leases[id]
		if c.expiring[id] {
			continue
		}
		if _, ok := c.heard[id]; !ok {
			c.heard[id] = now
		}
		if quiet := now - c.heard[id]; quiet > l.ttl {
			c.expiring[id] = true
			op := env.Invoke(CoreInput{Op: coreExpire, Lease: id})
			engine.Notef(env, "%s has heard nothing from %s for %v, past lease %d's TTL %v: it proposes the expiry", engine.S(n.id), engine.S(l.holder),
				engine.S(quiet.Round(time.Millisecond).String()), engine.D(id), engine.S(l.ttl.String()))
			n.propose(env, Entry{Gen: n.gen, Op: coreExpire, Session: id, ReqID: op})
		}
	}
}

// applyCore applies a committed entry to the tree; the leader tells the
// story and answers the request.
func (n *Node) applyCore(env engine.Env, e Entry) {
	c := n.core
	if c == nil {
		return
	}
	r, dup := c.tree.apply(e, n.applied)
	n.watchApplied(env, e, r, dup)
	if n.role != Leader || e.Op == opNoop {
		if e.Op == coreExpire {
			delete(c.expiring, e.Session)
		}
		return
	}
	switch {
	case dup && e.Client != "":
		engine.Notef(env, "%s finds %s's request #%d already applied: a retry, answered without applying it twice", engine.S(n.id), engine.S(e.Client), engine.D(e.ReqID))
	case e.Op == coreGrant:
		n.leaseMemory(env)
		c.heard[n.applied] = env.Monotonic()
		engine.Notef(env, "%s grants %s lease %d (TTL %v)", engine.S(n.id), engine.S(e.Key), engine.D(n.applied), engine.S(ms(e.Amount).String()))
	case e.Op == coreExpire:
		delete(c.expiring, e.Session)
		delete(c.heard, e.Session)
		if r.Value != "" {
			engine.Notef(env, "lease %d expires at index %d: every core node deletes %s", engine.D(e.Session), engine.D(n.applied), engine.S(r.Value))
		} else {
			engine.Notef(env, "lease %d expires at index %d", engine.D(e.Session), engine.D(n.applied))
		}
		env.Complete(e.ReqID, CoreOutput{OK: true}, engine.OpOK)
		return
	case r.Err != "":
		engine.Notef(env, "%s refuses %s's %s of %s: %s", engine.S(n.id), engine.S(e.Client), engine.S(e.Op), engine.S(e.Key), engine.S(r.Err))
	case e.Op == coreCAS && r.OK:
		engine.Notef(env, "%s's compare-and-set wins: %s was %s, now %s", engine.S(e.Client), engine.S(e.Key), engine.S(quoteEmpty(e.Expected)), engine.S(e.Value))
	case e.Op == coreCAS:
		engine.Notef(env, "%s's compare-and-set on %s fails: it holds %s", engine.S(e.Client), engine.S(e.Key), engine.S(quoteEmpty(r.Value)))
	}
	if e.Client != "" {
		env.Send(e.Client, r)
	}
}
