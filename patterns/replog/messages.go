package replog

import (
	"strconv"

	"clusterscope/engine"
)

// The messages of the replicated-log cluster. They are plain values; a
// sender never changes a slice after putting it in a message (the node's log
// is re-allocated on truncation for that reason, see Node.truncate).

// Entry is one log entry. Index is its position (1-based), not stored.
type Entry struct {
	Gen    int    // generation of the leader that appended it
	Op     string // opPut, opGet or opNoop
	Key    string
	Value  string
	Client string // who asked, "" for a no-op
	ReqID  int    // the client's operation id (dedup and reply)

	Session, Acked int    // a session entry's session and ackedUpTo (idempotent.go)
	Amount, At     int    // a transfer's amount; a snapshot's or compaction's version (versioned.go)
	Expected       string // a compare-and-set's expected value (core_tree.go)
}

const (
	opPut  = "put"
	opGet  = "get"
	opNoop = "noop"
)

// Text is the entry as a log cell shows it.
func (e Entry) Text() string {
	switch e.Op {
	case opPut:
		return e.Key + "=" + e.Value
	case opGet:
		return "get " + e.Key
	}
	if t := e.versionedText(); t != "" {
		return t
	}
	if t := e.coreText(); t != "" {
		return t
	}
	return e.sessionText()
}

// VoteRequest asks for a vote in generation Gen; LastIndex/LastGen describe
// the candidate's log for the up-to-date check.
type VoteRequest struct {
	Gen, LastIndex, LastGen int
}

func (VoteRequest) Kind() string      { return "RequestVote" }
func (m VoteRequest) Summary() string { return summary(m) }
func (m VoteRequest) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, "gen "...), m.Gen)
	b = appendInt(append(b, " last "...), m.LastIndex)
	return appendInt(append(b, '/'), m.LastGen)
}

// VoteResponse grants or refuses a vote; Gen is the voter's generation.
type VoteResponse struct {
	Gen     int
	Granted bool
}

func (VoteResponse) Kind() string      { return "VoteResponse" }
func (m VoteResponse) Summary() string { return summary(m) }
func (m VoteResponse) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, "gen "...), m.Gen)
	if m.Granted {
		return append(b, " granted"...)
	}
	return append(b, " refused"...)
}

// KindNoop is the kind of a replication request that starts with a
// leader's election no-op (sent after the older entries, in a message of
// its own).
const KindNoop = "NoOp"

// ReplicationRequest carries entries after (PrevIndex, PrevGen) and the
// leader's high-water mark. With no entries it is a heartbeat; starting
// with a leader's election no-op it is a NoOp: its Kind says so, so drop
// rules and the event log can tell them apart.
type ReplicationRequest struct {
	Gen, PrevIndex, PrevGen int
	Entries                 []Entry
	HWM                     int
}

func (m ReplicationRequest) Kind() string {
	if len(m.Entries) == 0 {
		return "Heartbeat"
	}
	if m.Entries[0].Op == opNoop {
		return KindNoop
	}
	return "ReplicationRequest"
}

// Size is the request's bytes on the wire: a header and, per entry, its
// fields (links with a bandwidth take longer to send a big batch).
func (m ReplicationRequest) Size() int {
	n := 32
	for i := range m.Entries {
		e := &m.Entries[i]
		n += 24 + len(e.Op) + len(e.Key) + len(e.Value) + len(e.Client)
	}
	return n
}

func (m ReplicationRequest) Summary() string { return summary(m) }
func (m ReplicationRequest) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, "gen "...), m.Gen)
	b = appendInt(append(b, " prev "...), m.PrevIndex)
	b = appendInt(append(b, '/'), m.PrevGen)
	if len(m.Entries) > 0 {
		b = appendInt(append(b, " +"...), len(m.Entries))
	}
	return appendInt(append(b, " hwm "...), m.HWM)
}

