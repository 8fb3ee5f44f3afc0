package engine

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// procEnv is the Env of one process.
type procEnv struct {
	sim  *Sim
	proc *proc
}

func (e *procEnv) ID() string         { return e.proc.id }
func (e *procEnv) Now() time.Duration { return e.proc.localTime(e.sim.now) }
func (e *procEnv) Monotonic() time.Duration {
	return e.proc.monotonicTime(e.sim.now)
}
func (e *procEnv) Rand() *rand.Rand  { return e.proc.rand }
func (e *procEnv) Storage() *Storage { return e.proc.storage }
func (e *procEnv) Disk() *Disk       { return e.proc.disk }
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

func (e *procEnv) Dial(to string) ConnID {
	if e.proc.status == StatusCrashed {
		return 0
	}
	return e.sim.dial(e.proc, to)
}

func (e *procEnv) SendOn(c ConnID, msg Message) {
	if e.proc.status == StatusCrashed {
		return
	}
	e.sim.sendOn(e.proc, c, msg)
}

func (e *procEnv) Close(c ConnID) { e.sim.closeConn(e.proc, c) }

func (e *procEnv) SetTimer(name string, d time.Duration) {
	if e.proc.status == StatusCrashed {
		return
	}
	e.sim.armTimer(e.proc, name, d)
}

func (e *procEnv) CancelTimer(name string) {
	e.sim.cancelTimer(e.proc, name)
}

// SetTimerNamed is env.SetTimer(string(name), d), for a name written in a
// buffer (kit.TimerKey writes "retry#12" so): re-arming a timer that is
// already armed, or cancelling one (CancelTimerNamed), makes no string. As
// Notef, it is a function so that the buffer can stay on the caller's
// stack.
func SetTimerNamed(env Env, name []byte, d time.Duration) {
	e, ok := env.(*procEnv)
	if !ok {
		env.SetTimer(string(name), d)
		return
	}
	if e.proc.status == StatusCrashed {
		return
	}
	e.sim.armTimerNamed(e.proc, name, d)
}

// CancelTimerNamed is env.CancelTimer(string(name)) for a name written in a
// buffer, without making a string of it.
func CancelTimerNamed(env Env, name []byte) {
	e, ok := env.(*procEnv)
	if !ok {
		env.CancelTimer(string(name))
		return
	}
	e.sim.cancel(e.proc, e.proc.timers.getBytes(name))
}

// Note formats straight into the trace: processes narrate every step.
func (e *procEnv) Note(format string, args ...any) {
	c, off := e.sim.trace.open()
	c.text = appendf(c.text, format, args)
	e.sim.closeEvent(c, symNote, e.proc.sym, off)
}

// Notef is env.Note for a line of strings and ints only (S, D), which it
// takes without boxing each: for the lines written at nearly every step.
// Notef(env, f, S(a), D(b)) writes what env.Note(f, a, b) does. It is a
// function, not an Env method, because a call through an interface makes
// Go put the argument slice on the heap; here it stays on the caller's
// stack.
func Notef(env Env, format string, args ...Arg) {
	e, ok := env.(*procEnv)
	if !ok {
		vals := make([]any, len(args))
		for i, a := range args {
			vals[i] = a.value()
		}
		env.Note(format, vals...)
		return
	}
	c, off := e.sim.trace.open()
	c.text = appendf(c.text, format, args)
	e.sim.closeEvent(c, symNote, e.proc.sym, off)
}

// Arg is an argument of Notef: a string (S) or an int (D), passed as it
// is instead of boxed in an interface, which costs an allocation each.
type Arg struct {
	s   string
	b   []byte
	n   int
	num bool
	raw bool // b, not s
}

// S is a string argument of Notef.
func S(s string) Arg { return Arg{s: s} }

// B is a string argument of Notef written in a buffer, which Notef copies
// into the trace as it is (S(string(b)) would make a string of it first).
// The buffer may be reused once Notef returns.
func B(b []byte) Arg { return Arg{b: b, raw: true} }

