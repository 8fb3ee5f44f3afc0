package replog

import (
	"clusterscope/engine"
)

// Replication: the leader sends each follower what it lacks and moves the
// high-water mark to what a quorum holds.

// broadcast sends each follower what it lacks; with force it also sends to
// followers with a request outstanding (the heartbeat, which also retries
// lost messages).
func (n *Node) broadcast(env engine.Env, force bool) {
	for i, p := range n.all {
		if i == n.self || (n.busy[i] && !force) {
			continue
		}
		n.sendTo(env, i, p)
	}
}

func (n *Node) sendTo(env engine.Env, i int, p string) {
	next := max(n.next[i], 1)
	if next <= n.base {
		n.sendSnapshot(env, i, p)
		return
	}
	next = min(next, n.last()+1)
	end := n.last()
	if end-next+1 > maxBatch {
		end = next - 1 + maxBatch
	}
	if next <= end && n.entry(next).Gen != n.gen {
		// Entries of earlier generations go in a message of their own,
		// before this generation's (the election no-op): a learner sees
		// them reach a majority without committing.
		for end > next && n.entry(end).Gen == n.gen {
			end--
		}
	}
	var entries []Entry
	if next <= end {
		entries = n.log[next-n.base-1 : end-n.base : end-n.base]
	}
	n.busy[i] = true
	env.Send(p, ReplicationRequest{Gen: n.gen, PrevIndex: next - 1, PrevGen: n.genAt(next - 1), Entries: entries, HWM: n.hwm})
}

func (n *Node) onReplicate(env engine.Env, from string, m ReplicationRequest) {
	// Under the broken variant a follower takes a stale leader's entries
	// as if they were current (it keeps its own generation and vote).
	stale := m.Gen < n.gen
	if stale && !(env.Variant(VarIgnoreGeneration) && n.role == Follower) {
		env.Note("%s refuses %s: generation %d < %d", n.id, from, m.Gen, n.gen)
		env.Send(from, ReplicationResponse{Gen: n.gen, Success: false, Match: n.last()})
		return
	}
	if !stale {
		n.follow(env, from, m.Gen)
	}
	if m.PrevIndex < n.base {
		// Entries up to the low-water mark are committed and cleaned here:
		// they agree with any leader's. Skip them.
		skip := min(n.base-m.PrevIndex, len(m.Entries))
		m.Entries = m.Entries[skip:]
		m.PrevIndex += skip
		if m.PrevIndex < n.base {
			env.Send(from, ReplicationResponse{Gen: n.gen, Success: true, Match: m.PrevIndex})
			return
		}
		m.PrevGen = n.baseGen
	}

	if m.PrevIndex > n.last() || n.genAt(m.PrevIndex) != m.PrevGen {
		// The walk back (Raft figure 7) is told by these refusals: the
		// leader steps back one entry per answer until the logs match.
		if m.PrevIndex > n.last() {
			env.Note("%s refuses %s's entries: it has no index %d", n.id, from, m.PrevIndex)
		} else {
			env.Note("%s refuses %s's entries: its index %d is of generation %d, not %d", n.id, from, m.PrevIndex, n.genAt(m.PrevIndex), m.PrevGen)
		}
		env.Send(from, ReplicationResponse{Gen: n.gen, Success: false, Match: min(n.last(), m.PrevIndex-1)})
		return
	}
	wrote := false
	for j, e := range m.Entries {
		idx := m.PrevIndex + 1 + j
		if idx <= n.last() {
			if n.entry(idx).Gen == e.Gen {
				continue
			}
			env.Note("%s truncates its log after index %d: its entry %d (gen %d) conflicts with %s's (gen %d)", n.id, idx-1, idx, n.entry(idx).Gen, from, e.Gen)
			n.truncate(env, idx-1)
		}
		n.appendEntry(env, e)
		wrote = true
	}
	if wrote {
		env.Storage().Sync()
	}
	last := m.PrevIndex + len(m.Entries)
	if c := min(m.HWM, last); c > n.hwm {
		n.hwm = c
		n.apply(env)
	}
	env.Send(from, ReplicationResponse{Gen: n.gen, Success: true, Match: last})
}

// follow makes this node a follower of from, the leader of generation gen
// (≥ its own).
func (n *Node) follow(env engine.Env, from string, gen int) {
	if gen != n.gen || n.role != Follower {
		wasLeader := n.role == Leader
		if gen != n.gen {
			n.gen, n.votedFor = gen, ""
			n.persist(env)
		}
		n.role = Follower
		if wasLeader {
			env.CancelTimer(timerHeartbeat)
			env.Note("%s steps down: %s leads generation %d", n.id, from, gen)
		}
	}
	n.leader = from
	n.lastHeard = n.now
	n.resetElection(env)
}

func (n *Node) onReplicated(env engine.Env, from string, m ReplicationResponse) {
	if m.Gen > n.gen {
		n.becomeFollower(env, m.Gen, from+"'s answer")
		n.resetElection(env)
		return
	}
	if n.role != Leader || m.Gen != n.gen {
		return
	}
	i := n.pos(from)
	n.busy[i] = false
	n.lastAck[i] = n.now
	// A stale answer can only come from a broken variant that let this
	// node lead the same generation twice; never trust it past our log.
	m.Match = min(m.Match, n.last())
	if m.Success {
		n.stuck[i] = false
		if m.Match > n.match[i] {
			n.match[i] = m.Match
		}
		if n.next[i] < m.Match+1 {
			n.next[i] = m.Match + 1
		}
		n.advanceHWM(env)
	} else {
		n.next[i] = max(n.match[i]+1, min(n.next[i]-1, m.Match+1))
		if n.next[i] <= n.base && n.stuck[i] {
			return // nothing to send it but the next heartbeat
		}
	}
	if n.next[i] <= n.last() {
		n.sendTo(env, i, from)
	}
}

// advanceHWM moves the high-water mark to the highest index a quorum holds:
// with the match indexes sorted ascending, the element at N − quorum.
func (n *Node) advanceHWM(env engine.Env) {
	n.match[n.self] = n.last()
	s := n.sorted[:len(n.match)]
	copy(s, n.match)
	for i := 1; i < len(s); i++ { // insertion sort: N ≤ 7
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	q := n.quorum(env)
	n.q = q
	if q < 1 || q > len(s) {
		return
	}
	c := s[len(s)-q]
	if c <= n.hwm || c > n.last() {
		return
	}
	holders := 0
	for _, m := range s {
		if m >= c {
			holders++
		}
	}
	if n.entry(c).Gen != n.gen && !env.Variant(VarCommitByCounting) {
		// An older generation's entry: wait for one of ours above it.
		if c != n.heldBack {
			n.heldBack = c
			env.Note("%s holds its high-water mark at %d: entry %d is on %d of %d nodes but of generation %d, and only an entry of its own generation %d commits by counting",
				n.id, n.hwm, c, holders, len(s), n.entry(c).Gen, n.gen)
		}
		return
	}
	// Notef, not Note and a Sprintf: a mark moves at nearly every commit.
	engine.Notef(env, "%s's high-water mark moves from %d to %d: entry %d is on %d of %d nodes",
		engine.S(n.id), engine.D(n.hwm), engine.D(c), engine.D(c), engine.D(holders), engine.D(len(s)))
	n.setMark(env, c)
}

// setMark advances the high-water mark to c and applies what it covers;
// the caller has noted why.
func (n *Node) setMark(env engine.Env, c int) {
	n.hwm = c
	n.apply(env)
}
