package durable

import "strconv"

// Request is a client's put or get; ID is the client's operation id, also
// the request id the log records.
type Request struct {
	ID         int
	Op         string // opPut or opGet
	Key, Value string
}

const (
	opPut = "put"
	opGet = "get"
)

func (Request) Kind() string { return "Request" }

func (m Request) Summary() string { return string(m.AppendSummary(nil)) }

// AppendSummary writes the summary straight into the trace (every delivery
// records one).
func (m Request) AppendSummary(b []byte) []byte {
	b = strconv.AppendInt(append(b, '#'), int64(m.ID), 10)
	if m.Op == opPut {
		return append(append(append(append(b, " put "...), m.Key...), '='), m.Value...)
	}
	return append(append(b, " get "...), m.Key...)
}

// Reply answers a Request: the value read, or the index a put is durable
// at; Refused says the server could not take it (its disk is full).
type Reply struct {
	ID      int
	Value   string
	Index   int
	Refused string
}

func (Reply) Kind() string { return "Reply" }

func (m Reply) Summary() string { return string(m.AppendSummary(nil)) }

// AppendSummary is Summary appended to b.
func (m Reply) AppendSummary(b []byte) []byte {
	b = strconv.AppendInt(append(b, '#'), int64(m.ID), 10)
	switch {
	case m.Refused != "":
		return append(append(b, " refused: "...), m.Refused...)
	case m.Index > 0:
		return strconv.AppendInt(append(b, " ok at "...), int64(m.Index), 10)
	}
	return strconv.AppendQuote(append(b, ' '), m.Value)
}
