package engine

import (
	"encoding/binary"
	"hash/fnv"
	"strconv"
)

// TraceKind names a trace event. The strings are part of the protocol.
type TraceKind string

const (
	TrSend      TraceKind = "send"
	TrDeliver   TraceKind = "deliver"
	TrDrop      TraceKind = "drop"
	TrDuplicate TraceKind = "duplicate"
	TrTimer     TraceKind = "timer"
	TrRequest   TraceKind = "request"
	TrStart     TraceKind = "start"
	TrCrash     TraceKind = "crash"
	TrRestart   TraceKind = "restart"
	TrPause     TraceKind = "pause"
	TrResume    TraceKind = "resume"
	TrNote      TraceKind = "note"
	TrCommand   TraceKind = "command"   // a change from outside (partition, skew...)
	TrViolation TraceKind = "violation" // an invariant broke
	TrOp        TraceKind = "op"        // a client operation was invoked or completed
)

// TraceEvent is one line of the append-only trace. Msg links a send to its
// delivery, drop or duplicate; From/To are the endpoints. Times are virtual
// microseconds.
type TraceEvent struct {
	Seq     int       `json:"seq"`  // position in the trace
	Step    int       `json:"step"` // the step during which it happened
	At      int64     `json:"at"`
	Kind    TraceKind `json:"kind"`
	Node    string    `json:"node,omitempty"` // the process it happened at
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Msg     uint64    `json:"msg,omitempty"`
	MsgKind string    `json:"msgKind,omitempty"`
	Text    string    `json:"text,omitempty"`
}

// Trace is the run's event log.
type Trace struct {
	events []TraceEvent
}

func (t *Trace) add(ev TraceEvent) {
	ev.Seq = len(t.events)
	t.events = append(t.events, ev)
}

// Events returns every event; the slice must not be modified.
func (t *Trace) Events() []TraceEvent { return t.events }

// Since returns the events from seq on.
func (t *Trace) Since(seq int) []TraceEvent {
	if seq >= len(t.events) {
		return nil
	}
	if seq < 0 {
		seq = 0
	}
	return t.events[seq:]
}

// Len is the number of events.
func (t *Trace) Len() int { return len(t.events) }

// Hash is a fingerprint of the whole trace: equal runs have equal hashes.
func (t *Trace) Hash() string {
	h := fnv.New64a()
	var buf [8]byte
	num := func(v int64) {
		binary.LittleEndian.PutUint64(buf[:], uint64(v))
		h.Write(buf[:])
	}
	str := func(s string) {
		num(int64(len(s)))
		h.Write([]byte(s))
	}
	for _, e := range t.events {
		num(int64(e.Step))
		num(e.At)
		str(string(e.Kind))
		str(e.Node)
		str(e.From)
		str(e.To)
		num(int64(e.Msg))
		str(e.MsgKind)
		str(e.Text)
	}
	return strconv.FormatUint(h.Sum64(), 16)
}

// Violation is an invariant that broke, with the step where it was seen and a
// sentence that explains it.
type Violation struct {
	Invariant string   `json:"invariant"`
	Step      int      `json:"step"`
	At        int64    `json:"at"`
	Text      string   `json:"text"`
	Nodes     []string `json:"nodes,omitempty"` // the processes involved, for highlighting
}

// Invariant is a safety property checked after every step. Check returns ""
// when it holds, or a sentence that explains the violation. A checker may keep
// state (what it saw committed so far): the engine makes a fresh one per run.
type Invariant struct {
	Name        string
	Description string
	Check       func(w *World) (explanation string, nodes []string)
}

// OpStatus is how a client operation ended.
type OpStatus string

const (
	OpPending OpStatus = ""        // invoked, no answer yet
	OpOK      OpStatus = "ok"      // succeeded
	OpFail    OpStatus = "fail"    // definitely did not happen
	OpUnknown OpStatus = "unknown" // timed out: it may or may not have happened
)

// Operation is one client operation in the history, in true virtual time
// (microseconds). Return is 0 while pending. Input and Output are the
// pattern's own values, checked by its porcupine model.
type Operation struct {
	ID     int      `json:"id"`
	Client string   `json:"client"`
	Input  any      `json:"input"`
	Output any      `json:"output,omitempty"`
	Call   int64    `json:"call"`
	Return int64    `json:"return,omitempty"`
	Status OpStatus `json:"status,omitempty"`
}
