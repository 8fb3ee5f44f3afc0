package replog

import (
	"slices"
	"time"

	"clusterscope/engine"
)

// Idempotent Receiver on the replicated log: a client registers a session
// (its id is the log index of the registration), tags each request with
// (session, request number) and the highest number below which it has
// every answer (ackedUpTo), and retries a request under the same number.
// The session table is part of the replicated state machine: every node
// builds it by applying the log, so a new leader knows every saved
// response. The mode is on only when the page declares a session TTL.

// Entry operations of the idempotent-receiver page.
const (
	opRegister = "register" // a client opens a session
	opIncr     = "incr"     // a non-idempotent command: counter Key goes up by one
	opExpire   = "expire"   // the leader's decision that session Session expired
)

// Broken variants of the Idempotent Receiver page.
const (
	// VarNoDedup runs every applied request, retries included.
	VarNoDedup = "no-dedup"
	// VarLeaderMemoryTable keeps the saved responses only in the leader's
	// memory: retries at the same leader are caught, a new leader runs them
	// again.
	VarLeaderMemoryTable = "session-table-in-leader-memory"
)

// ParamSessionTTL is how long a session lives without a heartbeat; a page
// that declares it runs the sessions.
const (
	ParamSessionTTL = "session-ttl-ms"
	defSessionTTL   = 2000
)

// sreq names one request: (session, request number).
type sreq struct{ session, req int }

// sessionRow is one row of the replicated session table.
type sessionRow struct {
	id     int
	client string
	saved  map[int]string // request number → the response it got
	acked  int            // the client has every answer up to here
	last   int            // log index of the session's latest entry
	lookup string         // what the last request of this session found
	state  engine.State
}

// applyRecord is what a node remembers of one request it applied: how
// many times it ran it, and the first response (for the invariants).
type applyRecord struct {
	runs  int
	first string
}

// sessionTable is a node's Idempotent Receiver state.
type sessionTable struct {
	ttl   time.Duration
	table map[int]*sessionRow
	ids   []int // the table's keys, sorted (iteration order)

	runs    map[sreq]*applyRecord
	recent  []sreq // the latest requests applied, oldest first (the chips)
	twice   *sreq  // the first request this node ran twice
	changed *sreq  // the first request answered with a different response
	hits    int    // retries answered from the table

	// The leader's memory: when it last heard each session, and the
	// expiries it has proposed. Reset when it starts leading a generation.
	heard    map[int]time.Duration
	expiring map[int]bool
	heardGen int
	// Under VarLeaderMemoryTable: saved responses and requests in flight,
	// only here.
	memory  map[sreq]string
	pending map[sreq]bool
}

const recentRequests = 8

func newSessionTable(env engine.Env) *sessionTable {
	ttl := env.Param(ParamSessionTTL, -1)
	if ttl <= 0 {
		return nil
	}
	return &sessionTable{ttl: ms(ttl), table: map[int]*sessionRow{}, runs: map[sreq]*applyRecord{},
		heard: map[int]time.Duration{}, expiring: map[int]bool{}, memory: map[sreq]string{}, pending: map[sreq]bool{}}
}

// onSessionMsg handles the page's client messages (and ignores any other).
func (n *Node) onSessionMsg(env engine.Env, from string, msg engine.Message) {
	s := n.sessions
	if s == nil {
		return
	}
	switch m := msg.(type) {
	case RegisterClient:
		if n.refuseUnlessLeader(env, from, m.ID) {
			return
		}
		n.propose(env, Entry{Gen: n.gen, Op: opRegister, Client: from, ReqID: m.ID})
	case SessionRequest:
		if n.refuseUnlessLeader(env, from, m.ReqNo) {
			return
		}
		n.leaderMemory()
		s.heard[m.Session] = n.now
		key := sreq{m.Session, m.ReqNo}
		if env.Variant(VarLeaderMemoryTable) {
			if v, ok := s.memory[key]; ok {
				s.hits++
				env.Note("%s finds %s's request #%d in its memory: answers %s again", n.id, from, m.ReqNo, v)
				env.Send(from, ClientResponse{ReqNo: m.ReqNo, Value: v})
				return
			}
			if s.pending[key] {
				return // the first copy is in the log; its answer will come
			}
			s.pending[key] = true
		}
		n.propose(env, Entry{Gen: n.gen, Op: opIncr, Key: m.Counter, Client: from, ReqID: m.ReqNo, Session: m.Session, Acked: m.AckedUpTo})
	case ClientHeartbeat:
		if n.role == Leader {
			n.leaderMemory()
			s.heard[m.Session] = n.now
			env.Send(from, HeartbeatAck{Session: m.Session})
		}
	}
}

