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
	"slices"
	"time"

	"clusterscope/engine"
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
	// VarIgnoreGeneration makes followers accept replication requests
	// whatever their generation (and adopt it, even going back).
	VarIgnoreGeneration = "ignore-generation"
	// VarHalfQuorum counts ⌊N/2⌋ as a quorum for votes and commits.
	VarHalfQuorum = "half-quorum"
	// VarReadLogEnd answers reads at once from the leader's log end, beyond
	// the high-water mark.
	VarReadLogEnd = "read-from-log-end"
	// VarCommitByCounting advances the high-water mark to any index held by
	// a quorum, whatever its generation, and appends no no-op at election
	// (the simpler rule; Raft's "figure 8").
	VarCommitByCounting = "commit-by-counting"
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
	keyGen         = "generation"
	keyVote        = "votedFor"
)

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

	log    []Entry  // log[i] has index i+1
	hashes []uint64 // hashes[i] fingerprints log[0..i], for cheap log checks
	logVer int      // bumped on every append or truncation

	hwm, applied int
	kv           map[string]string
	done         appliedSet // writes already applied (a duplicate is a no-op)

	// candidate
	votes []bool // by position in all
	// leader
	next, match []int // by position in all
	busy        []bool
	lastAck     []time.Duration // local time of the last response per peer

	// failure detection
	now        time.Duration // local time of the last event handled
	lastHeard  time.Duration // local time the leader was last heard from
	timeout    time.Duration // the election timeout now armed
	suspicions int           // election timeouts that fired while a leader was known
	suspected  string        // the last leader suspected

	sorted []int // scratch for the high-water mark
	q      int   // the quorum last used, for the view
}

func newNode(id string) *Node { return &Node{id: id} }

// Read-only accessors for invariants, facts and tests.
func (n *Node) ID() string       { return n.id }
func (n *Node) Role() string     { return n.role }
func (n *Node) Generation() int  { return n.gen }
func (n *Node) VotedFor() string { return n.votedFor }
func (n *Node) HWM() int         { return n.hwm }
func (n *Node) LastIndex() int   { return len(n.log) }
func (n *Node) Log() []Entry     { return n.log }
func (n *Node) Value(k string) string {
	return n.kv[k]
}

// Handle is the node's state machine.
func (n *Node) Handle(env engine.Env, ev engine.Event) {
	n.now = env.Now()
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
		case timerHeartbeat:
			if n.role == Leader {
				n.broadcast(env, true)
				env.SetTimer(timerHeartbeat, n.interval(env))
			}
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
		}
	case engine.EvRequest:
		if ev.Request.Name == "force-election" && n.role != Leader {
			env.Note("%s is told to start an election", n.id)
			n.startElection(env)
		} else if ev.Request.Name == "force-election" {
			env.Note("%s already leads generation %d", n.id, n.gen)
		}
	}
}

// ValidateRequest accepts the node actions this cluster offers.
func (n *Node) ValidateRequest(req engine.Request) error {
	if req.Name != "force-election" {
		return errUnknownAction(req.Name)
	}
	return nil
}

