package replog

import (
	"fmt"

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
	next := n.next[i]
	if next < 1 {
		next = 1
	}
	if next > len(n.log)+1 {
		next = len(n.log) + 1
	}
	end := len(n.log)
	if end-next+1 > maxBatch {
		end = next - 1 + maxBatch
	}
	if next <= end && n.log[next-1].Gen != n.gen {
		// Entries of earlier generations go in a message of their own,
		// before this generation's (the election no-op): a learner sees
		// them reach a majority without committing.
		for end > next && n.log[end-1].Gen == n.gen {
			end--
		}
	}
	var entries []Entry
	if next <= end {
		entries = n.log[next-1 : end : end]
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
		env.Send(from, ReplicationResponse{Gen: n.gen, Success: false, Match: len(n.log)})
		return
	}
	if !stale {
		if m.Gen != n.gen || n.role != Follower {
			wasLeader := n.role == Leader
			if m.Gen != n.gen {
				n.gen, n.votedFor = m.Gen, ""
				n.persist(env)
			}
			n.role = Follower
			if wasLeader {
				env.CancelTimer(timerHeartbeat)
				env.Note("%s steps down: %s leads generation %d", n.id, from, m.Gen)
			}
		}
		n.leader = from
		n.lastHeard = n.now
		n.resetElection(env)
	}

	if m.PrevIndex > len(n.log) || n.genAt(m.PrevIndex) != m.PrevGen {
		// The walk back (Raft figure 7) is told by these refusals: the
		// leader steps back one entry per answer until the logs match.
		if m.PrevIndex > len(n.log) {
			env.Note("%s refuses %s's entries: it has no index %d", n.id, from, m.PrevIndex)
		} else {
			env.Note("%s refuses %s's entries: its index %d is of generation %d, not %d", n.id, from, m.PrevIndex, n.genAt(m.PrevIndex), m.PrevGen)
		}
		env.Send(from, ReplicationResponse{Gen: n.gen, Success: false, Match: min(len(n.log), m.PrevIndex-1)})
		return
	}
	wrote := false
	for j, e := range m.Entries {
		idx := m.PrevIndex + 1 + j
		if idx <= len(n.log) {
			if n.log[idx-1].Gen == e.Gen {
				continue
			}
			env.Note("%s truncates its log after index %d: its entry %d (gen %d) conflicts with %s's (gen %d)", n.id, idx-1, idx, n.log[idx-1].Gen, from, e.Gen)
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
	m.Match = min(m.Match, len(n.log))
	if m.Success {
		if m.Match > n.match[i] {
			n.match[i] = m.Match
		}
		if n.next[i] < m.Match+1 {
			n.next[i] = m.Match + 1
		}
		n.advanceHWM(env)
	} else {
		n.next[i] = max(n.match[i]+1, min(n.next[i]-1, m.Match+1))
	}
	if n.next[i] <= len(n.log) {
		n.sendTo(env, i, from)
	}
}

// advanceHWM moves the high-water mark to the highest index a quorum holds:
// with the match indexes sorted ascending, the element at N − quorum.
func (n *Node) advanceHWM(env engine.Env) {
	n.match[n.self] = len(n.log)
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
	if c <= n.hwm || c > len(n.log) {
		return
	}
	holders := 0
	for _, m := range s {
		if m >= c {
			holders++
		}
	}
	if n.log[c-1].Gen != n.gen && !env.Variant(VarCommitByCounting) {
		// An older generation's entry: wait for one of ours above it.
		if c != n.heldBack {
			n.heldBack = c
			env.Note("%s holds its high-water mark at %d: entry %d is on %d of %d nodes but of generation %d, and only an entry of its own generation %d commits by counting",
				n.id, n.hwm, c, holders, len(s), n.log[c-1].Gen, n.gen)
		}
		return
	}
	n.setMark(env, c, fmt.Sprintf("entry %d is on %d of %d nodes", c, holders, len(s)))
}

// setMark advances the high-water mark to c and applies what it covers.
func (n *Node) setMark(env engine.Env, c int, why string) {
	env.Note("%s's high-water mark moves from %d to %d: %s", n.id, n.hwm, c, why)
	n.hwm = c
	n.apply(env)
}
