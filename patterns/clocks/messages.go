package clocks

import "strconv"

// Op is a client operation as the history records it.
type Op struct {
	Kind  string `json:"kind"` // opWrite or opRead
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
	Node  string `json:"node"` // the server asked
}

const (
	opWrite = "write"
	opRead  = "read"
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

// Result is what a server answered: the version written or read, and the
// value read.
type Result struct {
	Value   string  `json:"value,omitempty"`
	Version Version `json:"version"`
	Read    bool    `json:"read,omitempty"`
}

func (r Result) String() string { return string(r.AppendString(nil)) }

// AppendString appends String's text (engine.StringAppender).
func (r Result) AppendString(b []byte) []byte {
	if r.Read {
		b = append(strconv.AppendQuote(b, r.Value), ' ')
	}
	return r.Version.Append(append(b, '@'))
}

// Write asks a server to store key=value. Stamp is the highest stamp the
// client has seen, so the write is stamped after everything it knows of.
type Write struct {
	ID         int
	Key, Value string
	Stamp      Stamp
}

func (Write) Kind() string      { return "Write" }
func (m Write) Summary() string { return string(m.AppendSummary(nil)) }

// AppendSummary writes Summary into the trace's buffer without a string
// of its own (engine.SummaryAppender); so do the other messages'.
func (m Write) AppendSummary(b []byte) []byte {
	b = appendID(b, m.ID)
	b = append(append(append(append(b, m.Key...), '='), m.Value...), " seen "...)
	return m.Stamp.Append(b)
}

// WriteResponse gives the write's version; Clock is the server's stamp
// of the event that answered (equal to the version's on a write).
type WriteResponse struct {
	ID      int
	Version Version
	Clock   Stamp
}

func (WriteResponse) Kind() string      { return "WriteResponse" }
func (m WriteResponse) Summary() string { return string(m.AppendSummary(nil)) }
func (m WriteResponse) AppendSummary(b []byte) []byte {
	return m.Version.TS.Append(append(appendID(b, m.ID), "ts "...))
}

// Read asks a server for its value of key.
type Read struct {
	ID    int
	Key   string
	Stamp Stamp
}

func (Read) Kind() string      { return "Read" }
func (m Read) Summary() string { return string(m.AppendSummary(nil)) }
func (m Read) AppendSummary(b []byte) []byte {
	return m.Stamp.Append(append(append(appendID(b, m.ID), m.Key...), " seen "...))
}

// ReadResponse carries the value, its version, and the server's stamp of
// the read (a reader that later writes elsewhere must be stamped after it).
type ReadResponse struct {
	ID      int
	Value   string
	Version Version
	Clock   Stamp
}

func (ReadResponse) Kind() string      { return "ReadResponse" }
func (m ReadResponse) Summary() string { return string(m.AppendSummary(nil)) }
func (m ReadResponse) AppendSummary(b []byte) []byte {
	b = append(strconv.AppendQuote(appendID(b, m.ID), m.Value), " @"...)
	return m.Clock.Append(append(m.Version.Append(b), " ts "...))
}

// Replicate copies a write to another server, which merges it; Clock is
// the sender's stamp when it sent (the write's own, or later on a resend).
type Replicate struct {
	Key, Value string
	Version    Version
	Clock      Stamp
}

func (Replicate) Kind() string      { return "Replicate" }
func (m Replicate) Summary() string { return string(m.AppendSummary(nil)) }
func (m Replicate) AppendSummary(b []byte) []byte {
	b = append(append(append(append(b, m.Key...), '='), m.Value...), " @"...)
	return m.Clock.Append(append(m.Version.Append(b), " ts "...))
}

// ReplicateAck says the copy was merged, so the sender stops resending it.
type ReplicateAck struct {
	Key     string
	Version Version
	Clock   Stamp
}

func (ReplicateAck) Kind() string      { return "ReplicateAck" }
func (m ReplicateAck) Summary() string { return string(m.AppendSummary(nil)) }
func (m ReplicateAck) AppendSummary(b []byte) []byte {
	b = append(append(b, m.Key...), " @"...)
	return m.Clock.Append(append(m.Version.Append(b), " ts "...))
}

// appendID appends "#id ".
func appendID(b []byte, id int) []byte {
	return append(strconv.AppendInt(append(b, '#'), int64(id), 10), ' ')
}
