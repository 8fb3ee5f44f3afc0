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

func (m Request) Summary() string {
	if m.Op == opPut {
		return "#" + strconv.Itoa(m.ID) + " put " + m.Key + "=" + m.Value
	}
	return "#" + strconv.Itoa(m.ID) + " get " + m.Key
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

func (m Reply) Summary() string {
	s := "#" + strconv.Itoa(m.ID)
	switch {
	case m.Refused != "":
		return s + " refused: " + m.Refused
	case m.Index > 0:
		return s + " ok at " + strconv.Itoa(m.Index)
	}
	return s + " " + strconv.Quote(m.Value)
}
