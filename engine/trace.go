package engine

import (
	"slices"
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
	// Stamp is what the process's own clock stamped this event with (a
	// Lamport or hybrid clock: Stamped), on the event that woke it.
	Stamp string `json:"stamp,omitempty"`
}

// Trace is the run's event log. It is kept in fixed-size chunks, so a long
// run never copies its history to grow it, and compactly: a record names
// kinds and processes by symbol number and keeps its text in its chunk's
// byte arena, so records hold no pointers and the garbage collector never
// scans a run's history (which dominated the cost of long runs). TraceEvent
// values are built only when Since, Events or Hash read them.
type Trace struct {
	chunks []*traceBlock
	n      int
	syms   []string          // symbol number -> text; 0 is ""
	symOf  map[string]uint32 // text -> symbol number
	recent [16]symbol        // a cache in front of symOf for message kinds
	spare  []*traceBlock     // empty blocks from finished runs (Spares), used before new ones
}

type symbol struct {
	s  string
	id uint32
}

const traceChunk = 4096

// traceRec is an event as the engine hands it to the trace: names as
// symbols, the text apart.
type traceRec struct {
	step                          int
	at                            int64
	msg                           uint64
	kind, node, from, to, msgKind uint32 // symbols
}

// packedRec is how a chunk stores an event, in 24 bytes: the step and the
// time count from the chunk's first, the message id is small, the text
// sits in the chunk's arena, and the symbols are small. An event that does
// not fit (a name interned late, a very long text, a step or time out of
// order, a message id past 2³²) is kept whole in the chunk's wide list
// instead, and its packed record says where (kind wideRec, textOff).
type packedRec struct {
	step           uint32 // minus the chunk's step0
	at             uint32 // µs, minus the chunk's at0
	msg            uint32
	textOff        uint32 // in the chunk's text arena
	textLen        uint16
	msgKind        uint16
	kind           uint8
	node, from, to uint8
}

const wideRec = 1<<8 - 1 // packedRec.kind of an event kept in traceBlock.wide

type traceBlock struct {
	recs  []packedRec
	text  []byte
	step0 int
	at0   int64 // the time of the first record
	wide  []TraceEvent
	// stamps are the events' stamps (Stamped), by record, in record
	// order; most runs have none, and a record needs no room for one.
	stamps []stampRef
}

// empty makes c a block with nothing in it, keeping its arrays.
func (c *traceBlock) empty() {
	c.recs, c.text, c.stamps = c.recs[:0], c.text[:0], c.stamps[:0]
	c.wide = nil // rare, and holds strings
	c.step0, c.at0 = 0, 0
}

// stampRef is the stamp of record rec of its chunk, at [off, off+n) of the
// chunk's text arena.
type stampRef struct {
	rec, off uint32
	n        uint16
}

// stampOf is the stamp of record i, looked up from the cursor *k on (a
// reader going through the records in order passes the same cursor).
func (c *traceBlock) stampOf(i int, k *int) []byte {
	for *k < len(c.stamps) && int(c.stamps[*k].rec) < i {
		*k++
	}
	if *k < len(c.stamps) && int(c.stamps[*k].rec) == i {
		r := c.stamps[*k]
		return c.text[r.off : r.off+uint32(r.n)]
	}
	return nil
}

// pack stores r with its text, which sits at [off, off+n) of the arena.
func (c *traceBlock) pack(t *Trace, r traceRec, off, n int) {
	if len(c.recs) == 0 {
		c.step0, c.at0 = r.step, r.at
	}
	d, dt := uint64(r.step-c.step0), uint64(r.at-c.at0)
	if r.kind < wideRec && r.node < 1<<8 && r.from < 1<<8 && r.to < 1<<8 && r.msgKind < 1<<16 && d < 1<<32 && dt < 1<<32 && r.msg < 1<<32 && n < 1<<16 {
		c.recs = append(c.recs, packedRec{msg: uint32(r.msg), at: uint32(dt), step: uint32(d), textOff: uint32(off), textLen: uint16(n),
			kind: uint8(r.kind), node: uint8(r.node), from: uint8(r.from), to: uint8(r.to), msgKind: uint16(r.msgKind)})
		return
	}
	text := string(c.text[off : off+n])
	c.text = c.text[:off]
	c.recs = append(c.recs, packedRec{kind: wideRec, textOff: uint32(len(c.wide))})
	c.wide = append(c.wide, TraceEvent{Step: r.step, At: r.at, Kind: TraceKind(t.syms[r.kind]), Node: t.syms[r.node],
		From: t.syms[r.from], To: t.syms[r.to], Msg: r.msg, MsgKind: t.syms[r.msgKind], Text: text})
}

