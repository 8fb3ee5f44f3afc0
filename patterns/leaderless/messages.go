package leaderless

import (
	"strconv"
)

// Version orders the writes of one key. A replica keeps the value with the
// highest version it has seen.
//
// With one write coordinator (the Request Waiting List page) a version is
// the coordinator's epoch (bumped at every start, kept on its disk) and a
// counter within it. With any replica coordinating (the quorum KV), a
// write first reads the versions of a read quorum and takes Count one
// above the highest it saw, By its own name, and its epoch and counter to
// tell apart two writes it numbers alike (ABD's tag). No clock is read, so
// a skewed clock cannot order an older write after a newer one.
type Version struct {
	Count      int    `json:",omitempty"`
	By         string `json:",omitempty"`
	Epoch, Seq int
}

// Less reports whether v is older than o.
func (v Version) Less(o Version) bool {
	if v.Count != o.Count {
		return v.Count < o.Count
	}
	if v.By != o.By {
		return v.By < o.By
	}
	return v.Epoch < o.Epoch || v.Epoch == o.Epoch && v.Seq < o.Seq
}

func (v Version) String() string {
	if v == (Version{}) {
		return "v0"
	}
	// Written into a buffer on the stack: one allocation, where the
	// concatenation of Itoa's made three (notes name a version at nearly
	// every step).
	var buf [48]byte
	return string(v.appendTo(buf[:0]))
}

// appendTo appends the version as String writes it (message lines are
// appended straight into the trace's buffer).
func (v Version) appendTo(b []byte) []byte {
	switch {
	case v == (Version{}):
		return append(b, "v0"...)
	case v.By != "":
		return append(append(strconv.AppendInt(append(b, 'v'), int64(v.Count), 10), ':'), v.By...)
	}
	return strconv.AppendInt(append(strconv.AppendInt(append(b, 'v'), int64(v.Epoch), 10), '.'), int64(v.Seq), 10)
}

// CorrelationID names one message a coordinator waits an answer to. It
// starts with the coordinator's epoch: after a restart the counter starts
// again, and an answer to a message sent before the crash must not match
// a new one.
type CorrelationID struct {
	Epoch, N int
}

func (c CorrelationID) String() string {
	var buf [48]byte // one allocation, as Version.String
	return string(c.appendTo(buf[:0]))
}

func (c CorrelationID) appendTo(b []byte) []byte {
	return strconv.AppendInt(append(strconv.AppendInt(append(b, 'c'), int64(c.Epoch), 10), '.'), int64(c.N), 10)
}

// Every message appends its line to the trace's buffer (AppendSummary):
// one is written at every delivery. Summary is the same line.

// appendOpID appends "#id ", how a client message's line starts.
func appendOpID(b []byte, id int) []byte {
	return append(strconv.AppendInt(append(b, '#'), int64(id), 10), ' ')
}

