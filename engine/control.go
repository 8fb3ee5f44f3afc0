package engine

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Apply carries out one command from outside and appends it to the command
// log. A command that names something unknown or has bad arguments returns
// an error that says what is wrong and changes nothing.
func (s *Sim) Apply(c Command) error {
	if s.model.CheckCommand != nil {
		if err := s.model.CheckCommand(s.World(), c); err != nil {
			return err
		}
	}
	s.curStep = s.step
	s.handled = nil
	for _, p := range s.procs {
		p.viewStale = true // a command may change any process or disk
	}
	if err := s.apply(c); err != nil {
		return err
	}
	s.log.add(LoggedCommand{Step: s.step, At: micros(s.now), Command: c})
	s.checkInvariants()
	return nil
}

// Log is the command log so far; the slice must not be modified.
func (s *Sim) Log() []LoggedCommand { return s.log.all() }

// Config returns the run's configuration.
func (s *Sim) Config() Config { return s.cfg }

func (s *Sim) proc(id, what string) (*proc, error) {
	if id == "" {
		return nil, fmt.Errorf("%s: which process? (node is empty)", what)
	}
	p := s.procByID(id)
	if p == nil {
		return nil, fmt.Errorf("%s: no process called %q", what, id)
	}
	return p, nil
}

func (s *Sim) apply(c Command) error {
	switch c.Kind {
	case CmdCrash, CmdRestart, CmdPause, CmdResume:
		p, err := s.proc(c.Node, c.Kind)
		if err != nil {
			return err
		}
		return s.lifecycle(p, c.Kind)
	case CmdJoin, CmdLeave:
		p, err := s.proc(c.Node, c.Kind)
		if err != nil {
			return err
		}
		if c.Kind == CmdJoin {
			return s.join(p)
		}
		return s.leave(p)
	case CmdPartition:
		return s.partition(c.Groups)
	case CmdCut:
		a, err := s.proc(c.From, "cut (from)")
		if err != nil {
			return err
		}
		b, err := s.proc(c.To, "cut (to)")
		if err != nil {
			return err
		}
		if a == b {
			return errors.New("cut: from and to are the same process")
		}
		s.links[a.index][b.index].up = false
		s.emit(TraceEvent{Kind: TrCommand, From: a.id, To: b.id, Text: c.String()})
	case CmdHeal:
		if c.From == "" && c.To == "" {
			for i := range s.links {
				for j := range s.links[i] {
					s.links[i][j].up = true
				}
			}
			s.rules = nil
			s.emit(TraceEvent{Kind: TrCommand, Text: c.String()})
			return nil
		}
		a, err := s.proc(c.From, "heal (from)")
		if err != nil {
			return err
		}
		b, err := s.proc(c.To, "heal (to)")
		if err != nil {
			return err
		}
		s.links[a.index][b.index].up = true
		s.links[b.index][a.index].up = true
		s.emit(TraceEvent{Kind: TrCommand, From: a.id, To: b.id, Text: c.String()})
	case CmdReset:
		a, err := s.proc(c.From, "reset (from)")
		if err != nil {
			return err
		}
		b, err := s.proc(c.To, "reset (to)")
		if err != nil {
			return err
		}
		if !s.hasConn(a, b) {
			return fmt.Errorf("reset: no open connection between %s and %s", a.id, b.id)
		}
		s.emit(TraceEvent{Kind: TrCommand, From: a.id, To: b.id, Text: c.String()})
		s.reset(a, b)
	case CmdOffset, CmdDrift, CmdJump:
		p, err := s.proc(c.Node, c.Kind)
		if err != nil {
			return err
		}
		return s.skew(p, c)
	case CmdDeliver, CmdDrop, CmdDuplicate:
		m, ok := s.message(c.Msg)
		if !ok {
			return fmt.Errorf("%s: no message #%d in flight", c.Kind, c.Msg)
		}
		if err := s.orderedOnConn(m, c.Kind); err != nil {
			return err
		}
		switch c.Kind {
		case CmdDeliver:
			s.emit(TraceEvent{Kind: TrCommand, From: s.procs[m.from].id, To: s.procs[m.to].id, Msg: m.id, MsgKind: m.msg.Kind(), Text: fmt.Sprintf("deliver #%d now", m.id)})
			s.scheduleAt(m, s.now)
		case CmdDrop:
			s.lose(m, "dropped by hand")
		case CmdDuplicate:
			s.duplicate(m, s.now)
		}
	case CmdDisk:
		return s.diskCommand(c)
	case CmdManual:
		s.manual = c.On
		s.emit(TraceEvent{Kind: TrCommand, Text: c.String()})
		if !c.On {
			// Release what the learner held, in send order, as if sent now.
			// A paused receiver parks them on arrival, as any message.
			for _, m := range s.heldMessages() {
				s.scheduleAt(m, s.dueFor(&s.links[m.from][m.to], m))
			}
		}
	case CmdDropNext:
		for _, id := range []string{c.From, c.To} {
			if id != "" {
				if _, err := s.proc(id, "drop-next"); err != nil {
					return err
				}
			}
		}
		n := c.Count
		if n == 0 {
			n = 1
		}
		if n < 0 || n > 1_000_000 {
			return errors.New("drop-next: count must be 1..1000000")
		}
		s.rules = append(s.rules, dropRule{from: c.From, to: c.To, kind: c.MsgKind, left: n})
		s.emit(TraceEvent{Kind: TrCommand, From: c.From, To: c.To, MsgKind: c.MsgKind, Text: c.String()})
	case CmdNetwork:
		if c.Net == nil {
			return errors.New("network: no settings given")
		}
		for _, id := range []string{c.From, c.To} {
			if id != "" {
				if _, err := s.proc(id, "network"); err != nil {
					return err
				}
			}
		}
		if err := checkNet(*c.Net); err != nil {
			return fmt.Errorf("network: %w", err)
		}
		for i := range s.links {
			for j := range s.links[i] {
				if (c.From == "" || s.procs[i].id == c.From) && (c.To == "" || s.procs[j].id == c.To) {
					s.links[i][j].net = *c.Net
				}
			}
		}
		if c.From == "" && c.To == "" {
			s.net = *c.Net
		}
		s.emit(TraceEvent{Kind: TrCommand, From: c.From, To: c.To, Text: c.String()})
	case CmdClient, CmdAction:
		p, err := s.proc(c.Node, c.Kind)
		if err != nil {
			return err
		}
		if c.Kind == CmdClient && !p.client {
			return fmt.Errorf("client: %q is a server node, not a client", p.id)
		}
		if c.Kind == CmdAction && p.client {
			return fmt.Errorf("action: %q is a client; actions go to server nodes", p.id)
		}
		if c.Name == "" {
			return fmt.Errorf("%s: which operation? (name is empty)", c.Kind)
		}
		if p.status != StatusUp {
			return fmt.Errorf("%s: %s is %s", c.Kind, p.id, p.status)
		}
		req := Request{Name: c.Name, Args: c.Args}
		if v, ok := p.p.(RequestValidator); ok {
			if err := v.ValidateRequest(req); err != nil {
				return fmt.Errorf("%s %s at %s: %w", c.Kind, c.Name, p.id, err)
			}
		}
		c, off := s.trace.open()
		c.text = appendRequest(c.text, req)
		s.closeEvent(c, symRequest, p.sym, off)
		s.handle(p, Event{Kind: EvRequest, Request: req}, nil)
	case CmdVariant:
		if c.Name == "" {
			return errors.New("variant: which one? (name is empty)")
		}
		s.setVariant(c.Name, c.On)
		s.emit(TraceEvent{Kind: TrCommand, Text: c.String()})
	case CmdParam:
		if c.Name == "" {
			return errors.New("param: which one? (name is empty)")
		}
		if err := s.checkParam(c.Name, c.Value); err != nil {
			return err
		}
		if err := s.checkCombination(c.Name, c.Value); err != nil {
			return err
		}
		s.setParam(c.Name, c.Value)
		s.emit(TraceEvent{Kind: TrCommand, Text: c.String()})
	case "":
		return errors.New("command has no kind")
	default:
		return fmt.Errorf("unknown command %q", c.Kind)
	}
	return nil
}

