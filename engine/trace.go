package engine

import "strconv"

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

// Trace is the run's event log. It is kept in fixed-size chunks, so a long
// run never copies its history to grow it.
type Trace struct {
	chunks [][]TraceEvent
	n      int
}

const traceChunk = 4096

func (t *Trace) add(ev *TraceEvent) {
	ev.Seq = t.n
	last := len(t.chunks) - 1
	if last < 0 || len(t.chunks[last]) == traceChunk {
		t.chunks = append(t.chunks, make([]TraceEvent, 0, traceChunk))
		last++
	}
	t.chunks[last] = append(t.chunks[last], *ev)
	t.n++
}

// Events returns a copy of every event.
func (t *Trace) Events() []TraceEvent { return t.Since(0) }

// Since returns a copy of the events from seq on.
func (t *Trace) Since(seq int) []TraceEvent {
	if seq < 0 {
		seq = 0
	}
	if seq >= t.n {
		return nil
	}
	out := make([]TraceEvent, 0, t.n-seq)
	for c := seq / traceChunk; c < len(t.chunks); c++ {
		chunk := t.chunks[c]
		if c == seq/traceChunk {
			chunk = chunk[seq%traceChunk:]
		}
		out = append(out, chunk...)
	}
	return out
}

// Len is the number of events.
func (t *Trace) Len() int { return t.n }

// Hash is a fingerprint of the whole trace (every field of every event):
// equal runs have equal hashes.
func (t *Trace) Hash() string {
	h := fnv64(fnvOffset)
	for _, chunk := range t.chunks {
		for i := range chunk {
			e := &chunk[i]
			h = h.num(int64(e.Step)).num(e.At).str(string(e.Kind)).str(e.Node).str(e.From).str(e.To)
			h = h.num(int64(e.Msg)).str(e.MsgKind).str(e.Text)
		}
	}
	return strconv.FormatUint(uint64(h), 16)
}

type fnv64 uint64

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// num mixes a whole word at once (a multiply and a shift): numbers are most
// of what a trace holds, and byte-wise FNV on them is slow.
func (h fnv64) num(v int64) fnv64 {
	h = (h ^ fnv64(v)) * fnvPrime
	return h ^ h>>29
}

// str hashes the length first, so ("ab","c") and ("a","bc") differ.
func (h fnv64) str(s string) fnv64 {
	h = h.num(int64(len(s)))
	for i := 0; i < len(s); i++ {
		h = (h ^ fnv64(s[i])) * fnvPrime
	}
	return h
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
