package replog

import (
	"time"

	"clusterscope/engine"
)

// Elections: the election timer, votes, and taking or giving up the lead.

func (n *Node) resetElection(env engine.Env) {
	lo, hi := env.Param(ParamElectionMin, defElectionMin), env.Param(ParamElectionMax, defElectionMax)
	if hi < lo {
		hi = lo
	}
	d := ms(lo)
	if hi > lo {
		d += time.Duration(env.Rand().Int64N(int64(ms(hi - lo))))
	}
	if env.Variant(VarSameTimeout) {
		// Nodes that start (or time out) together time out together again.
		d = ms(lo)
	}
	if env.Variant(VarShortTimeout) {
		// Shorter than the heartbeat interval: a follower gives up on a
		// healthy leader before its next heartbeat can arrive.
		iv := n.interval(env)
		d = iv/2 + time.Duration(env.Rand().Int64N(int64(iv/4)+1))
	}
	n.timeout = d
	env.SetTimer(timerElection, d)
}

// becomeFollower moves to generation gen, which why (a message from a
// node) revealed.
func (n *Node) becomeFollower(env engine.Env, gen int, why string) {
	wasLeader := n.role == Leader
	if gen != n.gen {
		n.gen, n.votedFor = gen, ""
		n.persist(env)
	}
	n.role = Follower
	n.leader = ""
	if wasLeader {
		env.CancelTimer(timerHeartbeat)
		env.Note("%s steps down: %s carries generation %d, above its own", n.id, why, gen)
		n.resetElection(env)
	}
}

func (n *Node) startElection(env engine.Env) {
	if n.role == Leader {
		env.CancelTimer(timerHeartbeat)
	}
	n.gen++
	n.votedFor = n.id
	n.persist(env)
	n.role = Candidate
	n.leader = ""
	for i := range n.votes {
		n.votes[i] = false
	}
	n.votes[n.self] = true
	env.Note("%s starts an election for generation %d", n.id, n.gen)
	n.resetElection(env)
	n.q = n.quorum(env)
	if n.countVotes() >= n.q {
		n.becomeLeader(env)
		return
	}
	req := VoteRequest{Gen: n.gen, LastIndex: n.last(), LastGen: n.lastGen()}
	for _, p := range n.others {
		env.Send(p, req)
	}
}

func (n *Node) countVotes() int {
	c := 0
	for _, v := range n.votes {
		if v {
			c++
		}
	}
	return c
}

func (n *Node) onVoteRequest(env engine.Env, from string, m VoteRequest) {
	if m.Gen > n.gen {
		n.becomeFollower(env, m.Gen, from+"'s vote request")
	}
	upToDate := m.LastGen > n.lastGen() || (m.LastGen == n.lastGen() && m.LastIndex >= n.last())
	// A node that already follows a leader of this generation refuses too:
	// the generation is decided, and a granted vote would restart its
	// timer while the leader it follows may be dead.
	free := (n.votedFor == "" || n.votedFor == from) && n.leader == ""
	grant := m.Gen == n.gen && free && (upToDate || env.Variant(VarNoUpToDateCheck))
	switch {
	case grant:
		env.Note("%s votes for %s in generation %d", n.id, from, n.gen)
	case m.Gen < n.gen:
		env.Note("%s refuses %s its vote: generation %d is older than its own %d", n.id, from, m.Gen, n.gen)
	case n.votedFor != "" && n.votedFor != from:
		env.Note("%s refuses %s its vote: it already voted for %s in generation %d", n.id, from, n.votedFor, n.gen)
	case n.leader != "":
		env.Note("%s refuses %s its vote: it follows %s, the leader of generation %d", n.id, from, n.leader, n.gen)
	default:
		env.Note("%s refuses %s its vote: its own log (last %d, gen %d) is more up to date than %s's (last %d, gen %d)",
			n.id, from, n.last(), n.lastGen(), from, m.LastIndex, m.LastGen)
	}
	if grant {
		if n.votedFor != from {
			n.votedFor = from
			n.persist(env)
		}
		n.resetElection(env)
	}
	env.Send(from, VoteResponse{Gen: n.gen, Granted: grant})
}

func (n *Node) onVote(env engine.Env, from string, m VoteResponse) {
	if m.Gen > n.gen {
		n.becomeFollower(env, m.Gen, from+"'s vote")
		n.resetElection(env)
		return
	}
	if n.role != Candidate || m.Gen != n.gen || !m.Granted {
		return
	}
	n.votes[n.pos(from)] = true
	if n.countVotes() >= n.quorum(env) {
		n.becomeLeader(env)
	}
}

func (n *Node) pos(id string) int {
	for i, p := range n.all {
		if p == id {
			return i
		}
	}
	return 0
}

func (n *Node) becomeLeader(env engine.Env) {
	n.role = Leader
	n.leader = n.id
	env.CancelTimer(timerElection)
	n.heldBack = 0
	env.Note("%s becomes leader of generation %d", n.id, n.gen)
	if !env.Variant(VarSkipElectionNoop) {
		// Entries of earlier generations commit only under one of ours.
		n.leaderAppend(env, Entry{Gen: n.gen, Op: opNoop})
	}
	// The first message to each follower is a heartbeat after the no-op:
	// the follower's answer says what it holds, the older entries it lacks
	// follow, and the no-op last, in a message of its own (sendTo).
	for i := range n.all {
		n.next[i] = n.last() + 1
		n.match[i] = 0
		n.busy[i], n.stuck[i] = false, false
		n.lastAck[i] = n.now
	}
	n.match[n.self] = n.last()
	n.advanceHWM(env)
	n.broadcast(env, true)
	env.SetTimer(timerHeartbeat, n.interval(env))
}
