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

func (o Op) String() string {
	if o.Kind == opWrite {
		return "write " + o.Key + "=" + o.Value + " on " + o.Node
	}
	return "read " + o.Key + " on " + o.Node
}

// KVKey and KVWrite make Op a kit.KVInput, for porcupine's register model.
func (o Op) KVKey() string           { return o.Key }
func (o Op) KVWrite() (string, bool) { return o.Value, o.Kind == opWrite }
func (r Result) KVRead() string      { return r.Value }

// ms writes a clock reading in ms with three decimals, rounded to the
// nearest µs: integer arithmetic, except at an exact half µs (and below
// zero), where it leaves the rounding to FormatFloat as it always did.
func ms(d time.Duration) string {
	us, rem := int64(d/time.Microsecond), int64(d%time.Microsecond)
	if d < 0 || rem == 500 {
		return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64)
	}
	if rem > 500 {
		us++
	}
	var b [24]byte
	out := strconv.AppendInt(b[:0], us/1000, 10)
	frac := us % 1000
	return string(append(out, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10)))
}

// dur writes a length of time in ms, as short as it goes: "100", "99.5".
func dur(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Round(time.Microsecond))/1e6, 'f', -1, 64)
}
func stampText(ts time.Duration) string { return "@" + ms(ts) }
func (r Result) String() string {
	if r.Read {
		return strconv.Quote(r.Value) + " " + stampText(r.TS) + " (read at " + ms(r.ReadTS) + ")"
	}
	return "ok " + stampText(r.TS)
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
func (m Put) Summary() string { return "#" + strconv.Itoa(m.ID) + " " + m.Key + "=" + m.Value }

// PutOk is sent only once the write is committed: after its commit-wait.
type PutOk struct {
	ID int
	TS time.Duration
}

func (PutOk) Kind() string      { return "PutOk" }
func (m PutOk) Summary() string { return "#" + strconv.Itoa(m.ID) + " " + stampText(m.TS) }

// Get asks a server for key as of its clock now.
type Get struct {
	ID   int
	Key  string
	Seen time.Duration // the highest stamp the client has seen (hybrid stamps)
}

func (Get) Kind() string      { return "Get" }
func (m Get) Summary() string { return "#" + strconv.Itoa(m.ID) + " " + m.Key }

// GetOk is the value read, its version's stamp and the read timestamp.
type GetOk struct {
	ID     int
	Value  string
	TS     time.Duration
	ReadTS time.Duration
}

func (GetOk) Kind() string { return "GetOk" }
func (m GetOk) Summary() string {
	return "#" + strconv.Itoa(m.ID) + " " + strconv.Quote(m.Value) + " " + stampText(m.TS)
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

func (ReplicateVersion) Kind() string { return "ReplicateVersion" }
func (m ReplicateVersion) Summary() string {
	s := m.Key + "=" + m.Value + " " + stampText(m.TS)
	if m.Commit {
		s += " commit"
	}
	return s
}

// ReplicateAck says a replica holds the version (or its commit).
type ReplicateAck struct {
	Key    string
	TS     time.Duration
	Commit bool
}

func (ReplicateAck) Kind() string      { return "ReplicateAck" }
func (m ReplicateAck) Summary() string { return m.Key + " " + stampText(m.TS) }

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
