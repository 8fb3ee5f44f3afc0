package engine

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"time"
)

// procEnv is the Env of one process.
type procEnv struct {
	sim  *Sim
	proc *proc
}

func (e *procEnv) ID() string         { return e.proc.id }
func (e *procEnv) Now() time.Duration { return e.proc.localTime(e.sim.now) }
func (e *procEnv) Rand() *rand.Rand   { return e.proc.rand }
func (e *procEnv) Storage() *Storage  { return e.proc.storage }
func (e *procEnv) Disk() *Disk        { return e.proc.disk }
func (e *procEnv) Fsync(file string) (int, error) {
	return e.fsync(file)
}
func (e *procEnv) Work(name string, d time.Duration) { e.work(name, d) }
func (e *procEnv) Peers() []string                   { return append([]string(nil), e.sim.peers...) }
func (e *procEnv) Role() Role                        { return e.proc.role }
func (e *procEnv) Members(r Role) []string {
	return e.sim.membersOf(r)
}
func (e *procEnv) Variant(n string) bool { return e.sim.variant(n) }

func (e *procEnv) Param(name string, def int) int {
	return e.sim.param(name, def)
}

func (e *procEnv) Send(to string, msg Message) {
	if e.proc.status == StatusCrashed {
		return
	}
	e.sim.send(e.proc, to, msg)
}

func (e *procEnv) SetTimer(name string, d time.Duration) {
	if e.proc.status == StatusCrashed {
		return
	}
	e.sim.armTimer(e.proc, name, d)
}

func (e *procEnv) CancelTimer(name string) {
	e.sim.cancelTimer(e.proc, name)
}

func (e *procEnv) Note(format string, args ...any) {
	e.sim.emit(TraceEvent{Kind: TrNote, Node: e.proc.id, Text: fmt.Sprintf(format, args...)})
}

func (e *procEnv) Invoke(input any) int {
	s := e.sim
	id := len(s.history)
	s.history = append(roomFor(s.history), Operation{ID: id, Client: e.proc.id, Input: input, Call: micros(s.now)})
	s.emit(TraceEvent{Kind: TrOp, Node: e.proc.id, Text: string(appendValue(append(make([]byte, 0, 48), "invoke "...), input))})
	return id
}

func (e *procEnv) Complete(id int, output any, status OpStatus) {
	s := e.sim
	if id < 0 || id >= len(s.history) || s.history[id].Status != OpPending || status == OpPending {
		return
	}
	op := &s.history[id]
	op.Output, op.Status, op.Return = output, status, micros(s.now)
	b := append(append(make([]byte, 0, 64), status...), ' ')
	b = append(appendValue(b, op.Input), " → "...)
	s.emit(TraceEvent{Kind: TrOp, Node: e.proc.id, Text: string(appendValue(b, output))})
}

// appendValue appends v as fmt's %v does, without fmt's reflection for the
// values client histories hold (strings, ints, value types with a String
// method): every operation writes two of these to the trace.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return append(b, x...)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case fmt.Formatter, error:
	case fmt.Stringer:
		// fmt prints a nil pointer as <nil> and catches a panicking
		// String: leave pointers and panics to it.
		if reflect.TypeOf(x).Kind() != reflect.Pointer {
			if s, ok := callString(x); ok {
				return append(b, s...)
			}
		}
	}
	return fmt.Append(b, v)
}

func callString(x fmt.Stringer) (s string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return x.String(), true
}