// refuseUnlessLeader answers NotLeader (with a hint) when this node does
// not lead.
func (n *Node) refuseUnlessLeader(env engine.Env, from string, id int) bool {
	if n.role == Leader {
		return false
	}
	hint := n.leader
	if hint == n.id {
		hint = ""
	}
	env.Send(from, ClientResponse{ReqNo: id, NotLeader: true, Hint: hint})
	return true
}

// propose appends the leader's entry and replicates it.
func (n *Node) propose(env engine.Env, e Entry) {
	n.leaderAppend(env, e)
	n.match[n.self] = n.last()
	if len(n.all) == 1 {
		n.advanceHWM(env)
	}
	n.broadcast(env, false)
}

// leaderMemory starts the leader's memory afresh when it leads a new
// generation: every session gets a whole TTL from now (the old leader's
// heartbeats died with its memory).
func (n *Node) leaderMemory() {
	s := n.sessions
	if s.heardGen == n.gen {
		return
	}
	s.heardGen = n.gen
	clear(s.heard)
	clear(s.expiring)
	clear(s.pending) // entries of an older generation may be gone
	for _, id := range s.ids {
		s.heard[id] = n.now
	}
}

// expireSessions (the leader, on each heartbeat) proposes the expiry of
// every session it has not heard from within the TTL. The expiry takes
// effect when the entry is applied, on every node alike.
func (n *Node) expireSessions(env engine.Env) {
	s := n.sessions
	if s == nil || n.role != Leader {
		return
	}
	n.leaderMemory()
	s.ttl = ms(env.Param(ParamSessionTTL, defSessionTTL)) // a learner may change it during a run
	for _, id := range s.ids {
		if s.expiring[id] {
			continue
		}
		if _, ok := s.heard[id]; !ok {
			s.heard[id] = n.now
		}
		if n.now-s.heard[id] > s.ttl {
			s.expiring[id] = true
			env.Note("%s has heard nothing of session %d (%s) for %v: it proposes the expiry", n.id, id, s.table[id].client, s.ttl)
			n.propose(env, Entry{Gen: n.gen, Op: opExpire, Session: id})
		}
	}
}

// applySession applies a session entry at index n.applied (any other
// entry is not the sessions' business).
func (n *Node) applySession(env engine.Env, e Entry) {
	s := n.sessions
	if s == nil {
		return
	}
	leader := n.role == Leader
	switch e.Op {
	case opRegister:
		id := n.applied
		s.table[id] = &sessionRow{id: id, client: e.Client, saved: map[int]string{}, last: id}
		i, _ := slices.BinarySearch(s.ids, id)
		s.ids = slices.Insert(s.ids, i, id)
		if leader {
			n.leaderMemory()
			s.heard[id] = n.now
			env.Note("%s registers %s: session %d (the registration's log index)", n.id, e.Client, id)
			env.Send(e.Client, RegisterClientResponse{ID: e.ReqID, Session: id})
		}
	case opExpire:
		if t, ok := s.table[e.Session]; ok {
			delete(s.table, e.Session)
			i, _ := slices.BinarySearch(s.ids, e.Session)
			s.ids = slices.Delete(s.ids, i, i+1)
			if leader {
				env.Note("session %d (%s) expires on every node that applies entry %d: its saved responses are gone", e.Session, t.client, n.applied)
			}
		}
		delete(s.expiring, e.Session)
		delete(s.heard, e.Session)
		for k := range s.runs { // no request of the session can run again: keep the checker's memory bounded
			if k.session == e.Session && (s.twice == nil || *s.twice != k) && (s.changed == nil || *s.changed != k) {
				delete(s.runs, k)
			}
		}
		s.recent = slices.DeleteFunc(s.recent, func(k sreq) bool { return s.runs[k] == nil })
	case opIncr:
		n.applyIncr(env, e, leader)
	}
}

