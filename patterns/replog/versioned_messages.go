package replog

import "strconv"

// opGetAt is a read at a version: answered from the store, not a log entry.
const opGetAt = "get-at"

// VersionedInput is a client operation of the Versioned Value page as the
// history records it.
type VersionedInput struct {
	Op     string `json:"op"` // put, get-at, transfer, snap-open, snap-close
	Key    string `json:"key,omitempty"`
	Value  string `json:"value,omitempty"`
	To     string `json:"to,omitempty"`     // a transfer's second account
	Amount int    `json:"amount,omitempty"` // a transfer's amount
	At     int    `json:"at,omitempty"`     // the version read, or the snapshot closed
}

func (in VersionedInput) String() string { return string(in.AppendString(nil)) }

// AppendString appends String's text to b: the engine writes every
// operation's input and output to the trace, and appending spares a
// string each.
func (in VersionedInput) AppendString(b []byte) []byte {
	switch in.Op {
	case opPut:
		return append(append(append(append(b, "put "...), in.Key...), '='), in.Value...)
	case opGetAt:
		return appendInt(append(append(append(b, "get "...), in.Key...), '@'), in.At)
	case opTransfer:
		b = append(appendInt(append(b, "move "...), in.Amount), ' ')
		return append(append(append(b, in.Key...), "→"...), in.To...)
	case opSnapOpen:
		return append(b, "open snapshot"...)
	case opSnapClose:
		return appendInt(append(b, "close snapshot @"...), in.At)
	}
	return append(b, in.Op...)
}

// VersionedOutput is a completed operation's result: the value read (if a
// read) and the version it came from, or the version a write or snapshot
// got.
type VersionedOutput struct {
	Value   string `json:"value,omitempty"`
	Version int    `json:"version"`
}

func (out VersionedOutput) String() string { return string(out.AppendString(nil)) }

// AppendString appends String's text to b (see VersionedInput.AppendString).
func (out VersionedOutput) AppendString(b []byte) []byte {
	if out.Value != "" {
		return append(appendInt(append(strconv.AppendQuote(b, out.Value), " (v"...), out.Version), ')')
	}
	return appendInt(append(b, 'v'), out.Version)
}

// VersionedRequest carries one client operation of the page.
type VersionedRequest struct {
	ID int
	In VersionedInput
}

func (VersionedRequest) Kind() string      { return "VersionedRequest" }
func (m VersionedRequest) Summary() string { return "#" + itoa(m.ID) + " " + m.In.String() }

// VersionedReply answers a VersionedRequest: the value and its version, a
// refusal with a hint, or an error (compacted, not applied yet).
type VersionedReply struct {
	ID        int
	Value     string
	Version   int
	NotLeader bool
	Hint      string
	Err       string
}

func (VersionedReply) Kind() string { return "VersionedReply" }
func (m VersionedReply) Summary() string {
	s := "#" + itoa(m.ID)
	switch {
	case m.NotLeader:
		return s + " not leader " + m.Hint
	case m.Err != "":
		return s + " " + m.Err
	case m.Value != "":
		return s + " " + m.Value + " @v" + itoa(m.Version)
	}
	return s + " v" + itoa(m.Version)
}
