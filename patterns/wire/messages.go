package wire

import (
	"clusterscope/engine"
	"strconv"
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

func (o Op) String() string { return string(o.AppendString(nil)) }

// AppendString appends String's text to b: the engine writes every
// operation to the trace, and appending spares a string per request.
func (o Op) AppendString(b []byte) []byte {
	if o.Seq > 0 {
		b = append(appendSeq(b, o.Seq), ' ')
	}
	b = append(append(append(b, o.Kind...), ' '), o.Key...)
	if o.Kind == opPut {
		b = strconv.AppendQuote(append(b, '='), o.Value)
	}
	return b
}

// appendSeq writes a sequence number as the texts show it: "#12".
func appendSeq(b []byte, seq int) []byte { return strconv.AppendInt(append(b, '#'), int64(seq), 10) }

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

func (r Result) String() string { return string(r.AppendString(nil)) }

// AppendString appends String's text to b (see Op.AppendString).
func (r Result) AppendString(b []byte) []byte {
	if !r.OK {
		return append(b, r.Err...)
	}
	if r.Value != "" {
		return strconv.AppendQuote(append(b, "ok "...), r.Value)
	}
	return append(b, "ok"...)
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

// AppendSummary writes Summary into the trace's buffer without a string
// of its own (the engine prefers it: every message is summarised).
func (m Request) AppendSummary(b []byte) []byte { return m.Op.AppendString(b) }

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

func (Response) Kind() string      { return "Response" }
func (m Response) Summary() string { return string(m.AppendSummary(nil)) }
func (m Response) AppendSummary(b []byte) []byte {
	b = appendSeq(b, m.Seq)
	if m.Status == RespRejected {
		return appendSeq(append(b, " rejected, expects "...), m.Expected)
	}
	return m.Result.AppendString(append(b, ' '))
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

func (BatchRequest) Kind() string      { return "BatchRequest" }
func (m BatchRequest) Summary() string { return string(m.AppendSummary(nil)) }
func (m BatchRequest) AppendSummary(b []byte) []byte {
	b = strconv.AppendInt(append(b, "batch "...), int64(m.Batch), 10)
	b = strconv.AppendInt(append(b, " ("...), int64(len(m.Entries)), 10)
	return append(b, " requests)"...)
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

func (BatchResponse) Kind() string      { return "BatchResponse" }
func (m BatchResponse) Summary() string { return string(m.AppendSummary(nil)) }
func (m BatchResponse) AppendSummary(b []byte) []byte {
	b = strconv.AppendInt(append(b, "batch "...), int64(m.Batch), 10)
	b = strconv.AppendInt(append(b, ": "...), int64(len(m.Results)), 10)
	b = append(b, " ok"...)
	if len(m.Errors) > 0 {
		b = strconv.AppendInt(append(b, ", "...), int64(len(m.Errors)), 10)
		b = append(b, " refused"...)
	}
	return b
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
