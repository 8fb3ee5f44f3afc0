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

func (e Entry) String() string { return "SET " + e.Key + "=" + e.Value }

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

func (f Frame) Summary() string     { return "#" + itoa(f.Seq) + " " + f.Entry.String() }
func (a Ack) Summary() string       { return "applied to #" + itoa(a.Seq) }
func (h Heartbeat) Summary() string { return "log at #" + itoa(h.Seq) }
func (s Snapshot) Summary() string  { return itoa(s.Bytes/1000) + " KB" }
func (w Write) Summary() string     { return "SET " + w.Key + "=" + w.Value }
func (r Read) Summary() string      { return "GET " + r.Key + " at " + r.At }
func (r ReadAt) Summary() string    { return "GET " + r.Key + " once #" + itoa(r.Index) + " is applied" }
func (r Reply) Summary() string {
	switch {
	case r.Err != "":
		return r.Err
	case r.OK && r.Value == "":
		return "ok"
	}
	return strconv.Quote(r.Value)
}

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

func (o Op) String() string {
	if o.Kind == opWrite {
		return "SET " + o.Key + "=" + o.Value
	}
	return "GET " + o.Key + " at " + o.At
}

// ReadOut is a read's answer; it is a kit.KVOutput.
type ReadOut struct{ Value string }

func (r ReadOut) KVRead() string { return r.Value }
func (r ReadOut) String() string { return strconv.Quote(r.Value) }

var _ engine.Sized = Frame{}
