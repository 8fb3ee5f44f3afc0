// Package replog is the Raft-like replicated-log cluster (mechanism E2) that
// serves the Leader and Followers, HeartBeat, Generation Clock, Majority
// Quorum, High-Water Mark and Replicated Log pages. Each page is the same
// cluster with its own emphasis, broken variants and invariants (pages.go).
//
// Clients talk to the node they believe leads; a follower answers
// NotLeader with a hint and the client retries there (no forwarding), which
// keeps every hop visible in the space-time diagram. Without a hint, or
// without any answer, the client tries the next server in turn.
package replog

import (
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Roles.
const (
	Follower  = "follower"
	Candidate = "candidate"
	Leader    = "leader"
)

// Broken variants. Each removes or weakens one piece of the mechanism.
const (
	// VarForgetVote keeps votedFor only in memory: a restarted node can
	// vote a second time in the same generation.
	VarForgetVote = "forget-vote-on-restart"
	// VarShortTimeout makes the election timeout shorter than the heartbeat
	// interval: followers suspect a healthy leader again and again.
	VarShortTimeout = "timeout-below-interval"
	// VarIgnoreGeneration makes followers act on replication requests of
	// an older generation: a stale leader's appends are accepted (the
	// follower keeps its own generation and vote).
	VarIgnoreGeneration = "ignore-generation"
	// VarGenNotPersisted keeps the generation only in memory: a restarted
	// node boots in generation 0 again.
	VarGenNotPersisted = "generation-not-persisted"
	// VarHalfQuorum counts ⌊N/2⌋ as a quorum for votes and commits.
	VarHalfQuorum = "half-quorum"
	// VarReadLogEnd answers reads at once from the leader's log end, beyond
	// the high-water mark.
	VarReadLogEnd = "read-from-log-end"
	// VarCommitByCounting advances the high-water mark to any index held by
	// a quorum, whatever its generation (the simpler rule; Raft's
	// "figure 8").
	VarCommitByCounting = "commit-by-counting"
	// VarSkipElectionNoop appends no no-op when a leader is elected: entries
	// of earlier generations wait for the next client write to commit.
	VarSkipElectionNoop = "skip-election-noop"
	// VarMarkOnAppend moves the leader's high-water mark to its own last
	// entry as soon as it appends it, before any follower holds it.
	VarMarkOnAppend = "mark-on-leader-append"
	// VarLeaderReadsApplied answers reads at once from the leader's applied
	// state instead of through the log: a deposed or lagging leader
	// answers with a value that is no longer the latest.
	VarLeaderReadsApplied = "leader-reads-applied-state"
	// VarSameTimeout gives every node the same election timeout (the
	// minimum), so nodes that start together split the vote again and
	// again (Raft §9.3).
	VarSameTimeout = "same-timeout-everywhere"
	// VarNoUpToDateCheck grants votes without comparing logs.
	VarNoUpToDateCheck = "vote-without-log-check"
	// VarAnyMessageResets makes a follower restart its election timeout on
	// any message, a client's included: traffic keeps a crashed leader
	// "alive".
	VarAnyMessageResets = "any-message-resets-timeout"
)

// Settings (engine params, integers) and their defaults.
const (
	ParamHeartbeat     = "heartbeat-ms"
	ParamElectionMin   = "election-min-ms"
	ParamElectionMax   = "election-max-ms"
	ParamQuorum        = "quorum" // 0 = majority
	ParamClientTimeout = "client-timeout-ms"

	defHeartbeat     = 50
	defElectionMin   = 150
	defElectionMax   = 300
	defClientTimeout = 1500
)

const (
	timerElection  = "election"
	timerHeartbeat = "heartbeat"
	maxBatch       = 32 // entries per replication request
)

// What a node keeps on its disk: its generation, its vote and its log.
var (
	diskGen  = kit.Record[int]{Key: "generation"}
	diskVote = kit.Record[string]{Key: "votedFor"}
	diskLog  kit.DiskLog[Entry]
)

// Node is one server of the cluster.
type Node struct {
	id     string
	all    []string // every server, sorted, this one included
	others []string // every server but this one
	self   int      // position of id in all

	role     string
	gen      int
	votedFor string
	leader   string // who this node believes leads its generation

	log    []Entry  // log[i] has index base+i+1
	hashes []uint64 // hashes[i] fingerprints entries 1..base+i+1, for cheap log checks
	logVer int      // bumped on every append or truncation

	// The low-water mark: entries up to base were cleaned from the log
	// (snapshot.go). baseGen and baseHash describe entry base.
	base, baseGen int
	baseHash      uint64
	snap          *Snapshot // the last snapshot written or installed, nil if none
	sinceSnap     int       // entries applied since the last snapshot
	snapshots     bool      // the page has snapshots: show the mark and the snapshot

	hwm, applied int
	heldBack     int // the last mark the figure-8 rule held back (for its note)
	kv           map[string]string
	done         appliedSet // writes already applied (a duplicate is a no-op)

	sessions *sessionTable // the session table, on the idempotent-receiver page (nil elsewhere)
	mv       *versionStore // the multi-version store, on the versioned-value page (nil elsewhere)
	mvOn     bool          // built for the versioned-value page: start makes mv afresh
	core     *coreServer   // the tree, leases and read checks, on the consistent-core page (nil elsewhere)
	coreOn   bool          // built for the consistent-core page: its peers are the core role only

	// candidate
	votes []bool // by position in all
	// leader
	next, match []int // by position in all
	busy        []bool
	stuck       []bool          // the follower needs cleaned entries and no snapshot goes (noted once)
	lastAck     []time.Duration // local time of the last response per peer

	// failure detection
	now        time.Duration // local time of the last event handled
	lastHeard  time.Duration // local time the leader was last heard from
	timeout    time.Duration // the election timeout now armed
	suspicions int           // election timeouts that fired while a leader was known
	suspected  string        // the last leader suspected

	sorted []int // scratch for the high-water mark
	q      int   // the quorum last used, for the view

	fr followerReads // reads served by any server (followerreads.go); off on most pages
}

func newNode(id string) *Node { return &Node{id: id} }

// Read-only accessors for invariants, facts and tests.
func (n *Node) ID() string       { return n.id }
func (n *Node) Role() string     { return n.role }
func (n *Node) Generation() int  { return n.gen }
func (n *Node) VotedFor() string { return n.votedFor }
func (n *Node) HWM() int         { return n.hwm }
func (n *Node) LastIndex() int   { return n.last() }

// Log is the entries the node still holds: the first has index Base()+1.
func (n *Node) Log() []Entry { return n.log }

// Base is the node's low-water mark: the log was cleaned up to it.
func (n *Node) Base() int { return n.base }
func (n *Node) Value(k string) string {
	return n.kv[k]
}

// Handle is the node's state machine.
func (n *Node) Handle(env engine.Env, ev engine.Event) {
	n.now = env.Now()
	if n.core != nil {
		n.core.mono = env.Monotonic()
	}
	switch ev.Kind {
	case engine.EvStart:
		n.start(env)
	case engine.EvTimer:
		switch ev.Timer {
		case timerElection:
			if n.role != Leader {
				if n.leader != "" && n.leader != n.id {
					n.suspicions++
					n.suspected = n.leader
				}
				n.startElection(env)
			}
		case timerSnapshot:
			n.takeSnapshot(env, itoa(n.sinceSnap)+" entries applied since the last")
		case timerHeartbeat:
			if n.role == Leader {
				n.broadcast(env, true)
				n.expireSessions(env)
				if n.core != nil {
					n.coreTick(env)
				}
				env.SetTimer(timerHeartbeat, n.interval(env))
			}
		case timerWatchCheck:
			n.watchCheck(env)
		default:
			n.onParkedTimeout(env, ev.Timer)
		}
	case engine.EvReceive:
		if n.role == Follower && env.Variant(VarAnyMessageResets) {
			n.resetElection(env)
		}
		switch m := ev.Msg.(type) {
		case ReplicationRequest:
			n.onReplicate(env, ev.From, m)
		case ReplicationResponse:
			n.onReplicated(env, ev.From, m)
		case VoteRequest:
			n.onVoteRequest(env, ev.From, m)
		case VoteResponse:
			n.onVote(env, ev.From, m)
		case ClientRequest:
			n.onClient(env, ev.From, m)
		case InstallSnapshot:
			n.onInstallSnapshot(env, ev.From, m)
		case InstallSnapshotResponse:
			n.onSnapshotInstalled(env, ev.From, m)
		case FollowerGet:
			n.onFollowerGet(env, ev.From, m)
		case VersionedRequest:
			if n.mv != nil {
				n.onVersionedRequest(env, ev.From, m)
			}
		default:
			if n.core != nil {
				if !n.onWatchMsg(env, ev) {
					n.onCoreMsg(env, ev.From, m)
				}
				break
			}
			n.onSessionMsg(env, ev.From, m)
		}
	case engine.EvRequest:
		if ev.Request.Name == actionSnapshot {
			n.takeSnapshot(env, "asked")
		} else if ev.Request.Name == actionCompact && n.mv != nil {
			n.proposeCompaction(env, compactArg(ev.Request.Args))
		} else if ev.Request.Name == "force-election" && n.role != Leader {
			env.Note("%s is told to start an election", n.id)
			n.startElection(env)
		} else if ev.Request.Name == "force-election" {
			env.Note("%s already leads generation %d", n.id, n.gen)
		}
	}
}

// ValidateRequest accepts the node actions this cluster offers.
func (n *Node) ValidateRequest(req engine.Request) error {
	if req.Name == actionCompact && n.mvOn {
		return validateCompact(req.Args)
	}
	if req.Name != "force-election" && req.Name != actionSnapshot {
		return errUnknownAction(req.Name)
	}
	return nil
}

// start boots or recovers the node from its disk.
func (n *Node) start(env engine.Env) {
	n.all = env.Peers()
	if n.coreOn {
		n.all = env.Members(RoleCore) // the data nodes are the core's clients, not its peers
	}
	n.others = n.others[:0]
	for i, p := range n.all {
		if p == n.id {
			n.self = i
		} else {
			n.others = append(n.others, p)
		}
	}
	k := len(n.all)
	n.votes, n.next, n.match = make([]bool, k), make([]int, k), make([]int, k)
	n.busy, n.lastAck, n.sorted = make([]bool, k), make([]time.Duration, k), make([]int, k)
	n.stuck = make([]bool, k)
	n.kv, n.done, n.sessions = map[string]string{}, appliedSet{}, newSessionTable(env)
	if n.coreOn {
		n.core = newCoreServer(k)
	}
	if n.mvOn {
		n.mv = newVersionStore()
		n.kv[accountA], n.kv[accountB] = itoa(openingBalance), itoa(openingBalance)
	}
	st := env.Storage()
	if v, ok := diskGen.Get(st); ok {
		n.gen = v
	}
	if v, ok := diskVote.Get(st); ok && !env.Variant(VarForgetVote) {
		n.votedFor = v
	}
	n.snapshots = env.Param(ParamSnapshotEvery, -1) >= 0
	n.fr.on, n.fr.maxLag = env.Param(ParamMaxLag, -1) >= 0, ms(env.Param(ParamMaxLag, defMaxLag))
	n.recoverSnapshot(env)
	disk := diskLog.Len(st)
	n.log = make([]Entry, 0, disk+64)
	n.hashes = make([]uint64, 0, disk+64)
	for i := range disk {
		e, _ := diskLog.At(st, i)
		n.push(e)
	}
	n.role = Follower
	switch {
	case n.base > 0:
		env.Note("%s recovers generation %d, vote %q, %s and the %d log entries after it (%d..%d) from disk",
			n.id, n.gen, n.votedFor, n.recoveredBase(), disk, n.base+1, n.last())
	case disk > 0 || n.gen > 0:
		env.Note("%s recovers generation %d, vote %q and %d log entries from disk", n.id, n.gen, n.votedFor, disk)
	}
	n.resetElection(env)
}

// ---- settings ----

func (n *Node) interval(env engine.Env) time.Duration {
	return ms(env.Param(ParamHeartbeat, defHeartbeat))
}

func (n *Node) quorum(env engine.Env) int {
	return Quorum(len(n.all), env.Param(ParamQuorum, 0), env.Variant(VarHalfQuorum))
}

// Quorum is how many servers of n must agree: a majority ⌊n/2⌋+1, or the
// "quorum" setting when it is positive, or ⌊n/2⌋ under the half-quorum
// variant.
func Quorum(n, param int, half bool) int {
	switch {
	case half:
		if n/2 < 1 {
			return 1
		}
		return n / 2
	case param > 0:
		return param
	}
	return n/2 + 1
}

func ms(v int) time.Duration { return time.Duration(v) * time.Millisecond }
