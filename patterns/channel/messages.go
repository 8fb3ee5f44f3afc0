package channel

import (
	"strconv"

	"clusterscope/engine"
)

// Entry is one write in athens's log: SET key=value, asked by a client.
type Entry struct {
	Key, Value string
	Client     string
	ReqID      int
}

func (e Entry) String() string { return string(e.appendText(nil)) }

func (e Entry) appendText(b []byte) []byte { return appendSet(b, e.Key, e.Value) }

// appendSet writes a write as every text shows it: "SET key=value".
func appendSet(b []byte, key, value string) []byte {
	return append(append(append(append(b, "SET "...), key...), '='), value...)
}

// appendGet writes a read as the texts show it: "GET key at follower".
func appendGet(b []byte, key, at string) []byte {
	return append(append(append(append(b, "GET "...), key...), " at "...), at...)
}

// Frame carries log entry Seq to a follower on the channel. Seq numbers
// the stream, not the connection: after a reconnect athens resends from
// the last acknowledged Seq and the follower skips what it already has.
type Frame struct {
	Seq   int
	Entry Entry
}

// Ack is a follower's answer on the channel: it has applied every entry
// up to Seq.
type Ack struct{ Seq int }

// Heartbeat keeps an idle channel alive; the follower answers with an Ack.
type Heartbeat struct{ Seq int }

// Snapshot is a huge frame (a state transfer): it holds the channel for
// as long as the link takes to send its bytes.
type Snapshot struct{ Bytes int }

// Write and Read are a client's requests to athens; ReadAt is athens
// passing a read to the follower that must answer it.
type Write struct {
	ID         int
	Key, Value string
}

type Read struct {
	ID      int
	Key, At string
}

// ReadAt asks follower At for key once it has applied Index entries: the
// log's length when athens took the read, so the answer shows every write
// acknowledged before it.
type ReadAt struct {
	ID     int
	Client string
	Key    string
	Index  int
}

// Reply answers a client: OK for a write, Value for a read.
type Reply struct {
	ID    int
	OK    bool
	Value string
	Err   string
}

func (Frame) Kind() string     { return "Frame" }
func (Ack) Kind() string       { return "Ack" }
func (Heartbeat) Kind() string { return "Heartbeat" }
func (Snapshot) Kind() string  { return "Snapshot" }
func (Write) Kind() string     { return "Write" }
func (Read) Kind() string      { return "Read" }
func (ReadAt) Kind() string    { return "ReadAt" }
func (Reply) Kind() string     { return "Reply" }

// Sizes on the wire, in bytes: a small header and the payload.
func (f Frame) Size() int    { return 24 + len(f.Entry.Key) + len(f.Entry.Value) + len(f.Entry.Client) }
func (Ack) Size() int        { return 16 }
func (Heartbeat) Size() int  { return 16 }
func (s Snapshot) Size() int { return s.Bytes }

func (f Frame) Summary() string     { return summary(f) }
func (a Ack) Summary() string       { return summary(a) }
func (h Heartbeat) Summary() string { return summary(h) }
func (s Snapshot) Summary() string  { return summary(s) }
func (w Write) Summary() string     { return summary(w) }
func (r Read) Summary() string      { return summary(r) }
func (r ReadAt) Summary() string    { return summary(r) }
func (r Reply) Summary() string     { return summary(r) }

// AppendSummary writes Summary into the trace's buffer without a string of
// its own (the engine prefers it: every message is summarised).
func (f Frame) AppendSummary(b []byte) []byte {
	return f.Entry.appendText(append(appendSeq(b, f.Seq), ' '))
}
func (a Ack) AppendSummary(b []byte) []byte { return appendSeq(append(b, "applied to "...), a.Seq) }
func (h Heartbeat) AppendSummary(b []byte) []byte {
	return appendSeq(append(b, "log at "...), h.Seq)
}
func (s Snapshot) AppendSummary(b []byte) []byte {
	return append(strconv.AppendInt(b, int64(s.Bytes/1000), 10), " KB"...)
}
func (w Write) AppendSummary(b []byte) []byte { return appendSet(b, w.Key, w.Value) }
func (r Read) AppendSummary(b []byte) []byte  { return appendGet(b, r.Key, r.At) }
func (r ReadAt) AppendSummary(b []byte) []byte {
	b = append(append(append(b, "GET "...), r.Key...), " once "...)
	return append(appendSeq(b, r.Index), " is applied"...)
}
func (r Reply) AppendSummary(b []byte) []byte {
	switch {
	case r.Err != "":
		return append(b, r.Err...)
	case r.OK && r.Value == "":
		return append(b, "ok"...)
	}
	return strconv.AppendQuote(b, r.Value)
}

// appendSeq writes a sequence number as the texts show it: "#12".
func appendSeq(b []byte, seq int) []byte { return strconv.AppendInt(append(b, '#'), int64(seq), 10) }

// summary is Summary made from AppendSummary.
func summary(m engine.SummaryAppender) string { return string(m.AppendSummary(nil)) }

func itoa(n int) string { return strconv.Itoa(n) }

// Op is a client operation in the history; it is a kit.KVInput.
type Op struct {
	Kind       string // opWrite or opRead
	Key, Value string
	At         string // the follower a read asks
}

const (
	opWrite = "write"
	opRead  = "read"
)

func (o Op) KVKey() string { return o.Key }
func (o Op) KVWrite() (string, bool) {
	return o.Value, o.Kind == opWrite
}

func (o Op) String() string { return string(o.AppendString(nil)) }

// AppendString appends String's text to b: the engine writes every
// operation's input and output to the trace, and appending spares a
// string each.
func (o Op) AppendString(b []byte) []byte {
	if o.Kind == opWrite {
		return appendSet(b, o.Key, o.Value)
	}
	return appendGet(b, o.Key, o.At)
}

// ReadOut is a read's answer; it is a kit.KVOutput.
type ReadOut struct{ Value string }

func (r ReadOut) KVRead() string { return r.Value }
func (r ReadOut) String() string { return strconv.Quote(r.Value) }

// AppendString appends String's text to b (see Op.AppendString).
func (r ReadOut) AppendString(b []byte) []byte { return strconv.AppendQuote(b, r.Value) }

var _ engine.Sized = Frame{}