// Op is a client operation as the history records it: a set or a get of
// one key. It is a kit.KVInput, so porcupine checks it with kit.KVModel.
type Op struct {
	Kind  string `json:"kind"` // opSet or opGet
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

const (
	opSet = "set"
	opGet = "get"
)

func (o Op) KVKey() string           { return o.Key }
func (o Op) KVWrite() (string, bool) { return o.Value, o.Kind == opSet }
func (o Op) String() string          { return string(o.AppendString(nil)) }

// AppendString is String appended to b (the trace records each input
// twice, and each result, as text).
func (o Op) AppendString(b []byte) []byte {
	if o.Kind == opSet {
		return append(append(append(append(b, "set "...), o.Key...), '='), o.Value...)
	}
	return append(append(b, "get "...), o.Key...)
}

// Result is what a successful operation returned: the value read (a get)
// and the version written or read. It is a kit.KVOutput.
type Result struct {
	Value   string  `json:"value,omitempty"`
	Version Version `json:"version"`
	Read    bool    `json:"read,omitempty"` // a get's result
}

func (r Result) KVRead() string { return r.Value }

// String is how the history shows it: the version, and the value a get
// read.
func (r Result) String() string { return string(r.AppendString(nil)) }

// AppendString is String appended to b.
func (r Result) AppendString(b []byte) []byte {
	if !r.Read {
		return r.Version.appendTo(b)
	}
	return r.Version.appendTo(append(strconv.AppendQuote(b, r.Value), " at "...))
}

// Status is how the coordinator completed a client's request.
type Status string

const (
	Success Status = "Success"
	Timeout Status = "Timeout"
)

// ClientSet asks the coordinator to write key=value (the book's
// ClientSet); ClientGet asks any server to read key.
type ClientSet struct {
	ID         int // the client's operation id, echoed in the response
	Key, Value string
}

func (ClientSet) Kind() string      { return "ClientSet" }
func (m ClientSet) Summary() string { return string(m.AppendSummary(nil)) }
func (m ClientSet) AppendSummary(b []byte) []byte {
	return append(append(append(appendOpID(b, m.ID), m.Key...), '='), m.Value...)
}

type ClientGet struct {
	ID  int
	Key string
}

func (ClientGet) Kind() string                    { return "ClientGet" }
func (m ClientGet) Summary() string               { return string(m.AppendSummary(nil)) }
func (m ClientGet) AppendSummary(b []byte) []byte { return append(appendOpID(b, m.ID), m.Key...) }

// ClientResponse completes a client's request.
type ClientResponse struct {
	ID     int
	Status Status
	Result Result
}

func (ClientResponse) Kind() string      { return "ClientResponse" }
func (m ClientResponse) Summary() string { return string(m.AppendSummary(nil)) }
func (m ClientResponse) AppendSummary(b []byte) []byte {
	b = append(appendOpID(b, m.ID), m.Status...)
	if m.Status == Success {
		b = m.Result.Version.appendTo(append(b, ' '))
	}
	return b
}

// SetValueRequest asks a replica to store key=value at version; the
// coordinator sends one to every replica (itself included), each under its
// own correlation id.
//
// Under a sloppy quorum a write may go to a stand-in for a home replica
// that does not answer: Hint names that replica, and the stand-in keeps
// the write as a hint to hand it over later.
type SetValueRequest struct {
	CorrelationID CorrelationID
	Key, Value    string
	Version       Version
	Hint          string `json:",omitempty"`
}

func (SetValueRequest) Kind() string      { return "SetValueRequest" }
func (m SetValueRequest) Summary() string { return string(m.AppendSummary(nil)) }
func (m SetValueRequest) AppendSummary(b []byte) []byte {
	b = append(append(append(append(m.CorrelationID.appendTo(b), ' '), m.Key...), '='), m.Value...)
	b = m.Version.appendTo(append(b, ' '))
	if m.Hint != "" {
		b = append(append(b, " for "...), m.Hint...)
	}
	return b
}

// SetValueResponse says the replica holds the value (or a newer one).
type SetValueResponse struct {
	CorrelationID CorrelationID
}

func (SetValueResponse) Kind() string      { return "SetValueResponse" }
func (m SetValueResponse) Summary() string { return string(m.AppendSummary(nil)) }
func (m SetValueResponse) AppendSummary(b []byte) []byte {
	return append(m.CorrelationID.appendTo(b), " ok"...)
}

// GetValueRequest asks a replica for its value of key.
type GetValueRequest struct {
	CorrelationID CorrelationID
	Key           string
}

func (GetValueRequest) Kind() string      { return "GetValueRequest" }
func (m GetValueRequest) Summary() string { return string(m.AppendSummary(nil)) }
func (m GetValueRequest) AppendSummary(b []byte) []byte {
	return append(append(m.CorrelationID.appendTo(b), ' '), m.Key...)
}

// GetValueResponse carries the replica's value and its version.
type GetValueResponse struct {
	CorrelationID CorrelationID
	Value         string
	Version       Version
}

func (GetValueResponse) Kind() string      { return "GetValueResponse" }
func (m GetValueResponse) Summary() string { return string(m.AppendSummary(nil)) }
func (m GetValueResponse) AppendSummary(b []byte) []byte {
	b = strconv.AppendQuote(append(m.CorrelationID.appendTo(b), ' '), m.Value)
	return m.Version.appendTo(append(b, ' '))
}

// Handoff carries a hinted write from the stand-in that kept it to the
// home replica it was meant for (hinted handoff).
type Handoff struct {
	Key, Value string
	Version    Version
}

func (Handoff) Kind() string      { return "Handoff" }
func (m Handoff) Summary() string { return string(m.AppendSummary(nil)) }
func (m Handoff) AppendSummary(b []byte) []byte {
	return m.Version.appendTo(append(append(append(append(b, m.Key...), '='), m.Value...), ' '))
}

// HandoffAck says the home replica holds the handed-off version (or a newer
// one): the stand-in may forget its hint.
type HandoffAck struct {
	Key     string
	Version Version
}

func (HandoffAck) Kind() string      { return "HandoffAck" }
func (m HandoffAck) Summary() string { return string(m.AppendSummary(nil)) }
func (m HandoffAck) AppendSummary(b []byte) []byte {
	return append(m.Version.appendTo(append(append(b, m.Key...), ' ')), " ok"...)
}
