package engine

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// ConnID names a connection between two processes; 0 is none. Ids only
// grow: a reconnect is a new connection with a new id.
type ConnID uint64

// Sized is optional on a Message: its size in bytes, which a link with a
// bandwidth takes time to transmit. A message without it counts 64 bytes.
type Sized interface {
	Size() int
}

// ConnClosed is the engine's notice that a connection is gone: reset (by a
// command, or because a message on it was lost), closed by the peer, or
// refused by a peer that restarted since (a message reached it on a
// connection it no longer has). It reaches the process as a message from
// itself; Peer names the other end.
type ConnClosed struct {
	Conn   ConnID
	Peer   string
	Reason string
}

func (ConnClosed) Kind() string { return "ConnClosed" }

func (c ConnClosed) Summary() string {
	return "connection #" + strconv.FormatUint(uint64(c.Conn), 10) + " to " + c.Peer + ": " + c.Reason
}

// maxConns bounds the connections a run keeps open at once.
const maxConns = 4096

// conn is an ordered channel between two processes: what one end sends
// arrives in send order, without gaps (losing a message breaks it) and
// without copies.
type conn struct {
	id       ConnID
	ends     [2]int // process indexes: the dialer, the other end
	dead     bool
	drain    [2]bool // per direction (dir): closed, but what was sent still arrives
	told     [2]bool // the end knows the connection is gone
	inFlight int
	lastDue  [2]time.Duration // per direction (dir): no delivery before the previous one
}

// dir is the direction a message from process index from travels in.
func (c *conn) dir(from int) int {
	if from == c.ends[0] {
		return 0
	}
	return 1
}

func (c *conn) has(p int) bool { return c.ends[0] == p || c.ends[1] == p }

// connByID finds a connection the run still keeps (s.conns is in id order).
func (s *Sim) connByID(id ConnID) *conn {
	i := sort.Search(len(s.conns), func(i int) bool { return s.conns[i].id >= id })
	if i < len(s.conns) && s.conns[i].id == id {
		return s.conns[i]
	}
	return nil
}

func (s *Sim) dial(p *proc, toID string) ConnID {
	to := s.procByID(toID)
	switch {
	case to == nil:
		Notef(p.env, "cannot connect to %s: no such process", S(toID))
		return 0
	case to == p:
		Notef(p.env, "cannot connect to itself")
		return 0
	case s.openConns() >= maxConns:
		Notef(p.env, "cannot connect to %s: %d connections are open", S(toID), D(maxConns))
		return 0
	}
	s.nextConn++
	c := &conn{id: ConnID(s.nextConn), ends: [2]int{p.index, to.index}}
	s.conns = append(s.conns, c)
	return c.id
}

func (s *Sim) openConns() int {
	n := 0
	for _, c := range s.conns {
		if !c.dead {
			n++
		}
	}
	return n
}

func (s *Sim) sendOn(p *proc, id ConnID, msg Message) {
	c := s.connByID(id)
	if c == nil || !c.has(p.index) || c.told[c.dir(p.index)] {
		s.nextMsg++
		s.record(symDrop, p.sym, p.sym, 0, s.nextMsg, s.trace.kindSym(msg.Kind()), "no open connection #"+strconv.FormatUint(uint64(id), 10))
		return
	}
	// On a connection the other end dropped (it crashed) the message still
	// travels: a restarted peer refuses it, and only then does p learn.
	s.sendVia(p, s.procs[c.ends[1-c.dir(p.index)]].id, msg, c)
}

// closeConn is a process closing its end, as TCP's close does: what it sent
// still arrives, then the peer hears the connection is closed; what was on
// its way to it is lost, and so is what the peer sends before it hears.
func (s *Sim) closeConn(p *proc, id ConnID) {
	c := s.connByID(id)
	if c == nil || !c.has(p.index) {
		return
	}
	end := c.dir(p.index)
	if c.told[end] {
		return
	}
	c.told[end] = true
	if !c.dead {
		c.dead, c.drain[end] = true, true
		s.loseOn(c, 1-end, "connection closed by "+p.id)
		at := max(c.lastDue[end], s.dueTime(&s.links[p.index][c.ends[1-end]], 0))
		s.tell(c, 1-end, "closed by "+p.id, at)
	}
	s.forgetConn(c)
}

// breakConn resets a connection: what is in flight on it is lost and both
// ends hear of it now.
func (s *Sim) breakConn(c *conn, why string) {
	c.dead = true
	s.loseOn(c, -1, why)
	s.tell(c, 0, "reset", s.now)
	s.tell(c, 1, "reset", s.now)
	s.forgetConn(c)
}

// dropConns is a process stopping (crash, leave): its connections die with
// it, with what is in flight on them. The other end is not told: it learns
// when it next sends (a restarted peer refuses), or by its own timeout.
func (s *Sim) dropConns(p *proc) {
	for _, c := range append([]*conn(nil), s.conns...) {
		if !c.has(p.index) {
			continue
		}
		c.told[c.dir(p.index)] = true
		if !c.dead || c.drain[0] || c.drain[1] {
			c.dead, c.drain = true, [2]bool{}
			s.loseOn(c, -1, "connection reset ("+p.id+" stopped)")
		}
		s.forgetConn(c)
	}
}

// loseOn loses what is in flight on c in direction dir (-1: both).
func (s *Sim) loseOn(c *conn, dir int, why string) {
	if c.inFlight == 0 {
		return
	}
	for _, m := range append([]*inFlight(nil), s.flight...) {
		if !m.gone && m.conn == c && (dir < 0 || c.dir(m.from) == dir) {
			s.lose(m, why)
		}
	}
}