// applyIncr runs or answers one request.
func (n *Node) applyIncr(env engine.Env, e Entry, leader bool) {
	s := n.sessions
	key := sreq{e.Session, e.ReqID}
	t := s.table[e.Session]
	if t == nil {
		if leader {
			env.Note("%s refuses %s's request #%d: session %d has expired, so whether it already ran is not known here", n.id, e.Client, e.ReqID, e.Session)
			env.Send(e.Client, ClientResponse{ReqNo: e.ReqID, Expired: true})
		}
		return
	}
	t.last = n.applied
	dedup := !env.Variant(VarNoDedup) && !env.Variant(VarLeaderMemoryTable)
	if e.Acked > t.acked {
		t.acked = e.Acked
		for r := range t.saved {
			if r <= t.acked {
				delete(t.saved, r)
			}
		}
	}
	if dedup && e.ReqID <= t.acked {
		t.lookup, t.state = "#"+itoa(e.ReqID)+" acked", engine.StateInactive
		return // the client has its answer and said so: a stale copy
	}
	if v, ok := t.saved[e.ReqID]; ok && dedup {
		s.hits++
		t.lookup, t.state = "hit #"+itoa(e.ReqID), engine.StateOK
		if leader {
			env.Note("%s finds %s's request #%d in session %d's table: answers %s again, does not run it", n.id, e.Client, e.ReqID, e.Session, v)
			env.Send(e.Client, ClientResponse{ReqNo: e.ReqID, Value: v})
		}
		return
	}
	v := itoa(counterValue(n.kv[e.Key]) + 1)
	n.kv[e.Key] = v
	rec := s.runs[key]
	if rec == nil {
		rec = &applyRecord{first: v}
		s.runs[key] = rec
		if len(s.recent) == recentRequests {
			s.recent = append(s.recent[:0], s.recent[1:]...)
		}
		s.recent = append(s.recent, key)
	}
	rec.runs++
	if rec.runs > 1 && s.twice == nil {
		s.twice = &key
	}
	if v != rec.first && s.changed == nil {
		s.changed = &key
	}
	t.lookup, t.state = "miss #"+itoa(e.ReqID), engine.StatePending
	if dedup {
		t.saved[e.ReqID] = v
	}
	if leader {
		if env.Variant(VarLeaderMemoryTable) {
			n.leaderMemory()
			s.memory[key] = v
			delete(s.pending, key)
		}
		if rec.runs > 1 {
			env.Note("%s runs %s's request #%d again (run %d): %s = %s", n.id, e.Client, e.ReqID, rec.runs, e.Key, v)
		} else {
			env.Note("%s runs %s's request #%d: %s = %s", n.id, e.Client, e.ReqID, e.Key, v)
		}
		env.Send(e.Client, ClientResponse{ReqNo: e.ReqID, Value: v})
	}
}

func counterValue(s string) int {
	v := 0
	for _, c := range s {
		v = v*10 + int(c-'0')
	}
	return v
}

// sessionText is a session entry as a log cell shows it ("no-op" for a
// no-op).
func (e Entry) sessionText() string {
	switch e.Op {
	case opRegister:
		return "register " + e.Client
	case opIncr:
		return e.Client + " #" + itoa(e.ReqID) + " " + e.Key + "++"
	case opExpire:
		return "expire s" + itoa(e.Session)
	}
	return "no-op"
}
