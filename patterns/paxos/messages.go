package paxos

import (
	"strconv"
)

// Ballot numbers a proposer's attempt: a round and the proposer's place
// among the proposers (athens 0, byzantium 1), so two proposers never use
// the same ballot and any two are ordered: [2,athens] > [1,byzantium] >
// [1,athens]. The zero ballot is "none".
type Ballot struct {
	N    int    // the round
	P    int    // the proposer's index, breaking ties
	Node string // the proposer's name, for people
}

// Less reports whether b is older than o.
func (b Ballot) Less(o Ballot) bool { return b.N < o.N || b.N == o.N && b.P < o.P }

// IsZero is the ballot of nothing promised or accepted.
func (b Ballot) IsZero() bool { return b.N == 0 }

// String writes into a buffer on the stack: one allocation, not a growing
// buffer and then its copy (notes name ballots at nearly every step).
func (b Ballot) String() string {
	var buf [48]byte
	return string(b.appendTo(buf[:0]))
}

// appendTo appends the ballot as String writes it: summaries are written
// at every delivery, straight into the trace's buffer.
func (b Ballot) appendTo(buf []byte) []byte {
	if b.IsZero() {
		return append(buf, "—"...)
	}
	buf = strconv.AppendInt(append(buf, '['), int64(b.N), 10)
	return append(append(append(buf, ','), b.Node...), ']')
}

// keyBallot appends "key [n,node]", how every ballot message's summary
// starts.
func keyBallot(buf []byte, key string, b Ballot) []byte {
	return b.appendTo(append(append(buf, key...), ' '))
}

// Hue is the colour every message of this ballot is drawn in: consecutive
// ballots of two proposers take different colours.
func (b Ballot) Hue() int {
	if b.IsZero() {
		return 0
	}
	return (2*b.N + b.P) % 8
}

// Prepare asks an acceptor to promise to ignore every ballot below Ballot
// for Key (phase 1a).
type Prepare struct {
	Key    string
	Ballot Ballot
}

func (Prepare) Kind() string                    { return "Prepare" }
func (m Prepare) Summary() string               { return string(m.AppendSummary(nil)) }
func (m Prepare) AppendSummary(b []byte) []byte { return keyBallot(b, m.Key, m.Ballot) }
func (m Prepare) Hue() int                      { return m.Ballot.Hue() }

// Promise answers a Prepare (phase 1b). OK: the acceptor promised, and
// tells what it accepted before (Accepted, Value), if anything. Not OK:
// it had promised a higher ballot already (Promised), which the proposer
// must pass to be heard.
type Promise struct {
	Key      string
	Ballot   Ballot // the prepare's ballot
	OK       bool
	Promised Ballot // a refusal: the ballot promised
	Accepted Ballot // a promise: the acceptor's accepted ballot (zero: none)
	Value    string // ... and its value
}

func (Promise) Kind() string      { return "Promise" }
func (m Promise) Summary() string { return string(m.AppendSummary(nil)) }
func (m Promise) AppendSummary(b []byte) []byte {
	b = keyBallot(b, m.Key, m.Ballot)
	switch {
	case !m.OK:
		return m.Promised.appendTo(append(b, " refused: promised "...))
	case m.Accepted.IsZero():
		return append(b, " ok, nothing accepted"...)
	}
	return m.Accepted.appendTo(append(append(append(b, " ok, accepted "...), m.Value...), '@'))
}
func (m Promise) Hue() int { return m.Ballot.Hue() }

// Accept asks an acceptor to accept Value at Ballot for Key (phase 2a).
type Accept struct {
	Key    string
	Ballot Ballot
	Value  string
}

func (Accept) Kind() string      { return "Accept" }
func (m Accept) Summary() string { return string(m.AppendSummary(nil)) }
func (m Accept) AppendSummary(b []byte) []byte {
	return m.Ballot.appendTo(append(append(append(append(b, m.Key...), '='), m.Value...), ' '))
}
func (m Accept) Hue() int { return m.Ballot.Hue() }

// Accepted answers an Accept (phase 2b): OK, or refused because the
// acceptor promised a higher ballot (Promised).
type Accepted struct {
	Key      string
	Ballot   Ballot
	OK       bool
	Promised Ballot
}

func (Accepted) Kind() string      { return "Accepted" }
func (m Accepted) Summary() string { return string(m.AppendSummary(nil)) }
func (m Accepted) AppendSummary(b []byte) []byte {
	b = keyBallot(b, m.Key, m.Ballot)
	if !m.OK {
		return m.Promised.appendTo(append(b, " refused: promised "...))
	}
	return append(b, " ok"...)
}
func (m Accepted) Hue() int { return m.Ballot.Hue() }

// Commit announces a decision: Value was chosen for Key at Ballot. The
// proposer that saw a majority accept sends it to every acceptor and the
// other proposers, the learners.
type Commit struct {
	Key    string
	Ballot Ballot
	Value  string
}

func (Commit) Kind() string      { return "Commit" }
func (m Commit) Summary() string { return string(m.AppendSummary(nil)) }
func (m Commit) AppendSummary(b []byte) []byte {
	return Accept(m).AppendSummary(b)
}
func (m Commit) Hue() int { return m.Ballot.Hue() }

// Propose is a client asking a proposer to get Value chosen for Key.
type Propose struct {
	ID         int // the client's operation id, echoed
	Key, Value string
}

func (Propose) Kind() string      { return "Propose" }
func (m Propose) Summary() string { return string(m.AppendSummary(nil)) }
func (m Propose) AppendSummary(b []byte) []byte {
	return appendOp(b, m.ID, m.Key, m.Value)
}

// appendOp appends "#id key=value", how a client's messages show.
func appendOp(b []byte, id int, key, value string) []byte {
	b = strconv.AppendInt(append(b, '#'), int64(id), 10)
	return append(append(append(append(b, ' '), key...), '='), value...)
}

// Decided tells the client which value was chosen for the key: its own or
// one proposed before it.
type Decided struct {
	ID         int
	Key, Value string
}

func (Decided) Kind() string                    { return "Decided" }
func (m Decided) Summary() string               { return string(m.AppendSummary(nil)) }
func (m Decided) AppendSummary(b []byte) []byte { return appendOp(b, m.ID, m.Key, m.Value) }

// Op is a client's proposal as the history records it; Result the value
// the proposer said was chosen.
type Op struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (o Op) String() string { return string(o.AppendString(nil)) }

// AppendString is String appended to b (the trace records each input
// twice, and each result, as text).
func (o Op) AppendString(b []byte) []byte {
	return append(append(append(append(b, "propose "...), o.Key...), '='), o.Value...)
}

// KVKey and KVWrite make Op a kit.KVInput, so that histories split by key
// as a key-value store's do.
func (o Op) KVKey() string           { return o.Key }
func (o Op) KVWrite() (string, bool) { return o.Value, true }

type Result struct {
	Value string `json:"value"`
}

func (r Result) String() string { return string(r.AppendString(nil)) }

// AppendString is String appended to b.
func (r Result) AppendString(b []byte) []byte {
	return strconv.AppendQuote(append(b, "chosen "...), r.Value)
}
