package vvector

import (
	"strconv"
	"strings"
)

// Op is a client operation as the history records it: a get of a key, or
// an add of an item to it (a cart: the client writes the items it last
// read, merged, plus the new one).
type Op struct {
	Kind string `json:"kind"` // opGet or opAdd
	Key  string `json:"key"`
	Item string `json:"item,omitempty"`
	Node string `json:"node"` // the coordinator it went to
}

const (
	opGet = "get"
	opAdd = "add"
)

func (o Op) String() string { return string(o.AppendString(nil)) }

// AppendString is String appended to b (the trace records each input
// twice, and each result, as text).
func (o Op) AppendString(b []byte) []byte {
	if o.Kind == opAdd {
		b = append(append(append(b, "add "...), o.Item...), " to "...)
	} else {
		b = append(b, "get "...)
	}
	return append(append(append(b, o.Key...), " via "...), o.Node...)
}

// Result is what a successful operation returned: the write's dot (an
// add) or the siblings read (a get).
type Result struct {
	Dot    Dot      `json:"dot,omitzero"`
	Values []string `json:"values,omitempty"`
	Vector string   `json:"vector"` // the add's vector, or what the get read (its context)
}

func (r Result) String() string { return string(r.AppendString(nil)) }

// AppendString is String appended to b.
func (r Result) AppendString(b []byte) []byte {
	if r.Dot.Node != "" {
		b = r.Dot.appendTo(b)
	} else {
		b = appendQuotedValues(b, r.Values)
	}
	return append(append(b, ' '), r.Vector...)
}

// appendQuotedValues appends values joined by " | ", quoted as
// strconv.Quote does.
func appendQuotedValues(b []byte, values []string) []byte {
	if len(values) == 1 {
		return strconv.AppendQuote(b, values[0])
	}
	return strconv.AppendQuote(b, strings.Join(values, " | "))
}

// Status is how the coordinator completed a client's request.
type Status string

const (
	Success Status = "Success"
	Timeout Status = "Timeout"
)

// ReqID names a request a coordinator works on; replies carry it back. It
// starts with the coordinator's epoch, so a reply to a request from before
// a restart matches nothing after it.
type ReqID struct {
	Epoch, N int
}

func (r ReqID) String() string { return string(r.appendTo(nil)) }

func (r ReqID) appendTo(b []byte) []byte {
	return strconv.AppendInt(append(strconv.AppendInt(append(b, 'r'), int64(r.Epoch), 10), '.'), int64(r.N), 10)
}

// Message lines are written at every delivery, so each message appends its
// line to the trace's buffer (AppendSummary); Summary is the same line.

// appendOpID appends "#id ", how a client message's line starts.
func appendOpID(b []byte, id int) []byte {
	return append(strconv.AppendInt(append(b, '#'), int64(id), 10), ' ')
}

// ClientGet asks a server to coordinate a read of Key.
type ClientGet struct {
	ID  int
	Key string
}

func (ClientGet) Kind() string                    { return "ClientGet" }
func (m ClientGet) Summary() string               { return string(m.AppendSummary(nil)) }
func (m ClientGet) AppendSummary(b []byte) []byte { return append(appendOpID(b, m.ID), m.Key...) }

// ClientPut asks a server to coordinate a write of Key=Value; Ctx is the
// vector of what the client last read of the key (what the write
// replaces).
type ClientPut struct {
	ID    int
	Key   string
	Value string
	Ctx   VV
	// ctxText is Ctx as VV.String writes it, when the client had it
	// already ("": not made): the coordinator's note shows it.
	ctxText string
}

func (ClientPut) Kind() string      { return "ClientPut" }
func (m ClientPut) Summary() string { return string(m.AppendSummary(nil)) }
func (m ClientPut) AppendSummary(b []byte) []byte {
	return m.Ctx.appendTo(append(append(append(append(appendOpID(b, m.ID), m.Key...), '='), m.Value...), " ctx "...))
}

// ClientReply completes a client's request with every version the
// coordinator holds of the key (a write's reply too, as Riak does when
// asked to return the body): the client's next write replaces exactly
// these. Dot names the write an add made.
type ClientReply struct {
	ID       int
	Status   Status
	Dot      Dot
	Siblings []Sibling
}

func (ClientReply) Kind() string      { return "ClientReply" }
func (m ClientReply) Summary() string { return string(m.AppendSummary(nil)) }
func (m ClientReply) AppendSummary(b []byte) []byte {
	b = append(append(appendOpID(b, m.ID), m.Status...), ' ')
	for i, s := range m.Siblings {
		if i > 0 {
			b = append(b, " | "...)
		}
		b = append(b, s.Value...)
	}
	return b
}

// Replicate gives a replica a new version of Key; it merges it with what
// it holds and acknowledges.
type Replicate struct {
	Req      ReqID
	Key      string
	Siblings []Sibling
}

func (Replicate) Kind() string      { return "Replicate" }
func (m Replicate) Summary() string { return string(m.AppendSummary(nil)) }
func (m Replicate) AppendSummary(b []byte) []byte {
	return appendSummary(append(append(append(m.Req.appendTo(b), ' '), m.Key...), ' '), m.Siblings)
}

type ReplicateAck struct{ Req ReqID }

func (ReplicateAck) Kind() string                    { return "ReplicateAck" }
func (m ReplicateAck) Summary() string               { return string(m.AppendSummary(nil)) }
func (m ReplicateAck) AppendSummary(b []byte) []byte { return append(m.Req.appendTo(b), " ok"...) }

// Read asks a replica for its siblings of Key; ReadReply carries them.
type Read struct {
	Req ReqID
	Key string
}

func (Read) Kind() string                    { return "Read" }
func (m Read) Summary() string               { return string(m.AppendSummary(nil)) }
func (m Read) AppendSummary(b []byte) []byte { return append(append(m.Req.appendTo(b), ' '), m.Key...) }

type ReadReply struct {
	Req      ReqID
	Siblings []Sibling
}

func (ReadReply) Kind() string      { return "ReadReply" }
func (m ReadReply) Summary() string { return string(m.AppendSummary(nil)) }
func (m ReadReply) AppendSummary(b []byte) []byte {
	return appendSummary(append(m.Req.appendTo(b), ' '), m.Siblings)
}

// Repair is read repair: a coordinator that read different sibling sets
// from its replicas sends the merge to those that lacked part of it.
type Repair struct {
	Key      string
	Siblings []Sibling
}

func (Repair) Kind() string      { return "Repair" }
func (m Repair) Summary() string { return string(m.AppendSummary(nil)) }
func (m Repair) AppendSummary(b []byte) []byte {
	return appendSummary(append(append(b, m.Key...), ' '), m.Siblings)
}

// Sync is anti-entropy: a replica sends everything it holds to a peer,
// which merges it and (when Reply is set) sends back everything it holds,
// so both end up with the same versions.
type Sync struct {
	Store map[string][]Sibling
	Reply bool
}

func (Sync) Kind() string { return "Sync" }
func (m Sync) Summary() string {
	s := strconv.Itoa(len(m.Store)) + " keys"
	if m.Reply {
		s += ", reply wanted"
	}
	return s
}

// summary is siblings as a message line shows them: milk a:1 | eggs b:1.
func summary(sibs []Sibling) string { return string(appendSummary(nil, sibs)) }

func appendSummary(b []byte, sibs []Sibling) []byte {
	for i, s := range sibs {
		if i > 0 {
			b = append(b, " | "...)
		}
		b = s.Dot.appendTo(append(append(b, s.Value...), ' '))
	}
	return b
}
