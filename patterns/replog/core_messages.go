package replog

// The Consistent Core page's messages. Data nodes and clients speak
// CoreRequest/CoreReply and the lease keep-alive; the leader confirms it
// still leads with a LeaderCheck round before it answers a read (Raft's
// ReadIndex). Replication itself is the replicated log's own messages.

// Operations of the core's request (the history records the same names).
const (
	coreGet    = "get"          // read one key (linearizable: after a leadership check)
	corePrefix = "prefix"       // read every key under a prefix (same check)
	coreSet    = "set"          // write a key, optionally attached to a lease
	coreCAS    = "cas"          // compare-and-set: write only if the key holds Expected
	coreGrant  = "grant"        // open a lease with a time to live
	coreExpire = "expire-lease" // the leader's decision that a lease expired (never from a client)
	coreDelete = "delete"       // delete a key (State Watch page's admin)
)

// CoreRequest is a client's or a data node's request to the core; ID is
// the sender's operation id (a retry at another core node carries the
// same id, so the core applies it once).
type CoreRequest struct {
	ID       int
	Op       string
	Key      string
	Value    string
	Expected string // cas: the value the key must hold ("" = absent)
	Lease    int    // set/cas: the lease the key is attached to (0 = none)
	TTL      int    // grant: the lease's time to live (ms)
}

func (CoreRequest) Kind() string {
	return "CoreRequest"
}

func (m CoreRequest) Summary() string { return summary(m) }
func (m CoreRequest) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, '#'), m.ID)
	switch m.Op {
	case coreGet:
		return append(append(b, " get "...), m.Key...)
	case corePrefix:
		return append(append(append(b, " get "...), m.Key...), '*')
	case coreGrant:
		b = append(append(b, " lease for "...), m.Key...)
		return append(appendInt(append(b, " ttl "...), m.TTL), "ms"...)
	case coreDelete:
		return append(append(b, " delete "...), m.Key...)
	case coreCAS:
		b = append(append(append(b, " cas "...), m.Key...), ' ')
		b = append(append(append(b, quoteEmpty(m.Expected)...), "→"...), m.Value...)
	default:
		b = append(append(append(append(b, " set "...), m.Key...), '='), m.Value...)
	}
	if m.Lease > 0 {
		b = appendInt(append(b, " lease "...), m.Lease)
	}
	return b
}

// CoreReply answers a CoreRequest: the result, or NotLeader with a hint.
type CoreReply struct {
	ID        int
	OK        bool   // a write took effect / a cas matched / a lease exists
	Value     string // a get's value; a prefix read's "k=v, k=v"
	Lease     int    // a get's key's lease; a grant's lease id
	Err       string // why a write did nothing ("no such lease")
	NotLeader bool
	Hint      string
}

func (CoreReply) Kind() string      { return "CoreReply" }
func (m CoreReply) Summary() string { return summary(m) }
func (m CoreReply) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, '#'), m.ID)
	switch {
	case m.NotLeader:
		return appendNotLeader(b, m.Hint)
	case m.Err != "":
		return append(append(b, " refused: "...), m.Err...)
	case !m.OK:
		return append(append(b, " cas failed, holds "...), quoteEmpty(m.Value)...)
	}
	b = append(b, " ok"...)
	if m.Value != "" {
		b = append(append(b, ' '), m.Value...)
	}
	if m.Lease > 0 {
		b = appendInt(append(b, " lease "...), m.Lease)
	}
	return b
}

// LeaderCheck asks a follower whether the sender still leads generation
// Gen; Round numbers the leader's checks.
type LeaderCheck struct{ Gen, Round int }

func (LeaderCheck) Kind() string                    { return "LeaderCheck" }
func (m LeaderCheck) Summary() string               { return summary(m) }
func (m LeaderCheck) AppendSummary(b []byte) []byte { return appendGenRound(b, m.Gen, m.Round) }

// LeaderCheckAck answers a LeaderCheck with the follower's generation: the
// same confirms the leader, a higher one deposes it.
type LeaderCheckAck struct{ Gen, Round int }

func (LeaderCheckAck) Kind() string                    { return "LeaderCheckAck" }
func (m LeaderCheckAck) Summary() string               { return summary(m) }
func (m LeaderCheckAck) AppendSummary(b []byte) []byte { return appendGenRound(b, m.Gen, m.Round) }

// appendGenRound writes a leadership check's "gen G round R".
func appendGenRound(b []byte, gen, round int) []byte {
	b = appendInt(append(b, "gen "...), gen)
	return appendInt(append(b, " round "...), round)
}

// KeepAlive refreshes a lease; Seq lets the holder match the answer to the
// moment it sent the request (its lease is valid from then, not from the
// answer).
type KeepAlive struct{ Lease, Seq int }

func (KeepAlive) Kind() string      { return "KeepAlive" }
func (m KeepAlive) Summary() string { return summary(m) }
func (m KeepAlive) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, "lease "...), m.Lease)
	return appendInt(append(b, " #"...), m.Seq)
}

// KeepAliveReply: the lease lives on (OK), is gone (expired), or the node
// does not lead.
type KeepAliveReply struct {
	Lease, Seq int
	OK         bool
	NotLeader  bool
	Hint       string
}

func (KeepAliveReply) Kind() string      { return "KeepAliveReply" }
func (m KeepAliveReply) Summary() string { return summary(m) }
func (m KeepAliveReply) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, "lease "...), m.Lease)
	b = appendInt(append(b, " #"...), m.Seq)
	switch {
	case m.NotLeader:
		return appendNotLeader(b, m.Hint)
	case m.OK:
		return append(b, " ok"...)
	}
	return append(b, " expired"...)
}

func quoteEmpty(s string) string {
	if s == "" {
		return "∅"
	}
	return s
}
