package engine

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// procEnv is the Env of one process.
type procEnv struct {
	sim  *Sim
	proc *proc
}

func (e *procEnv) ID() string            { return e.proc.id }
func (e *procEnv) Now() time.Duration    { return e.proc.localTime(e.sim.now) }
func (e *procEnv) Rand() *rand.Rand      { return e.proc.rand }
func (e *procEnv) Storage() *Storage     { return e.proc.storage }
func (e *procEnv) Peers() []string       { return append([]string(nil), e.sim.nodeIDs...) }
func (e *procEnv) Variant(n string) bool { return e.sim.variants[n] }

func (e *procEnv) Param(name string, def int) int {
	if v, ok := e.sim.params[name]; ok {
		return v
	}
	return def
}

func (e *procEnv) Send(to string, msg Message) {
	if e.proc.status == statusCrashed {
		return
	}
	e.sim.send(e.proc, to, msg)
}

func (e *procEnv) SetTimer(name string, d time.Duration) {
	if e.proc.status == statusCrashed {
		return
	}
	e.sim.armTimer(e.proc, name, d)
}

func (e *procEnv) CancelTimer(name string) {
	if t := e.proc.timers[name]; t != nil {
		t.armed, t.held, t.evSeq = false, false, 0
	}
}

func (e *procEnv) Note(format string, args ...any) {
	e.sim.emit(TraceEvent{Kind: TrNote, Node: e.proc.id, Text: fmt.Sprintf(format, args...)})
}

func (e *procEnv) Invoke(input any) int {
	s := e.sim
	id := len(s.history)
	s.history = append(s.history, Operation{ID: id, Client: e.proc.id, Input: input, Call: micros(s.now)})
	s.emit(TraceEvent{Kind: TrOp, Node: e.proc.id, Text: fmt.Sprintf("invoke %v", input)})
	return id
}

func (e *procEnv) Complete(id int, output any, status OpStatus) {
	s := e.sim
	if id < 0 || id >= len(s.history) || s.history[id].Status != OpPending || status == OpPending {
		return
	}
	op := &s.history[id]
	op.Output, op.Status, op.Return = output, status, micros(s.now)
	s.emit(TraceEvent{Kind: TrOp, Node: e.proc.id, Text: fmt.Sprintf("%s %v → %v", status, op.Input, output)})
}
