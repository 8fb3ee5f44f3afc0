package engine

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// hashEvents is Hash written over materialised events, the way the trace
// was hashed when it stored TraceEvent values.
func hashEvents(events []TraceEvent) string {
	h := fnv64(fnvOffset)
	for _, e := range events {
		h = h.num(int64(e.Step)).num(e.At).str(string(e.Kind)).str(e.Node).str(e.From).str(e.To)
		h = h.num(int64(e.Msg)).str(e.MsgKind).str(e.Text)
	}
	return strconv.FormatUint(uint64(h), 16)
}

// The trace keeps packed records; what Since, Events and Hash give must be
// exactly the events written, and Hash a function of those events alone.
func TestPackedRecordsGiveBackTheEvents(t *testing.T) {
	s := storyRun(t, 7)
	events := s.Trace().Events()
	if got, want := s.Trace().Hash(), hashEvents(events); got != want {
		t.Fatalf("Hash %s, hash of the events %s", got, want)
	}
	again := traceFrom(events)
	if !reflect.DeepEqual(again.Events(), events) || again.Hash() != s.Trace().Hash() {
		t.Fatal("writing the events into a fresh trace does not give them back")
	}
	kinds := map[TraceKind]bool{}
	for _, e := range events {
		kinds[e.Kind] = true
	}
	for _, k := range []TraceKind{TrSend, TrDeliver, TrDrop, TrDuplicate, TrTimer, TrStart, TrCrash, TrCommand, TrOp} {
		if !kinds[k] {
			t.Errorf("the story run has no %s event: it does not cover every record path", k)
		}
	}
}

// A long run is mostly trace: keep its records at 24 bytes.
func TestPackedRecordSize(t *testing.T) {
	if n := unsafe.Sizeof(packedRec{}); n != 24 {
		t.Fatalf("a packed record takes %d bytes", n)
	}
}

func TestTraceKeepsOddNamesAndLongTexts(t *testing.T) {
	var tr Trace
	long := strings.Repeat("é", 70_000)
	in := []TraceEvent{
		{Step: 1, At: 5, Kind: "custom", Node: "nowhere", From: "", To: "x y", Msg: 1 << 60, MsgKind: "Odd", Text: long},
		{Step: 1 << 40, At: -3, Kind: TrNote, Text: ""},
		{Step: 2, At: 6, Kind: TrNote, Node: "nowhere", Text: "again"},
		{Step: 2, At: 6 + 1<<32, Kind: TrNote, Node: "nowhere", Text: "hours later"}, // past a packed time
		{Step: 2, At: 7 + 1<<32, Kind: TrSend, Node: "nowhere", Msg: 1 << 32, Text: "id past 32 bits"},
		{Step: 2, At: 8 + 1<<32, Kind: TrSend, Node: "nowhere", Msg: 1<<32 - 1, Text: "id just fits"},
	}
	for i := 0; i < 600; i++ { // more names than a packed record can name
		in = append(in, TraceEvent{Step: 3, At: int64(i), Kind: TrSend, Node: "n" + strconv.Itoa(i%300), From: "f" + strconv.Itoa(i), Msg: uint64(i), Text: "t"})
	}
	for i := range in {
		e := in[i]
		tr.add(&e)
	}
	for i := range in {
		in[i].Seq = i
	}
	if got := tr.Events(); !reflect.DeepEqual(got, in) {
		t.Fatalf("got %+v", got)
	}
	if tr.Hash() != hashEvents(in) {
		t.Fatal("Hash is not the hash of the events")
	}
}

// appendPing summarises itself by appending, as hot messages do.
type appendPing struct{ N int }

func (appendPing) Kind() string { return "Ping" }
func (p appendPing) AppendSummary(b []byte) []byte {
	return strconv.AppendInt(append(b, "n="...), int64(p.N), 10)
}
func (p appendPing) Summary() string { return string(p.AppendSummary(nil)) }

// badAppender returns a fresh slice instead of appending to b.
type badAppender struct{}

func (badAppender) Kind() string                  { return "Bad" }
func (badAppender) Summary() string               { return "bad" }
func (badAppender) AppendSummary(b []byte) []byte { return []byte("x") }

func TestDeliveryTextIsTheSummary(t *testing.T) {
	var tr Trace
	tr.record(traceRec{kind: tr.sym(string(TrNote))}, "before")
	tr.recordSummary(traceRec{kind: symDeliver}, appendPing{N: 42})
	tr.recordSummary(traceRec{kind: symDeliver}, ping{N: 7})
	tr.recordSummary(traceRec{kind: symDeliver}, pong{N: 7}) // no summary
	tr.recordSummary(traceRec{kind: symDeliver}, badAppender{})
	tr.record(traceRec{kind: tr.sym(string(TrNote))}, "after")
	var texts []string
	for _, e := range tr.Events() {
		texts = append(texts, e.Text)
	}
	if want := []string{"before", "n=42", "n=7", "", "bad", "after"}; !reflect.DeepEqual(texts, want) {
		t.Fatalf("texts %q, want %q", texts, want)
	}
}

type valueStringer struct{ s string }

func (v valueStringer) String() string { return "V" + v.s }

