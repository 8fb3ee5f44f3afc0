package wire

import (
	"clusterscope/engine"
	"strconv"
	"strings"
)

// Op is a client operation as the history records it: a put or a get of
// one key. Seq is its place in the sender's stream (Request Pipeline only;
// 0 for batched requests, which carry no order).
type Op struct {
	Kind  string `json:"kind"` // opPut or opGet
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
	Seq   int    `json:"seq,omitempty"`
}

const (
	opPut = "put"
	opGet = "get"
)

func (o Op) String() string {
	var b strings.Builder
	if o.Seq > 0 {
		b.WriteString("#" + strconv.Itoa(o.Seq) + " ")
	}
	b.WriteString(o.Kind + " " + o.Key)
	if o.Kind == opPut {
		b.WriteString("=" + strconv.Quote(o.Value))
	}
	return b.String()
}

// KVKey and KVWrite make Op a kit.KVInput (porcupine's key-value model).
func (o Op) KVKey() string { return o.Key }
func (o Op) KVWrite() (string, bool) {
	return o.Value, o.Kind == opPut
}

// Result is the server's answer to one request. Req is the history id of
// the request it answers: a batch response names each of its results.
type Result struct {
	Req   int    `json:"req"`
	OK    bool   `json:"ok"`
	Value string `json:"value,omitempty"` // what a get read
	Err   string `json:"err,omitempty"`   // why a request was refused
}

// KVRead makes Result a kit.KVOutput.
func (r Result) KVRead() string { return r.Value }

func (r Result) String() string {
	if !r.OK {
		return r.Err
	}
	if r.Value != "" {
		return "ok " + strconv.Quote(r.Value)
	}
	return "ok"
}

// ErrInvalid is the server's refusal of a put with an empty value: the
// validation failure that fails one request of a batch and no other.
const ErrInvalid = "INVALID: empty value"

// ---- Request Pipeline ----

// Request is one pipelined request. Prev is the sequence number the sender
// believes comes just before it (the order check: the server applies it
// only when Prev is the last it applied, as a Raft follower checks
// prevLogIndex).
type Request struct {
	Seq, Prev int
	ID        int // the history id, echoed back
	Op        Op
}

func (Request) Kind() string      { return "Request" }
func (m Request) Summary() string { return m.Op.String() }

// Response statuses.
const (
	RespOK        = "ok"        // applied now
	RespDuplicate = "duplicate" // applied before: the saved result again
	RespRejected  = "rejected"  // out of order: Expected is what comes next
)

// Response answers a Request.
type Response struct {
	Seq      int
	Status   string
	Expected int // with RespRejected: the sequence number the server waits for
	Result   Result
}

func (Response) Kind() string { return "Response" }
func (m Response) Summary() string {
	if m.Status == RespRejected {
		return "#" + strconv.Itoa(m.Seq) + " rejected, expects #" + strconv.Itoa(m.Expected)
	}
	return "#" + strconv.Itoa(m.Seq) + " " + m.Result.String()
}

// ---- Request Batch ----

// Entry is one request inside a batch.
type Entry struct {
	ID int // the history id: the request's correlation id
	Op Op
}

// BatchRequest carries several requests in one message.
type BatchRequest struct {
	Batch   int
	Entries []Entry
}

func (BatchRequest) Kind() string { return "BatchRequest" }
func (m BatchRequest) Summary() string {
	return "batch " + strconv.Itoa(m.Batch) + " (" + strconv.Itoa(len(m.Entries)) + " requests)"
}

// BatchResponse answers a batch: the results of the requests that
// succeeded, in the batch's order, and the refusals apart. Every one names
// its request, so the client can match them by id; matching by position
// goes wrong as soon as one request was refused.
type BatchResponse struct {
	Batch   int
	Results []Result
	Errors  []Result
}

func (BatchResponse) Kind() string { return "BatchResponse" }
func (m BatchResponse) Summary() string {
	s := "batch " + strconv.Itoa(m.Batch) + ": " + strconv.Itoa(len(m.Results)) + " ok"
	if len(m.Errors) > 0 {
		s += ", " + strconv.Itoa(len(m.Errors)) + " refused"
	}
	return s
}

// Sizes on the wire, in bytes. Every message pays one frame header (TCP/IP
// headers, a length, a correlation id and a kind: what a small request
// costs however little it carries); each request or result inside pays a
// few bytes of its own plus its key and value. A batch pays the header
// once for all its requests, which is what it saves on a link with a
// bandwidth or a cost per message.
const (
	frameHeader = 64
	entryHeader = 16 // id, sequence numbers, kind, lengths
	resultHead  = 12 // id, status, length
)

func (o Op) size() int     { return entryHeader + len(o.Key) + len(o.Value) }
func (r Result) size() int { return resultHead + len(r.Value) + len(r.Err) }

func (m Request) Size() int  { return frameHeader + m.Op.size() }
func (m Response) Size() int { return frameHeader + m.Result.size() }
func (m BatchRequest) Size() int {
	n := frameHeader
	for _, e := range m.Entries {
		n += e.Op.size()
	}
	return n
}
func (m BatchResponse) Size() int {
	n := frameHeader
	for _, r := range m.Results {
		n += r.size()
	}
	for _, r := range m.Errors {
		n += r.size()
	}
	return n
}

var _ = []engine.Sized{Request{}, Response{}, BatchRequest{}, BatchResponse{}}

func itoa(n int) string { return strconv.Itoa(n) }

// summary is a message's short text.
func summary(m engine.Message) string {
	if s, ok := m.(interface{ Summary() string }); ok {
		return s.Summary()
	}
	return m.Kind()
}
