package replog

import "strconv"

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
	return "no-op"
}

// VoteRequest asks for a vote in generation Gen; LastIndex/LastGen describe
// the candidate's log for the up-to-date check.
type VoteRequest struct {
	Gen, LastIndex, LastGen int
}

func (VoteRequest) Kind() string { return "RequestVote" }
func (m VoteRequest) Summary() string {
	return "gen " + itoa(m.Gen) + " last " + itoa(m.LastIndex) + "/" + itoa(m.LastGen)
}

// VoteResponse grants or refuses a vote; Gen is the voter's generation.
type VoteResponse struct {
	Gen     int
	Granted bool
}

func (VoteResponse) Kind() string { return "VoteResponse" }
func (m VoteResponse) Summary() string {
	if m.Granted {
		return "gen " + itoa(m.Gen) + " granted"
	}
	return "gen " + itoa(m.Gen) + " refused"
}

// ReplicationRequest carries entries after (PrevIndex, PrevGen) and the
// leader's high-water mark. With no entries it is a heartbeat, and its Kind
// says so, so drop rules and the event log can tell them apart.
type ReplicationRequest struct {
	Gen, PrevIndex, PrevGen int
	Entries                 []Entry
	HWM                     int
}

func (m ReplicationRequest) Kind() string {
	if len(m.Entries) == 0 {
		return "Heartbeat"
	}
	return "ReplicationRequest"
}

func (m ReplicationRequest) Summary() string {
	// Built in one buffer: the engine asks for it on every delivery.
	var buf [64]byte
	b := append(buf[:0], "gen "...)
	b = strconv.AppendInt(b, int64(m.Gen), 10)
	b = append(b, " prev "...)
	b = strconv.AppendInt(b, int64(m.PrevIndex), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(m.PrevGen), 10)
	if len(m.Entries) > 0 {
		b = append(b, " +"...)
		b = strconv.AppendInt(b, int64(len(m.Entries)), 10)
	}
	b = append(b, " hwm "...)
	b = strconv.AppendInt(b, int64(m.HWM), 10)
	return string(b)
}

// ReplicationResponse answers a ReplicationRequest. On success Match is the
// last index the follower now holds in agreement with the leader; on failure
// it is the follower's last index, a hint for where to retry.
type ReplicationResponse struct {
	Gen     int
	Success bool
	Match   int
}

func (ReplicationResponse) Kind() string { return "ReplicationResponse" }
func (m ReplicationResponse) Summary() string {
	var buf [48]byte
	b := append(buf[:0], "gen "...)
	b = strconv.AppendInt(b, int64(m.Gen), 10)
	if m.Success {
		b = append(b, " ok "...)
	} else {
		b = append(b, " FAILED, last "...)
	}
	b = strconv.AppendInt(b, int64(m.Match), 10)
	return string(b)
}

// ClientRequest is a client's read or write; ID is the client's operation id.
type ClientRequest struct {
	ID         int
	Op         string // opPut or opGet
	Key, Value string
}

func (ClientRequest) Kind() string { return "ClientRequest" }
func (m ClientRequest) Summary() string {
	if m.Op == opPut {
		return "#" + itoa(m.ID) + " " + m.Key + "=" + m.Value
	}
	return "#" + itoa(m.ID) + " get " + m.Key
}

// ClientReply answers a ClientRequest: the result once committed and
// applied, or NotLeader with the node's best guess of the leader (Hint may
// be empty).
type ClientReply struct {
	ID        int
	Value     string
	NotLeader bool
	Hint      string
}

func (ClientReply) Kind() string { return "ClientReply" }
func (m ClientReply) Summary() string {
	if m.NotLeader {
		if m.Hint == "" {
			return "#" + itoa(m.ID) + " not leader"
		}
		return "#" + itoa(m.ID) + " not leader, try " + m.Hint
	}
	return "#" + itoa(m.ID) + " ok " + m.Value
}

func itoa(i int) string { return strconv.Itoa(i) }
