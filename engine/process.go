// Package engine is clusterscope's deterministic discrete-event simulator.
//
// A Sim owns virtual time and one event queue ordered by (at, seq). Nodes and
// clients are Processes: pure state machines that react to one Event at a time
// and act only through their Env. Nothing here starts a goroutine, reads the
// wall clock or uses global randomness, so one (config, seed, command log)
// always gives the same trace, byte for byte.
package engine

import (
	"math/rand/v2"
	"time"
)

// Message is anything a process sends. Messages are plain values: the engine
// keeps the value it was given, so a sender must never mutate a slice or map
// it has put in a sent message (copy it first).
type Message interface {
	// Kind names the message type ("RequestVote"); drop rules and views use it.
	Kind() string
}

// Summarizer is optional on a Message: a short human text for views and the
// event log ("gen 2, idx 5"). Without it the view shows the kind alone.
type Summarizer interface {
	Summary() string
}

// Hued is optional on a Message: the colour it is drawn in (any integer;
// pictures use it modulo their palette) instead of its kind's colour. A
// pattern whose messages belong to numbered attempts (Paxos ballots) gives
// each attempt a colour, so a learner sees which attempt a message serves.
type Hued interface {
	Hue() int
}

// Stamped is optional on a Process: the stamp its clock gave its latest
// event (a Lamport counter "7", a hybrid clock's "(1000,2)"), appended to
// b; nothing appended means no stamp. The engine asks after every event
// (Handle) and keeps the stamp with the trace event that woke it (the
// delivery, timer, request or boot), so the space-time diagram can write it
// beside that event. Appending into the trace's own buffer costs no
// allocation per event.
type Stamped interface {
	AppendStamp(b []byte) []byte
}

// SummaryAppender is an optional, cheaper Summarizer: it appends the same
// text as Summary to b. The engine records a summary at every delivery, and
// appending straight into the trace's buffer spares an allocation each time.
type SummaryAppender interface {
	AppendSummary(b []byte) []byte
}

// EventKind says what woke a process.
type EventKind uint8

const (
	// EvStart is delivered at boot and after every restart: the process must
	// rebuild itself from env.Storage().
	EvStart EventKind = iota + 1
	// EvReceive carries a message from another process.
	EvReceive
	// EvTimer fires a timer the process set.
	EvTimer
	// EvRequest is an operation from outside: a client operation or a pattern
	// action chosen by the learner or a scenario.
	EvRequest
	// EvDisk says an fsync finished (Event.Disk).
	EvDisk
)

func (k EventKind) String() string {
	switch k {
	case EvStart:
		return "start"
	case EvReceive:
		return "receive"
	case EvTimer:
		return "timer"
	case EvRequest:
		return "request"
	case EvDisk:
		return "disk"
	}
	return "unknown"
}

// Event is the single input of a Process. Only the fields of its Kind are set.
type Event struct {
	Kind    EventKind
	From    string   // EvReceive: the sender
	Msg     Message  // EvReceive
	Conn    ConnID   // EvReceive: the connection it came on (0: none)
	Timer   string   // EvTimer: the name given to SetTimer
	Request Request  // EvRequest
	Disk    DiskDone // EvDisk
}

// Request is a client operation or a pattern action. Name is the operation
// ("write", "read", "force-election"); Args are its parameters as text, as a
// learner typed them or a scenario wrote them.
type Request struct {
	Name string            `json:"name"`
	Args map[string]string `json:"args,omitempty"`
}

// Process is a node or a client. It is a state machine: Handle is called with
// one event at a time and acts only through env; effects (sends, timers) are
// queued by the engine, never run inline.
type Process interface {
	Handle(env Env, ev Event)
	// View renders the process for the browser with generic widgets.
	View() ProcessView
}

// RequestValidator is optional on a Process: it checks a request before the
// engine accepts the command, so bad arguments become an error for the user
// instead of a silent no-op.
type RequestValidator interface {
	ValidateRequest(req Request) error
}

// Env is everything a process may touch. It is bound to one process.
type Env interface {
	// ID is this process's name (athens, alice).
	ID() string
	// Now is the process's local clock: virtual time skewed by the node's
	// offset, drift and jumps. It can go backwards after a jump.
	Now() time.Duration
	// Monotonic is the process's monotonic clock: it runs at the local
	// clock's rate (drift included) but never jumps, so it measures how
	// long something took even across an offset or a step of Now.
	Monotonic() time.Duration
	// Send queues msg for delivery to another process.
	Send(to string, msg Message)
	// Dial opens a connection to another process, usable at once (0 when
	// there is no such process). What SendOn puts on it arrives in send
	// order, without gaps or copies, whatever the link's FIFO setting; a
	// lost message breaks the connection instead. Both ends get a
	// ConnClosed message when it breaks; the receiver learns the
	// connection of each message from Event.Conn.
	Dial(to string) ConnID
	SendOn(c ConnID, msg Message)
	// Close closes this end: what is in flight on it is lost and the peer
	// gets ConnClosed.
	Close(c ConnID)
	// SetTimer arms (or re-arms) the timer called name to fire after d of
	// local clock time.
	SetTimer(name string, d time.Duration)
	CancelTimer(name string)
	// Rand is this process's own seeded stream; it survives restarts.
	Rand() *rand.Rand
	// Storage is the process's durable disk.
	Storage() *Storage
	// Disk is the process's file system (files of records, fsync that
	// takes time); Fsync asks it to make a file's written records durable
	// and returns a job id that a later EvDisk event names.
	Disk() *Disk
	Fsync(file string) (int, error)
	// Work keeps the process busy for d of true time (a slow disk write on
	// its only thread): what reaches it meanwhile waits in arrival order,
	// and the timer called name fires when the work is done.
	Work(name string, d time.Duration)
	// Note adds a narration line to the trace ("athens becomes leader of gen 2").
	// engine.Notef writes the same without an allocation per argument.
	Note(format string, args ...any)
	// Variant reports whether the named broken variant is switched on.
	Variant(name string) bool
	// Param reads an integer cluster setting (e.g. "quorum", "heartbeat-ms"),
	// or def when it is not set.
	Param(name string, def int) int
	// Peers lists the server nodes in the cluster (not standby, not left),
	// sorted, this one included when it is a node.
	Peers() []string
	// Role is this process's role; Members lists the processes in the
	// cluster with the given role, sorted (a shared slice: do not modify
	// it).
	Role() Role
	Members(role Role) []string
	// Invoke and Complete record a client operation in the history, stamped
	// with true virtual time (clients only). Invoke returns the operation id.
	Invoke(input any) int
	Complete(id int, output any, status OpStatus)
}