// The trace kinds are the first symbols, in this order, so the engine's hot
// paths name them without a lookup.
var traceKinds = [...]TraceKind{TrSend, TrDeliver, TrDrop, TrDuplicate, TrTimer, TrRequest, TrStart,
	TrCrash, TrRestart, TrPause, TrResume, TrNote, TrCommand, TrViolation, TrOp}

const (
	symSend uint32 = 1 + iota
	symDeliver
	symDrop
	symDuplicate
	symTimer
	symRequest
	symStart
	symCrash
	symRestart
	symPause
	symResume
	symNote
	symCommand
	symViolation
	symOp
)

func (t *Trace) init() {
	t.syms = make([]string, 1, 32)
	t.symOf = map[string]uint32{"": 0}
	for _, k := range traceKinds {
		t.sym(string(k))
	}
}

// sym is the symbol number of s, interning it on first use.
func (t *Trace) sym(s string) uint32 {
	if t.syms == nil {
		t.init()
	}
	if id, ok := t.symOf[s]; ok {
		return id
	}
	id := uint32(len(t.syms))
	t.syms = append(t.syms, s)
	t.symOf[s] = id
	return id
}

// kindSym is sym for the kind of every message sent: a message kind is
// nearly always a constant, so comparing with the cached string is quick.
func (t *Trace) kindSym(s string) uint32 {
	if s == "" {
		return 0
	}
	slot := &t.recent[(len(s)+int(s[0])+3*int(s[len(s)-1]))&15]
	if slot.s == s && slot.id != 0 {
		return slot.id
	}
	id := t.sym(s)
	*slot = symbol{s, id}
	return id
}

// add appends ev (Seq is set here).
func (t *Trace) add(ev *TraceEvent) {
	ev.Seq = t.n
	t.record(traceRec{step: ev.Step, at: ev.At, msg: ev.Msg, kind: t.sym(string(ev.Kind)),
		node: t.sym(ev.Node), from: t.sym(ev.From), to: t.sym(ev.To), msgKind: t.sym(ev.MsgKind)}, ev.Text)
}

// block is the chunk the next event goes to.
func (t *Trace) block() *traceBlock {
	last := len(t.chunks) - 1
	if last < 0 || len(t.chunks[last].recs) == traceChunk {
		if t.syms == nil {
			t.init()
		}
		if n := len(t.spare); n > 0 {
			t.chunks = append(t.chunks, t.spare[n-1])
			t.spare[n-1] = nil
			t.spare = t.spare[:n-1]
			return t.chunks[last+1]
		}
		// A block's text starts as long as the last one's came to, and a
		// little more: growing it by doubling copied it twice on average.
		textCap := 16 * traceChunk
		if last >= 0 {
			textCap = max(textCap, len(t.chunks[last].text)*9/8)
		}
		t.chunks = append(t.chunks, &traceBlock{recs: make([]packedRec, 0, traceChunk), text: make([]byte, 0, textCap)})
		last++
	}
	return t.chunks[last]
}

// record appends r with text, whose symbols the caller has interned.
func (t *Trace) record(r traceRec, text string) {
	c, off := t.open()
	c.text = append(c.text, text...)
	t.close(c, r, off)
}

// open starts an event whose text the caller appends to c.text, in place
// (no string is made for it); close files the event.
func (t *Trace) open() (c *traceBlock, off int) {
	c = t.block()
	if cap(c.text)-len(c.text) < 256 {
		// Double it here: append grows a slice this big by a quarter, which
		// copied a block's text a dozen times as it filled.
		c.text = slices.Grow(c.text, cap(c.text))
	}
	return c, len(c.text)
}

// close files r with the text appended to c.text since off.
func (t *Trace) close(c *traceBlock, r traceRec, off int) {
	c.pack(t, r, off, len(c.text)-off)
	t.n++
}

// recordSummary is record with msg's summary as text.
func (t *Trace) recordSummary(r traceRec, msg Message) {
	sa, ok := msg.(SummaryAppender)
	if !ok {
		t.record(r, summary(msg))
		return
	}
	c, off := t.open()
	out := sa.AppendSummary(c.text)
	if len(out) < off { // not an append: keep what the arena held
		out = append(c.text, summary(msg)...)
	}
	c.text = out
	t.close(c, r, off)
}

