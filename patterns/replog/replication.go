package replog

import "clusterscope/engine"

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
	var entries []Entry
	if next <= end {
		entries = n.log[next-1 : end : end]
	}
	n.busy[i] = true
	env.Send(p, ReplicationRequest{Gen: n.gen, PrevIndex: next - 1, PrevGen: n.genAt(next - 1), Entries: entries, HWM: n.hwm})
}

func (n *Node) onReplicate(env engine.Env, from string, m ReplicationRequest) {
	if m.Gen < n.gen && !env.Variant(VarIgnoreGeneration) {
		env.Note("%s refuses %s: generation %d < %d", n.id, from, m.Gen, n.gen)
		env.Send(from, ReplicationResponse{Gen: n.gen, Success: false, Match: len(n.log)})
		return
	}
	if m.Gen != n.gen || n.role != Follower {
		wasLeader := n.role == Leader
		if m.Gen != n.gen {
			n.gen, n.votedFor = m.Gen, ""
			n.persist(env)
		}
		n.role = Follower
		if wasLeader {
			env.CancelTimer(timerHeartbeat)
		}
	}
	n.leader = from
	n.lastHeard = n.now
	n.resetElection(env)

	if m.PrevIndex > len(n.log) || n.genAt(m.PrevIndex) != m.PrevGen {
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
		n.becomeFollower(env, m.Gen)
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
	if n.log[c-1].Gen != n.gen && !env.Variant(VarCommitByCounting) {
		return // an older generation's entry: wait for one of ours above it
	}
	n.hwm = c
	n.apply(env)
}