// ReplicationResponse answers a ReplicationRequest. On success Match is the
// last index the follower now holds in agreement with the leader; on failure
// it is the follower's last index, a hint for where to retry.
type ReplicationResponse struct {
	Gen     int
	Success bool
	Match   int
}

func (ReplicationResponse) Kind() string      { return "ReplicationResponse" }
func (m ReplicationResponse) Summary() string { return summary(m) }
func (m ReplicationResponse) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, "gen "...), m.Gen)
	if m.Success {
		b = append(b, " ok "...)
	} else {
		b = append(b, " FAILED, last "...)
	}
	return appendInt(b, m.Match)
}

// ClientRequest is a client's read or write; ID is the client's operation id.
type ClientRequest struct {
	ID         int
	Op         string // opPut or opGet
	Key, Value string
}

func (ClientRequest) Kind() string      { return "ClientRequest" }
func (m ClientRequest) Summary() string { return summary(m) }
func (m ClientRequest) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, '#'), m.ID)
	if m.Op == opPut {
		return append(append(append(append(b, ' '), m.Key...), '='), m.Value...)
	}
	return append(append(b, " get "...), m.Key...)
}

// ClientReply answers a ClientRequest: the result once committed and
// applied, or NotLeader with the node's best guess of the leader (Hint may
// be empty).
type ClientReply struct {
	ID        int
	Value     string
	NotLeader bool
	Hint      string
	Version   int // the log index it was applied at (follower-reads page only; else 0)
}

func (ClientReply) Kind() string      { return "ClientReply" }
func (m ClientReply) Summary() string { return summary(m) }
func (m ClientReply) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, '#'), m.ID)
	if m.NotLeader {
		return appendNotLeader(b, m.Hint)
	}
	b = append(b, " ok"...)
	if m.Value != "" || m.Version == 0 {
		b = append(append(b, ' '), m.Value...)
	}
	if m.Version > 0 {
		b = appendInt(append(b, " v"...), m.Version)
	}
	return b
}

// summary is Summary through AppendSummary: the engine appends summaries
// straight into its trace (engine.SummaryAppender), views ask for strings.
func summary(m engine.SummaryAppender) string {
	var buf [64]byte
	return string(m.AppendSummary(buf[:0]))
}

func appendInt(b []byte, i int) []byte { return strconv.AppendInt(b, int64(i), 10) }

func itoa(i int) string { return strconv.Itoa(i) }

// InstallSnapshot carries the leader's snapshot to a follower that needs
// entries the leader has cleaned from its log (sent whole: the states here
// are small).
type InstallSnapshot struct {
	Gen  int
	Snap Snapshot
}

func (InstallSnapshot) Kind() string      { return "InstallSnapshot" }
func (m InstallSnapshot) Summary() string { return summary(m) }
func (m InstallSnapshot) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, "gen "...), m.Gen)
	b = appendInt(append(b, " up to "...), m.Snap.Index)
	b = appendInt(append(b, '/'), m.Snap.Gen)
	return append(appendInt(append(b, ", "...), len(m.Snap.KV)), " keys"...)
}

// InstallSnapshotResponse: the follower now holds everything up to Index.
type InstallSnapshotResponse struct {
	Gen, Index int
}

func (InstallSnapshotResponse) Kind() string      { return "InstallSnapshotResponse" }
func (m InstallSnapshotResponse) Summary() string { return summary(m) }
func (m InstallSnapshotResponse) AppendSummary(b []byte) []byte {
	b = appendInt(append(b, "gen "...), m.Gen)
	return appendInt(append(b, " holds up to "...), m.Index)
}

// appendNotLeader ends a reply's summary when the server asked was not the
// leader, naming the one it believes leads (hint) when it knows.
func appendNotLeader(b []byte, hint string) []byte {
	b = append(b, " not leader"...)
	if hint != "" {
		b = append(append(b, ", try "...), hint...)
	}
	return b
}