func orAny(s string) string {
	if s == "" {
		return "any"
	}
	return s
}

func requestText(r Request) string { return string(appendRequest(make([]byte, 0, 64), r)) }

// appendRequest appends requestText(r) to b.
func appendRequest(b []byte, r Request) []byte {
	var keyBuf [8]string
	keys := keyBuf[:0]
	for k := range r.Args {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, r.Name...)
	for _, k := range keys {
		b = append(append(append(append(b, ' '), k...), '='), r.Args[k]...)
	}
	return b
}

// heldMessages lists the messages the learner holds (manual mode), in send
// order; messages parked at a paused receiver are not among them.
func (s *Sim) heldMessages() []*inFlight {
	var held []*inFlight
	for _, m := range s.flight {
		if !m.gone && m.held && !m.parked {
			held = append(held, m)
		}
	}
	return held
}

func (s *Sim) lifecycle(p *proc, kind string) error {
	switch kind {
	case CmdCrash:
		if p.status == StatusCrashed {
			return fmt.Errorf("crash: %s is already crashed", p.id)
		}
		if !p.status.member() {
			return fmt.Errorf("crash: %s is not in the cluster (%s)", p.id, p.status)
		}
		lost := p.storage.Unsynced()
		s.stop(p, StatusCrashed)
		p.storage.crash()
		text := "crash"
		if lost > 0 {
			text = fmt.Sprintf("crash (%d unsynced write(s) lost)", lost)
		}
		if d := p.disk.crash(); d != "" {
			text += " (" + d + ")"
		}
		s.emit(TraceEvent{Kind: TrCrash, Node: p.id, Text: text})
		// Inbound messages die with the process.
		for _, m := range s.messagesTo(p) {
			s.lose(m, p.id+" crashed")
		}
	case CmdRestart:
		if !p.status.member() {
			return fmt.Errorf("restart: %s is not in the cluster (%s); join it instead", p.id, p.status)
		}
		if p.status != StatusCrashed {
			return fmt.Errorf("restart: %s is not crashed", p.id)
		}
		s.emit(TraceEvent{Kind: TrRestart, Node: p.id})
		s.boot(p)
	case CmdPause:
		if p.status != StatusUp {
			return fmt.Errorf("pause: %s is %s", p.id, p.status)
		}
		p.status = StatusPaused
		s.emit(TraceEvent{Kind: TrPause, Node: p.id})
	case CmdResume:
		if p.status != StatusPaused {
			return fmt.Errorf("resume: %s is not paused", p.id)
		}
		p.status = StatusUp
		s.emit(TraceEvent{Kind: TrResume, Node: p.id})
		// What waited runs now, in the order it arrived.
		s.release(p)
	}
	return nil
}

