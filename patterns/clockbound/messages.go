package clockbound

import (
	"strconv"
	"time"
)

// Op is a client operation as the history records it.
type Op struct {
	Kind  string `json:"kind"` // opWrite or opRead
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
	Node  string `json:"node"` // the server asked
	// A write may be followed by a phone call: once it is acknowledged the
	// writer phones Tell, who then reads the key on TellRead.
	Tell     string `json:"tell,omitempty"`
	TellRead string `json:"tellRead,omitempty"`
}

const (
	opWrite = "write"
	opRead  = "read"
	opCall  = "call" // a client phones another: no operation on the store
)

func (o Op) String() string { return string(o.AppendString(nil)) }

// AppendString appends String's text (engine.StringAppender: the history
// writes it into the trace without a string of its own).
func (o Op) AppendString(b []byte) []byte {
	if o.Kind == opWrite {
		b = append(append(append(append(b, "write "...), o.Key...), '='), o.Value...)
	} else {
		b = append(append(b, "read "...), o.Key...)
	}
	return append(append(b, " on "...), o.Node...)
}

// KVKey and KVWrite make Op a kit.KVInput, for porcupine's register model.
func (o Op) KVKey() string           { return o.Key }
func (o Op) KVWrite() (string, bool) { return o.Value, o.Kind == opWrite }
func (r Result) KVRead() string      { return r.Value }

// ms writes a clock reading in ms with three decimals, rounded to the
// nearest µs: integer arithmetic, except at an exact half µs (and below
// zero), where it leaves the rounding to FormatFloat as it always did.
func ms(d time.Duration) string {
	var b [24]byte
	return string(appendMS(b[:0], d))
}

// appendMS appends ms's text.
func appendMS(b []byte, d time.Duration) []byte {
	us, rem := int64(d/time.Microsecond), int64(d%time.Microsecond)
	if d < 0 || rem == 500 {
		return strconv.AppendFloat(b, float64(d)/1e6, 'f', 3, 64)
	}
	if rem > 500 {
		us++
	}
	b = strconv.AppendInt(b, us/1000, 10)
	frac := us % 1000
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

// dur writes a length of time in ms, as short as it goes: "100", "99.5".
func dur(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Round(time.Microsecond))/1e6, 'f', -1, 64)
}
func stampText(ts time.Duration) string { return "@" + ms(ts) }

// appendStamp appends stampText's text.
func appendStamp(b []byte, ts time.Duration) []byte { return appendMS(append(b, '@'), ts) }

func (r Result) String() string { return string(r.AppendString(nil)) }

// AppendString appends String's text (engine.StringAppender).
func (r Result) AppendString(b []byte) []byte {
	if r.Read {
		b = appendStamp(append(strconv.AppendQuote(b, r.Value), ' '), r.TS)
		return append(appendMS(append(b, " (read at "...), r.ReadTS), ')')
	}
	return appendStamp(append(b, "ok "...), r.TS)
}

// Result is what a server answered: the version written, or the value
// read, its stamp and the read's timestamp.
type Result struct {
	Value  string        `json:"value,omitempty"`
	TS     time.Duration `json:"ts"`
	ReadTS time.Duration `json:"readTs,omitempty"`
	Read   bool          `json:"read,omitempty"`
}

// Put asks a server to write key=value at a timestamp from its clock.
type Put struct {
	ID         int
	Key, Value string
	Seen       time.Duration // the highest stamp the client has seen (hybrid stamps)
}

func (Put) Kind() string      { return "Put" }
func (m Put) Summary() string { return string(m.AppendSummary(nil)) }

// AppendSummary appends Summary's text into the trace's buffer
// (engine.SummaryAppender); so do the other messages'.
func (m Put) AppendSummary(b []byte) []byte {
	return append(append(append(appendID(b, m.ID), m.Key...), '='), m.Value...)
}

// appendID appends "#id ".
func appendID(b []byte, id int) []byte {
	return append(strconv.AppendInt(append(b, '#'), int64(id), 10), ' ')
}

// PutOk is sent only once the write is committed: after its commit-wait.
type PutOk struct {
	ID int
	TS time.Duration
}

func (PutOk) Kind() string                    { return "PutOk" }
func (m PutOk) Summary() string               { return string(m.AppendSummary(nil)) }
func (m PutOk) AppendSummary(b []byte) []byte { return appendStamp(appendID(b, m.ID), m.TS) }

// Get asks a server for key as of its clock now.
type Get struct {
	ID   int
	Key  string
	Seen time.Duration // the highest stamp the client has seen (hybrid stamps)
}

func (Get) Kind() string                    { return "Get" }
func (m Get) Summary() string               { return string(m.AppendSummary(nil)) }
func (m Get) AppendSummary(b []byte) []byte { return append(appendID(b, m.ID), m.Key...) }

// GetOk is the value read, its version's stamp and the read timestamp.
type GetOk struct {
	ID     int
	Value  string
	TS     time.Duration
	ReadTS time.Duration
}

func (GetOk) Kind() string      { return "GetOk" }
func (m GetOk) Summary() string { return string(m.AppendSummary(nil)) }
func (m GetOk) AppendSummary(b []byte) []byte {
	return appendStamp(append(strconv.AppendQuote(appendID(b, m.ID), m.Value), ' '), m.TS)
}

// ReplicateVersion copies a stamped version to another server: first
// uncommitted (held, not readable), then again with Commit set once the
// writer's wait is over.
type ReplicateVersion struct {
	Key, Value string
	TS         time.Duration
	Writer     string
	Commit     bool
}

func (ReplicateVersion) Kind() string      { return "ReplicateVersion" }
func (m ReplicateVersion) Summary() string { return string(m.AppendSummary(nil)) }
func (m ReplicateVersion) AppendSummary(b []byte) []byte {
	b = appendStamp(append(append(append(append(b, m.Key...), '='), m.Value...), ' '), m.TS)
	if m.Commit {
		b = append(b, " commit"...)
	}
	return b
}

// ReplicateAck says a replica holds the version (or its commit).
type ReplicateAck struct {
	Key    string
	TS     time.Duration
	Commit bool
}

func (ReplicateAck) Kind() string      { return "ReplicateAck" }
func (m ReplicateAck) Summary() string { return string(m.AppendSummary(nil)) }
func (m ReplicateAck) AppendSummary(b []byte) []byte {
	return appendStamp(append(append(b, m.Key...), ' '), m.TS)
}

// PhoneCall is a message from one client to another outside the store:
// bob tells alice what he read. It fixes a real-time order: whatever
// alice does after it happens after bob's read returned.
type PhoneCall struct {
	Key, Value string
	ThenRead   string        // the server the callee reads Key on when the call ends ("" = no read)
	Seen       time.Duration // the highest stamp the caller has seen, when the call passes it on (0 = not)
}

func (PhoneCall) Kind() string { return "PhoneCall" }
func (m PhoneCall) Summary() string {
	return m.Key + " is " + strconv.Quote(m.Value)
}
