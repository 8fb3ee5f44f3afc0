package updatequeue

import (
	"strconv"
)

// Op is a client operation as the history records it: a withdrawal, a
// deposit or a balance read.
type Op struct {
	Kind   string `json:"kind"` // opWithdraw, opDeposit or opBalance
	Amount int    `json:"amount,omitempty"`
}

const (
	opWithdraw = "withdraw"
	opDeposit  = "deposit"
	opBalance  = "balance"
)

func (o Op) String() string { return string(o.AppendString(nil)) }

// AppendString appends String's text to b: the engine writes every
// operation's input and output to the trace, and appending spares a
// string each.
func (o Op) AppendString(b []byte) []byte {
	if o.Kind == opBalance {
		return append(b, "balance?"...)
	}
	return strconv.AppendInt(append(append(b, o.Kind...), ' '), int64(o.Amount), 10)
}

// mutates reports whether the operation changes the balance (and so goes
// through the WAL).
func (o Op) mutates() bool { return o.Kind == opWithdraw || o.Kind == opDeposit }

// Outcome is what athens answered: OK with the balance after the
// operation, or refused with a reason; Balance is what the task read when it
// refused for insufficient funds.
type Outcome struct {
	OK      bool   `json:"ok"`
	Reason  string `json:"reason,omitempty"`
	Balance int    `json:"balance"`
}

func (o Outcome) String() string { return string(o.AppendString(nil)) }

// AppendString appends String's text to b (see Op.AppendString).
func (o Outcome) AppendString(b []byte) []byte {
	if o.OK {
		return strconv.AppendInt(append(b, "ok, balance "...), int64(o.Balance), 10)
	}
	b = strconv.AppendInt(append(append(b, o.Reason...), " (balance "...), int64(o.Balance), 10)
	return append(b, ')')
}

// Refusal reasons. INSUFFICIENT is an answer (the operation ran and saw
// too little money); the others mean it never took effect.
const (
	ReasonInsufficient = "INSUFFICIENT"
	ReasonQueueFull    = "QUEUE_FULL"
	ReasonDiskFull     = "DISK_FULL"
	ReasonDiskError    = "DISK_ERROR"
)

// Request is a client's operation sent to athens.
type Request struct {
	ID int // the operation's id in the history, echoed in the Reply
	Op Op
}

func (Request) Kind() string      { return "Request" }
func (m Request) Summary() string { return string(m.AppendSummary(nil)) }

// AppendSummary writes Summary into the trace's buffer without a string
// of its own (the engine prefers it: every message is summarised).
func (m Request) AppendSummary(b []byte) []byte {
	return m.Op.AppendString(append(appendID(b, m.ID), ' '))
}

// appendID writes an operation id as the summaries show it: "#12".
func appendID(b []byte, id int) []byte { return strconv.AppendInt(append(b, '#'), int64(id), 10) }

// Reply answers a Request.
type Reply struct {
	ID      int
	Outcome Outcome
}

func (Reply) Kind() string      { return "Reply" }
func (m Reply) Summary() string { return string(m.AppendSummary(nil)) }
func (m Reply) AppendSummary(b []byte) []byte {
	return m.Outcome.AppendString(append(appendID(b, m.ID), ' '))
}

// Heartbeat is byzantium asking athens "are you there?"; athens answers
// with a HeartbeatAck carrying the same Seq.
type Heartbeat struct{ Seq int }

func (Heartbeat) Kind() string      { return "Heartbeat" }
func (m Heartbeat) Summary() string { return string(m.AppendSummary(nil)) }
func (m Heartbeat) AppendSummary(b []byte) []byte {
	return strconv.AppendInt(append(b, "beat "...), int64(m.Seq), 10)
}

// HeartbeatAck answers a Heartbeat.
type HeartbeatAck struct{ Seq int }

func (HeartbeatAck) Kind() string      { return "HeartbeatAck" }
func (m HeartbeatAck) Summary() string { return string(m.AppendSummary(nil)) }
func (m HeartbeatAck) AppendSummary(b []byte) []byte {
	return strconv.AppendInt(append(b, "ack "...), int64(m.Seq), 10)
}