// start boots or recovers the node from its disk.
func (n *Node) start(env engine.Env) {
	n.all = env.Peers()
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
	n.kv, n.done = map[string]string{}, appliedSet{}
	st := env.Storage()
	if v, ok := st.Get(keyGen); ok {
		n.gen = v.(int)
	}
	if v, ok := st.Get(keyVote); ok && !env.Variant(VarForgetVote) {
		n.votedFor = v.(string)
	}
	disk := st.Log()
	n.log = make([]Entry, 0, len(disk)+64)
	n.hashes = make([]uint64, 0, len(disk)+64)
	for _, e := range disk {
		n.push(e.(Entry))
	}
	n.role = Follower
	if len(disk) > 0 || n.gen > 0 {
		env.Note("%s recovers generation %d, vote %q and %d log entries from disk", n.id, n.gen, n.votedFor, len(disk))
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

func (n *Node) resetElection(env engine.Env) {
	lo, hi := env.Param(ParamElectionMin, defElectionMin), env.Param(ParamElectionMax, defElectionMax)
	if hi < lo {
		hi = lo
	}
	d := ms(lo)
	if hi > lo {
		d += time.Duration(env.Rand().Int64N(int64(ms(hi - lo))))
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

// ---- durable state ----

// persist writes generation and vote and syncs before the node answers.
func (n *Node) persist(env engine.Env) {
	st := env.Storage()
	st.Put(keyGen, n.gen)
	if !env.Variant(VarForgetVote) {
		st.Put(keyVote, n.votedFor)
	}
	st.Sync()
}

func (n *Node) push(e Entry) {
	var prev uint64 = 14695981039346656037
	if k := len(n.hashes); k > 0 {
		prev = n.hashes[k-1]
	}
	if len(n.log) == cap(n.log) {
		// Double: append grows a long slice by a quarter, which would copy
		// a log that grows all run long about four times over.
		n.log = slices.Grow(n.log, len(n.log)+16)
	}
	if len(n.hashes) == cap(n.hashes) {
		n.hashes = slices.Grow(n.hashes, len(n.hashes)+16)
	}
	n.log = append(n.log, e)
	n.hashes = append(n.hashes, entryHash(prev, e))
	n.logVer++
}

// appendEntry adds e to the log and the disk (not synced: callers sync once).
func (n *Node) appendEntry(env engine.Env, e Entry) {
	n.push(e)
	env.Storage().Append(e)
}

// truncate keeps the first k entries. The slices are re-capped so a later
// append allocates anew instead of overwriting entries already sent in
// messages.
func (n *Node) truncate(env engine.Env, k int) {
	n.log = n.log[:k:k]
	n.hashes = n.hashes[:k:k]
	n.logVer++
	env.Storage().Truncate(k)
	if n.hwm > k {
		n.hwm = k // only a broken variant truncates below the mark
	}
	if n.applied > k {
		n.applied = k
	}
}

func (n *Node) lastGen() int {
	if len(n.log) == 0 {
		return 0
	}
	return n.log[len(n.log)-1].Gen
}

func (n *Node) genAt(i int) int {
	if i <= 0 || i > len(n.log) {
		return 0
	}
	return n.log[i-1].Gen
}

// ---- elections ----

func (n *Node) becomeFollower(env engine.Env, gen int) {
	wasLeader := n.role == Leader
	if gen != n.gen {
		n.gen, n.votedFor = gen, ""
		n.persist(env)
	}
	n.role = Follower
	n.leader = ""
	if wasLeader {
		env.CancelTimer(timerHeartbeat)
		env.Note("%s steps down: it sees generation %d", n.id, gen)
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
	req := VoteRequest{Gen: n.gen, LastIndex: len(n.log), LastGen: n.lastGen()}
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
		n.becomeFollower(env, m.Gen)
	}
	upToDate := m.LastGen > n.lastGen() || (m.LastGen == n.lastGen() && m.LastIndex >= len(n.log))
	// A node that already follows a leader of this generation refuses too:
	// the generation is decided, and a granted vote would restart its
	// timer while the leader it follows may be dead.
	free := (n.votedFor == "" || n.votedFor == from) && n.leader == ""
	grant := m.Gen == n.gen && free && (upToDate || env.Variant(VarNoUpToDateCheck))
	if m.Gen == n.gen && free && !upToDate && !grant {
		env.Note("%s refuses %s: its own log (last %d, gen %d) is more up to date than %s's (last %d, gen %d)",
			n.id, from, len(n.log), n.lastGen(), from, m.LastIndex, m.LastGen)
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
		n.becomeFollower(env, m.Gen)
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
	for i := range n.all {
		n.next[i] = len(n.log) + 1
		n.match[i] = 0
		n.busy[i] = false
		n.lastAck[i] = n.now
	}
	env.Note("%s becomes leader of generation %d", n.id, n.gen)
	if !env.Variant(VarCommitByCounting) {
		// Entries of earlier generations commit only under one of ours.
		n.appendEntry(env, Entry{Gen: n.gen, Op: opNoop})
		env.Storage().Sync()
	}
	n.match[n.self] = len(n.log)
	n.advanceHWM(env)
	n.broadcast(env, true)
	env.SetTimer(timerHeartbeat, n.interval(env))
}

// ---- replication ----

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

// apply runs committed entries against the key-value store; the leader
// answers the client that asked.
func (n *Node) apply(env engine.Env) {
	for n.applied < n.hwm && n.applied < len(n.log) {
		e := n.log[n.applied]
		n.applied++
		var val string
		switch e.Op {
		case opPut:
			if n.done.add(e.Client, e.ReqID) {
				n.kv[e.Key] = e.Value
			}
		case opGet:
			val = n.kv[e.Key]
		default:
			continue
		}
		if n.role == Leader && e.Client != "" {
			env.Send(e.Client, ClientReply{ID: e.ReqID, Value: val})
		}
	}
}

// ---- clients ----

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
	if m.Op == opPut {
		if n.done.has(from, m.ID) {
			env.Send(from, ClientReply{ID: m.ID})
			return
		}
	}
	n.appendEntry(env, Entry{Gen: n.gen, Op: m.Op, Key: m.Key, Value: m.Value, Client: from, ReqID: m.ID})
	env.Storage().Sync()
	n.match[n.self] = len(n.log)
	if len(n.all) == 1 {
		n.advanceHWM(env)
	}
	n.broadcast(env, false)
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

// entryHash chains FNV-1a over an entry's fields.
func entryHash(h uint64, e Entry) uint64 {
	const prime = 1099511628211
	num := func(v int) {
		for k := 0; k < 8; k++ {
			h ^= uint64(byte(v >> (8 * k)))
			h *= prime
		}
	}
	str := func(s string) {
		for k := 0; k < len(s); k++ {
			h ^= uint64(s[k])
			h *= prime
		}
		h ^= 0xff
		h *= prime
	}
	num(e.Gen)
	str(e.Op)
	str(e.Key)
	str(e.Value)
	str(e.Client)
	num(e.ReqID)
	return h
}