type pointerStringer struct{}

func (*pointerStringer) String() string { return "P" }

type panicStringer struct{}

func (panicStringer) String() string { panic("no") }

// Operation texts skip fmt for common values; they must read as %v does.
func TestOperationTextsReadAsFmt(t *testing.T) {
	var nilPtr *pointerStringer
	for _, v := range []any{nil, "", "x", 3, -7, valueStringer{"q"}, appendingStringer{"a"}, appendingStringer{"bad"}, &pointerStringer{}, nilPtr, panicStringer{},
		errors.New("e"), 2.5, []int{1}, map[string]int{"a": 1}, struct{ A int }{1}, OpOK, time.Second} {
		if got, want := string(appendValue([]byte("> "), v)), "> "+fmt.Sprintf("%v", v); got != want {
			t.Errorf("%T: %q, fmt says %q", v, got, want)
		}
	}
}

// appendingStringer appends its String, except "bad", which returns a
// slice that is no append (String must be used then).
type appendingStringer struct{ s string }

func (a appendingStringer) String() string { return "<" + a.s + ">" }
func (a appendingStringer) AppendString(b []byte) []byte {
	if a.s == "bad" {
		return nil
	}
	return append(append(append(b, '<'), a.s...), '>')
}

// A timer re-armed later keeps its first queued event as a stand-in; it must
// still fire once, at its last deadline, and in arm order with timers due at
// the same instant.
func TestRearmedTimerFiresOnceInArmOrder(t *testing.T) {
	s := newSim(t, quiet(three...))
	act(t, s, "athens", "timer", "name", "a", "ms", "10")
	act(t, s, "athens", "timer", "name", "b", "ms", "15")
	for ms := 11; ms <= 15; ms++ { // each later: no new queue entry
		act(t, s, "athens", "timer", "name", "a", "ms", strconv.Itoa(ms))
	}
	if s.Pending() != 2 {
		t.Fatalf("%d events queued for two timers", s.Pending())
	}
	act(t, s, "athens", "timer", "name", "d", "ms", "15") // armed after a's last re-arm
	act(t, s, "athens", "timer", "name", "c", "ms", "30")
	act(t, s, "athens", "timer", "name", "c", "ms", "20") // earlier: queued anew
	s.RunFor(time.Second, 0)
	var fired []string
	for _, e := range traceOf(s, TrTimer) {
		fired = append(fired, fmt.Sprintf("%s@%d", e.Text, e.At/1000))
	}
	if want := []string{"b@15", "a@15", "d@15", "c@20"}; !reflect.DeepEqual(fired, want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
	if s.StepCount() != 4 {
		t.Fatalf("%d steps, want 4", s.StepCount())
	}
}

// The engine names trace kinds by fixed symbol numbers: they must be the
// ones the kinds were interned as.
func TestTraceKindSymbolsAreInternedInOrder(t *testing.T) {
	var tr Trace
	for i, k := range traceKinds {
		if got := tr.sym(string(k)); got != uint32(i+1) {
			t.Fatalf("%s is symbol %d, want %d", k, got, i+1)
		}
	}
	if tr.sym(string(TrNote)) != symNote || tr.sym(string(TrOp)) != symOp || tr.sym(string(TrRequest)) != symRequest {
		t.Fatal("a sym constant is out of step with traceKinds")
	}
}

// Notes are formatted by appendf, which must write what fmt.Sprintf does,
// also for the verbs and arguments it leaves to fmt.
func TestNoteTextIsWhatSprintfWrites(t *testing.T) {
	type named string
	cases := []struct {
		format string
		args   []any
	}{
		{"appended %d %s=%s to %s (%s's request #%d)", []any{12, "k1", "v", "wal_1", "alice", 400}},
		{"plain", nil},
		{"100%% sure, %d%%", []any{-7}},
		{"%v and %q", []any{3 * time.Millisecond, "x"}},
		{"%5d|%-4s|", []any{42, "ab"}},
		{"%s", []any{named("n")}},
		{"%d", []any{int64(9)}},
		{"%s %s", []any{"only one"}},
		{"%s", []any{"a", "extra"}},
		{"trailing %", nil},
		{"%d", []any{nil}},
		{"", nil},
	}
	for _, c := range cases {
		want := fmt.Sprintf(c.format, c.args...)
		if got := string(appendf([]byte("keep:"), c.format, c.args)); got != "keep:"+want {
			t.Errorf("appendf(%q, %v) = %q, want %q", c.format, c.args, got, "keep:"+want)
		}
		// Notef's arguments: the same text, when each is a string or an int.
		var args []Arg
		for _, a := range c.args {
			switch v := a.(type) {
			case string:
				args = append(args, S(v))
			case int:
				args = append(args, D(v))
			}
		}
		if len(args) == len(c.args) {
			if got := string(appendf([]byte("keep:"), c.format, args)); got != "keep:"+want {
				t.Errorf("appendf(%q, %v as Args) = %q, want %q", c.format, c.args, got, "keep:"+want)
			}
		}
	}
	swapped := "%s %d"
	if got, want := string(appendf(nil, swapped, []Arg{D(1), S("x")})), fmt.Sprintf(swapped, 1, "x"); got != want {
		t.Errorf("Args swapped: %q, fmt says %q", got, want)
	}
}

// noteAppended calls Notef the way a pattern does: with an Env the compiler
// cannot see through.
//
//go:noinline
func noteAppended(env Env, i int, key string) {
	Notef(env, "appended %d %s to %s", D(i), S(key), S("wal"))
}

// Notef allocates nothing per line: no boxing of each argument, and no
// heap copy of the argument list (a call through the Env interface made
// one).
func TestNotefDoesNotBoxItsArguments(t *testing.T) {
	s := newSim(t, quiet("athens"))
	env := s.procByID("athens").env
	key, i := "k1", 1000
	noteAppended(env, i, key)
	if allocs := testing.AllocsPerRun(1000, func() {
		i++
		noteAppended(env, i, key)
	}); allocs > 0 {
		t.Fatalf("%v allocations per Notef", allocs)
	}
	evs := s.Trace().Events()
	if last := evs[len(evs)-1]; last.Kind != TrNote || last.Node != "athens" || last.Text != fmt.Sprintf("appended %d k1 to wal", i) {
		t.Fatalf("last event %+v", last)
	}
}

// B writes a buffer's bytes where S would write them as a string, and
// Notef copies them without an allocation (the buffer is the caller's).
func TestNotefWritesBufferArgumentsAsStrings(t *testing.T) {
	buf := []byte("ctx [a:1]")
	for _, f := range []string{"%s: write %s with %s", "%d%%: %s then %s", "%q and %s %s"} {
		args := []Arg{S("athens"), B(buf), B(nil)}
		if f[1] == 'd' {
			args[0] = D(7)
		}
		var want string
		if f[1] == 'd' {
			want = fmt.Sprintf(f, 7, "ctx [a:1]", "")
		} else {
			want = fmt.Sprintf(f, "athens", "ctx [a:1]", "")
		}
		if got := string(appendf(nil, f, args)); got != want {
			t.Errorf("%q gave %q, fmt says %q", f, got, want)
		}
	}
	s := newSim(t, quiet("athens"))
	env := s.procByID("athens").env
	if allocs := testing.AllocsPerRun(1000, func() {
		buf = append(buf[:4], "[b:2]"...)
		noteBuffer(env, buf)
	}); allocs > 0 {
		t.Fatalf("%v allocations per Notef with a buffer", allocs)
	}
	evs := s.Trace().Events()
	if last := evs[len(evs)-1]; last.Text != "context ctx [b:2] seen" {
		t.Fatalf("last note %q", last.Text)
	}
}

//go:noinline
func noteBuffer(env Env, b []byte) { Notef(env, "context %s seen", B(b)) }

// Timers armed and cancelled long before they are due (a client's timeout
// per operation) must not pile up in the queue, and the timers still armed
// fire as before.
func TestCancelledTimersLeaveTheQueue(t *testing.T) {
	s := newSim(t, quiet(three...))
	act(t, s, "athens", "timer", "name", "late", "ms", "900")
	act(t, s, "athens", "timer", "name", "early", "ms", "500")
	for i := 0; i < 1000; i++ {
		name := "op" + strconv.Itoa(i)
		act(t, s, "athens", "timer", "name", name, "ms", "400")
		act(t, s, "athens", "cancel", "name", name)
	}
	if s.Pending() > 130 {
		t.Fatalf("%d events queued for two armed timers", s.Pending())
	}
	s.RunFor(time.Second, 0)
	var fired []string
	for _, e := range traceOf(s, TrTimer) {
		fired = append(fired, fmt.Sprintf("%s@%d", e.Text, e.At/1000))
	}
	if want := []string{"early@500", "late@900"}; !reflect.DeepEqual(fired, want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
}

// A trace block's text arena grows by doubling, and starts as long as the
// last block's came to: a run whose lines are long copies its text a few
// times in the first block, then not at all.
func TestTraceTextGrowsByDoublingThenNotAtAll(t *testing.T) {
	// Mallocs counts the runtime's own allocations too (a GC cycle makes
	// some): the fewest of three fresh runs is the trace's.
	first, more := uint64(1<<63), uint64(1<<63)
	for range 3 {
		s := newSim(t, quiet("athens"))
		env := s.procByID("athens").env
		long := strings.Repeat("x", 40)
		i := 0
		fill := func(upto int) uint64 { // the allocations to fill the trace up to upto events
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for s.Trace().Len() < upto {
				i++
				noteAppended(env, i, long)
			}
			runtime.ReadMemStats(&after)
			return after.Mallocs - before.Mallocs
		}
		first = min(first, fill(traceChunk))
		more = min(more, fill(4*traceChunk))
	}
	// The first block: its text doubles from 16 bytes a line to 64.
	if first > 4 {
		t.Fatalf("%d allocations for the first block of long lines", first)
	}
	// Three more: each its block, records and text, and the list of blocks
	// growing. Growing text by a quarter cost a dozen copies a block.
	if more > 3*3+2 {
		t.Fatalf("%d allocations for three more blocks of long lines", more)
	}
}