// stamp keeps what st appends as the stamp of event seq (the latest
// event's, or one shortly before it: events are stamped in order).
func (t *Trace) stamp(seq int, st Stamped) {
	c := t.chunks[seq/traceChunk]
	off := len(c.text)
	c.text = st.AppendStamp(c.text)
	n := len(c.text) - off
	if n <= 0 || n >= 1<<16 || len(c.text) >= 1<<32 {
		c.text = c.text[:min(off, len(c.text))] // no stamp, or not an append
		return
	}
	c.stamps = append(c.stamps, stampRef{rec: uint32(seq % traceChunk), off: uint32(off), n: uint16(n)})
}

// event materialises the record at position seq; stamp is its stamp.
func (t *Trace) event(c *traceBlock, r *packedRec, seq int, stamp []byte) TraceEvent {
	var ev TraceEvent
	if r.kind == wideRec {
		ev = c.wide[r.textOff]
		ev.Seq = seq
	} else {
		ev = TraceEvent{Seq: seq, Step: c.step0 + int(r.step), At: c.at0 + int64(r.at), Kind: TraceKind(t.syms[r.kind]), Node: t.syms[r.node],
			From: t.syms[r.from], To: t.syms[r.to], Msg: uint64(r.msg), MsgKind: t.syms[r.msgKind]}
		if r.textLen > 0 {
			ev.Text = string(c.text[r.textOff : r.textOff+uint32(r.textLen)])
		}
	}
	if len(stamp) > 0 {
		ev.Stamp = string(stamp)
	}
	return ev
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
		i, k := 0, 0
		if c == seq/traceChunk {
			i = seq % traceChunk
		}
		for ; i < len(chunk.recs); i++ {
			out = append(out, t.event(chunk, &chunk.recs[i], c*traceChunk+i, chunk.stampOf(i, &k)))
		}
	}
	return out
}

// Story returns, oldest first, up to max of the events before seq end
// that tell a run's story: every kind but message traffic and timers
// (notes, crashes, commands, violations...). It looks back over at most
// lookback records, so a page asking after a long run pays a bounded scan.
func (t *Trace) Story(end, max, lookback int) []TraceEvent {
	end = min(end, t.n)
	var out []TraceEvent
	for seq := end - 1; seq >= 0 && seq >= end-lookback && len(out) < max; seq-- {
		c := t.chunks[seq/traceChunk]
		i := seq % traceChunk
		r := &c.recs[i]
		if r.kind == wideRec {
			if isTraffic(c.wide[r.textOff].Kind) {
				continue
			}
		} else if k := uint32(r.kind); k >= symSend && k <= symTimer {
			continue
		}
		k := 0
		out = append(out, t.event(c, r, seq, c.stampOf(i, &k)))
	}
	slices.Reverse(out)
	return out
}

// isTraffic is whether kind is message traffic or a timer firing.
func isTraffic(kind TraceKind) bool {
	switch kind {
	case TrSend, TrDeliver, TrDrop, TrDuplicate, TrTimer:
		return true
	}
	return false
}

// Len is the number of events.
func (t *Trace) Len() int { return t.n }

// Hash is a fingerprint of the whole trace (every field of every event):
// equal runs have equal hashes. It is the hash of the events Since and
// Events give, read straight from the records.
func (t *Trace) Hash() string {
	h := fnv64(fnvOffset)
	for _, c := range t.chunks {
		k := 0
		for i := range c.recs {
			r := &c.recs[i]
			// A stamp is mixed in only where there is one, so a run
			// without stamps hashes as it always did.
			if st := c.stampOf(i, &k); len(st) > 0 {
				h = h.bytes(st)
			}
			if r.kind == wideRec {
				e := &c.wide[r.textOff]
				h = h.num(int64(e.Step)).num(e.At).str(string(e.Kind)).str(e.Node).str(e.From).str(e.To)
				h = h.num(int64(e.Msg)).str(e.MsgKind).str(e.Text)
				continue
			}
			h = h.num(int64(c.step0 + int(r.step))).num(c.at0 + int64(r.at)).str(t.syms[r.kind]).str(t.syms[r.node]).str(t.syms[r.from]).str(t.syms[r.to])
			h = h.num(int64(r.msg)).str(t.syms[r.msgKind]).bytes(c.text[r.textOff : r.textOff+uint32(r.textLen)])
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

// bytes is str on text kept as bytes.
func (h fnv64) bytes(b []byte) fnv64 {
	h = h.num(int64(len(b)))
	for _, c := range b {
		h = (h ^ fnv64(c)) * fnvPrime
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
	// View, optional, shows what the checker keeps (the history it judges
	// by, which lives with it, one per run) in the cluster panel, after
	// Model.View's widgets. Like Model.View it must change nothing.
	View func(w *World) []Widget
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