// D is an int argument of Notef.
func D(n int) Arg { return Arg{n: n, num: true} }

// value is the argument as Note would have been given it.
func (a Arg) value() any {
	if a.num {
		return a.n
	}
	if a.raw {
		return string(a.b)
	}
	return a.s
}

// appendf appends fmt.Sprintf(format, args...) to b (an Arg counts as its
// string or int). The verbs notes nearly always use, a plain %s of a
// string and %d of an int, are written here; any other verb, flag or
// argument type leaves the whole text to fmt.
func appendf[A any](b []byte, format string, args []A) []byte {
	start, next := len(b), 0
	for i := 0; i < len(format); i++ {
		j := strings.IndexByte(format[i:], '%')
		if j < 0 {
			b = append(b, format[i:]...)
			break
		}
		b = append(b, format[i:i+j]...)
		if i += j + 1; i < len(format) && format[i] == '%' {
			b = append(b, '%')
			continue
		}
		if i == len(format) || next == len(args) {
			return fmtAppendf(b[:start], format, args)
		}
		// An Arg is read in place (no copy of it, no boxing of its
		// string); an argument of Note is a string or an int, or fmt's.
		var str string
		var raw []byte
		n, kind := 0, argOther
		if a, ok := any(&args[next]).(*Arg); ok {
			switch {
			case a.num:
				n, kind = a.n, argInt
			case a.raw:
				raw, kind = a.b, argBytes
			default:
				str, kind = a.s, argString
			}
		} else {
			switch v := any(args[next]).(type) {
			case string:
				str, kind = v, argString
			case int:
				n, kind = v, argInt
			}
		}
		switch format[i] {
		case 's':
			switch kind {
			case argString:
				b = append(b, str...)
			case argBytes:
				b = append(b, raw...)
			default:
				return fmtAppendf(b[:start], format, args)
			}
		case 'd':
			if kind != argInt {
				return fmtAppendf(b[:start], format, args)
			}
			b = strconv.AppendInt(b, int64(n), 10)
		default:
			return fmtAppendf(b[:start], format, args)
		}
		next++
	}
	if next != len(args) {
		return fmtAppendf(b[:start], format, args)
	}
	return b
}

// What appendf found an argument to be.
const (
	argOther = iota
	argString
	argBytes
	argInt
)

func fmtAppendf[A any](b []byte, format string, args []A) []byte {
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = any(a)
		if x, ok := vals[i].(Arg); ok {
			vals[i] = x.value()
		}
	}
	return fmt.Appendf(b, format, vals...)
}

func (e *procEnv) Invoke(input any) int {
	s := e.sim
	id := len(s.history)
	s.history = append(roomFor(s.history), Operation{ID: id, Client: e.proc.id, Input: input, Call: micros(s.now)})
	c, off := s.trace.open()
	c.text = appendValue(append(c.text, "invoke "...), input)
	s.closeEvent(c, symOp, e.proc.sym, off)
	return id
}

func (e *procEnv) Complete(id int, output any, status OpStatus) {
	s := e.sim
	if id < 0 || id >= len(s.history) || s.history[id].Status != OpPending || status == OpPending {
		return
	}
	op := &s.history[id]
	op.Output, op.Status, op.Return = output, status, micros(s.now)
	c, off := s.trace.open()
	b := append(append(c.text, status...), ' ')
	b = append(appendValue(b, op.Input), " → "...)
	c.text = appendValue(b, output)
	s.closeEvent(c, symOp, e.proc.sym, off)
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
			if out, ok := callString(b, x); ok {
				return out
			}
		}
	}
	return fmt.Append(b, v)
}

// StringAppender is optional on a history value that has a String method:
// AppendString appends the same text to b, sparing the string that String
// makes (every operation writes its input twice to the trace).
type StringAppender interface {
	AppendString(b []byte) []byte
}

func callString(b []byte, x fmt.Stringer) (out []byte, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if a, is := x.(StringAppender); is {
		if out := a.AppendString(b); len(out) >= len(b) { // an append: keep it
			return out, true
		}
	}
	return append(b, x.String()...), true
}
