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

func (o Op) String() string {
	if o.Kind == opBalance {
		return "balance?"
	}
	return o.Kind + " " + strconv.Itoa(o.Amount)
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

func (o Outcome) String() string {
	if o.OK {
		return "ok, balance " + strconv.Itoa(o.Balance)
	}
	return o.Reason + " (balance " + strconv.Itoa(o.Balance) + ")"
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
func (m Request) Summary() string { return "#" + strconv.Itoa(m.ID) + " " + m.Op.String() }

// Reply answers a Request.
type Reply struct {
	ID      int
	Outcome Outcome
}

func (Reply) Kind() string      { return "Reply" }
func (m Reply) Summary() string { return "#" + strconv.Itoa(m.ID) + " " + m.Outcome.String() }

// Heartbeat is byzantium asking athens "are you there?"; athens answers
// with a HeartbeatAck carrying the same Seq.
type Heartbeat struct{ Seq int }

func (Heartbeat) Kind() string      { return "Heartbeat" }
func (m Heartbeat) Summary() string { return "beat " + strconv.Itoa(m.Seq) }

// HeartbeatAck answers a Heartbeat.
type HeartbeatAck struct{ Seq int }

func (HeartbeatAck) Kind() string      { return "HeartbeatAck" }
func (m HeartbeatAck) Summary() string { return "ack " + strconv.Itoa(m.Seq) }