// tell queues the ConnClosed notice for one end at at, unless that end
// knows already or is not running.
func (s *Sim) tell(c *conn, end int, reason string, at time.Duration) {
	if c.told[end] {
		return
	}
	c.told[end] = true
	p, peer := s.procs[c.ends[end]], s.procs[c.ends[1-end]]
	if !p.status.member() || p.status == StatusCrashed {
		return
	}
	s.nextMsg++
	msg := ConnClosed{Conn: c.id, Peer: peer.id, Reason: reason}
	kind := s.trace.kindSym(msg.Kind())
	m := s.add(s.nextMsg, p.index, p.index, msg, kind)
	m.engine = true
	s.record(symSend, p.sym, p.sym, p.sym, m.id, kind, msg.Summary())
	s.scheduleAt(m, at)
}

// forgetConn lets a connection go once nothing refers to it any more.
func (s *Sim) forgetConn(c *conn) {
	if !c.dead || c.inFlight > 0 || !c.told[0] || !c.told[1] {
		return
	}
	i := sort.Search(len(s.conns), func(i int) bool { return s.conns[i].id >= c.id })
	if i < len(s.conns) && s.conns[i] == c {
		s.conns = append(s.conns[:i], s.conns[i+1:]...)
	}
}

// refuse handles a message that reached an up process on a connection that
// process no longer has (it restarted since): it is lost and the sender
// hears the connection was reset.
func (s *Sim) refuse(m *inFlight) {
	c, p := m.conn, s.procs[m.to]
	s.lose(m, "connection reset by "+p.id)
	s.tell(c, c.dir(m.from), "reset by "+p.id, s.now)
	s.forgetConn(c)
}

// reset is the reset command: every open connection between a and b dies.
func (s *Sim) reset(a, b *proc) int {
	n := 0
	for _, c := range append([]*conn(nil), s.conns...) {
		if !c.dead && c.has(a.index) && c.has(b.index) {
			s.breakConn(c, "connection reset")
			n++
		}
	}
	return n
}

// ConnView is one connection as views and checkers see it.
type ConnView struct {
	ID       ConnID `json:"id"`
	From     string `json:"from"` // the dialer
	To       string `json:"to"`
	Open     bool   `json:"open"`
	InFlight int    `json:"inFlight"`
}

// Conns lists the connections the run keeps (open ones, and closed ones an
// end has not heard of yet), oldest first.
func (w *World) Conns() []ConnView {
	s := w.sim
	out := make([]ConnView, 0, len(s.conns))
	for _, c := range s.conns {
		out = append(out, ConnView{ID: c.id, From: s.procs[c.ends[0]].id, To: s.procs[c.ends[1]].id, Open: !c.dead, InFlight: c.inFlight})
	}
	return out
}

// LinkStats count what a directed link carried since the run began.
type LinkStats struct {
	Sent          int64 `json:"sent"` // messages put on the link (copies included)
	Delivered     int64 `json:"delivered"`
	Bytes         int64 `json:"bytes"` // bytes put on the link
	InFlight      int   `json:"inFlight"`
	BytesInFlight int64 `json:"bytesInFlight"`
}

func (a LinkStats) add(b LinkStats) LinkStats {
	return LinkStats{Sent: a.Sent + b.Sent, Delivered: a.Delivered + b.Delivered, Bytes: a.Bytes + b.Bytes,
		InFlight: a.InFlight + b.InFlight, BytesInFlight: a.BytesInFlight + b.BytesInFlight}
}

// LinkStats is the counters of the link from → to (zero for unknown names).
func (w *World) LinkStats(from, to string) LinkStats {
	a, b := w.sim.procByID(from), w.sim.procByID(to)
	if a == nil || b == nil {
		return LinkStats{}
	}
	return w.sim.links[a.index][b.index].stats
}

// NodeStats are a process's links added up: what it sent (Out) and what was
// sent to it (In).
type NodeStats struct {
	Out LinkStats `json:"out"`
	In  LinkStats `json:"in"`
}

// NodeStats is the counters of a process's links (zero for an unknown name).
func (w *World) NodeStats(id string) NodeStats {
	s := w.sim
	p := s.procByID(id)
	if p == nil {
		return NodeStats{}
	}
	var st NodeStats
	for i := range s.procs {
		st.Out = st.Out.add(s.links[p.index][i].stats)
		st.In = st.In.add(s.links[i][p.index].stats)
	}
	return st
}

func (s *Sim) hasConn(a, b *proc) bool {
	for _, c := range s.conns {
		if !c.dead && c.has(a.index) && c.has(b.index) {
			return true
		}
	}
	return false
}

// orderedOnConn refuses a learner's command that would break a connection's
// promise: a copy, or a delivery that overtakes an earlier message on it.
// (Dropping one is allowed: it resets the connection.)
func (s *Sim) orderedOnConn(m *inFlight, kind string) error {
	if m.conn == nil || m.engine {
		return nil
	}
	switch kind {
	case CmdDuplicate:
		return fmt.Errorf("duplicate: #%d travels on connection #%d, which never delivers a copy", m.id, m.conn.id)
	case CmdDeliver:
		for _, o := range s.flight {
			if o == m {
				break
			}
			if !o.gone && o.conn == m.conn && o.from == m.from {
				return fmt.Errorf("deliver: #%d would overtake #%d on connection #%d", m.id, o.id, m.conn.id)
			}
		}
	}
	return nil
}