func (s *Sim) messagesTo(p *proc) []*inFlight {
	var out []*inFlight
	for _, m := range s.flight {
		if !m.gone && m.to == p.index {
			out = append(out, m)
		}
	}
	return out
}

func (s *Sim) partition(groups [][]string) error {
	if len(groups) < 2 {
		return errors.New("partition: give at least two groups")
	}
	group := map[int]int{}
	for g, members := range groups {
		if len(members) == 0 {
			return fmt.Errorf("partition: group %d is empty", g+1)
		}
		for _, id := range members {
			p, err := s.proc(id, "partition")
			if err != nil {
				return err
			}
			if _, twice := group[p.index]; twice {
				return fmt.Errorf("partition: %s is named twice", id)
			}
			group[p.index] = g
		}
	}
	// The named processes get exactly the picture asked for: linked within a
	// group, cut across groups. Links of unnamed processes stay as they were.
	for i, gi := range group {
		for j, gj := range group {
			if i != j {
				s.links[i][j].up = gi == gj
			}
		}
	}
	s.emit(TraceEvent{Kind: TrCommand, Text: Command{Kind: CmdPartition, Groups: groups}.String()})
	return nil
}

// Clock limits keep the arithmetic exact and the story believable.
const (
	maxSkew = 24 * time.Hour
	maxPPM  = 500_000 // ±50%
)

func (s *Sim) skew(p *proc, c Command) error {
	d := time.Duration(c.Dur)
	switch c.Kind {
	case CmdOffset:
		if d > maxSkew || d < -maxSkew {
			return fmt.Errorf("offset: at most ±%v", maxSkew)
		}
		// Offset sets the base; jumps made since and accumulated drift add to it.
		p.offset = d
		s.emit(TraceEvent{Kind: TrCommand, Node: p.id, Text: c.String()})
	case CmdDrift:
		if c.PPM > maxPPM || c.PPM < -maxPPM {
			return fmt.Errorf("drift: at most ±%d ppm", maxPPM)
		}
		// Change the rate without a jump: keep the current reading.
		before := p.localTime(s.now)
		p.ppm = c.PPM
		p.driftFix += before - p.localTime(s.now)
		s.emit(TraceEvent{Kind: TrCommand, Node: p.id, Text: c.String()})
	case CmdJump:
		if d > maxSkew || d < -maxSkew || d == 0 {
			return fmt.Errorf("jump: give a non-zero step within ±%v", maxSkew)
		}
		p.jumps += d
		s.emit(TraceEvent{Kind: TrCommand, Node: p.id, Text: c.String()})
	}
	s.reclock(p)
	return nil
}
