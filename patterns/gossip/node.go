package gossip

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"clusterscope/engine"
)

// Liveness of a member as one node judges it.
const (
	alive   uint8 = iota
	suspect       // its heartbeat has not grown for suspect-ms
	dead          // ... nor for dead-ms
)

var statusNames = [...]string{"alive", "suspect", "dead"}

// entry is what a node holds of one member: its generation, its fields
// with their versions, and (the node's own judgement, never gossiped)
// when its heartbeat last grew and whether it is alive.
type entry struct {
	known     bool
	gen       int32
	hb, hbVer int32
	addr      Field
	rumour    Field
	heardAt   time.Duration // the holder's monotonic clock
	status    uint8
}

// versioned restamps member i after a field of its entry changed.
func (n *Node) versioned(i int32) {
	e := &n.entries[i]
	n.restamp(i, Stamp{Gen: e.gen, Ver: max(e.hbVer, e.addr.Ver, e.rumour.Ver)})
}

// restamp is the one place a stamp is written: it counts the writes and
// lists the members written in this event, so the checker re-reads only
// those (and all of them only after it missed an event).
func (n *Node) restamp(i int32, s Stamp) {
	n.stamps[i] = s
	n.writes++
	n.written = append(n.written, i)
}

// Disk keys: what survives a restart.
const (
	diskGen   = "generation"
	diskBoots = "boots"
)

const gossipTimer = "gossip"

// keptRecent is how many of the latest updates a node's panel lists.
const keptRecent = 6

// Node is one peer.
type Node struct {
	id    string
	self  int32
	peers []string // every server, sorted: a member's place is its index
	gen   int32
	boots int
	ver   int32 // the version counter of this incarnation
	round int

	entries []entry
	// stamps holds each member's (generation, highest version), beside
	// the entries: digests, answers and the checker read them in tight
	// loops (generation 0: not known).
	stamps []Stamp
	writes int // stamps written since it started
	// written lists the members whose stamps this event wrote; writesBefore
	// is writes when the event began.
	written      []int32
	writesBefore int
	known        int // entries known (this node's own included)
	// suspects and deads count the members this node judges so.
	suspects, deads int

	// started is the rumour this node started last, and the round it did.
	started      Field
	startedRound int

	recent []int32 // members whose entry changed last, newest last
	now    time.Duration
	oldest time.Duration // no heartbeat held was heard before it
	// scratch for building an answer, copied out at its exact size
	beats    []Beat
	deltas   []Delta
	requests []Digest
	// settings, read at each round
	interval, suspectAfter, deadAfter time.Duration
	fanout                            int
}

func newNode(id string) *Node { return &Node{id: id} }

// Handle is the node's state machine.
func (n *Node) Handle(env engine.Env, ev engine.Event) {
	n.now = env.Monotonic()
	n.written, n.writesBefore = n.written[:0], n.writes
	switch ev.Kind {
	case engine.EvStart:
		n.start(env)
	case engine.EvTimer:
		if ev.Timer == gossipTimer {
			n.gossip(env)
		}
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case Syn:
			n.syn(env, ev.From, m)
		case Ack:
			// An answer to a Syn of an earlier life: its beats and deltas
			// assume a digest this node no longer holds, and taking a
			// newer heartbeat without the fields below it would stamp them
			// as held (they would then never be asked for).
			if m.To != n.gen {
				return
			}
			n.applyBeats(env, m.Beats)
			n.apply(env, ev.From, m.Deltas)
			if len(m.Requests) > 0 {
				n.beats, n.deltas = n.beats[:0], n.deltas[:0]
				for _, r := range m.Requests {
					n.delta(r.Node, r.Stamp)
				}
				env.Send(ev.From, Ack2{Beats: clip(n.beats), Deltas: clip(n.deltas), To: m.Gen})
			}
		case Ack2:
			if m.To != n.gen {
				return // the same, for an Ack of an earlier life
			}
			n.applyBeats(env, m.Beats)
			n.apply(env, ev.From, m.Deltas)
		}
	case engine.EvRequest:
		if ev.Request.Name == actRumour {
			n.ver++
			me := &n.entries[n.self]
			me.rumour = Field{Value: ev.Request.Args["value"], Ver: n.ver}
			n.versioned(n.self)
			n.started, n.startedRound = me.rumour, n.round
			n.touch(n.self)
			engine.Notef(env, "%s starts a rumour: %s (generation %d, version %d)", engine.S(n.id), engine.S(me.rumour.Value), engine.D(int(n.gen)), engine.D(int(n.ver)))
		}
	}
}

// start reads the generation back from the disk and bumps it (the broken
// variant keeps it), counts the boot, and announces an address that is
// new at every boot (a new port, as a restarted process gets).
func (n *Node) start(env engine.Env) {
	st := env.Storage()
	gen, _ := st.Get(diskGen)
	boots, _ := st.Get(diskBoots)
	g, _ := gen.(int32)
	b, _ := boots.(int)
	*n = Node{id: n.id, boots: b + 1, gen: g + 1}
	if env.Variant(VarNoGeneration) && g > 0 {
		n.gen = g
	}
	st.Put(diskGen, n.gen)
	st.Put(diskBoots, n.boots)
	st.Sync()

	n.peers = env.Peers()
	n.entries = make([]entry, len(n.peers))
	n.stamps = make([]Stamp, len(n.peers))
	for i, p := range n.peers {
		if p == n.id {
			n.self = int32(i)
		}
	}
	n.readSettings(env)
	n.oldest = n.now
	me := &n.entries[n.self]
	n.ver++
	*me = entry{known: true, gen: n.gen, addr: Field{Value: n.id + ":" + strconv.Itoa(7000+n.boots), Ver: n.ver}, heardAt: n.now}
	n.ver++
	me.hbVer = n.ver
	n.versioned(n.self)
	n.known = 1
	if n.boots > 1 {
		engine.Notef(env, "%s restarts: generation %d, address %s, versions from 1 again", engine.S(n.id), engine.D(int(n.gen)), engine.S(me.addr.Value))
	}
	// A random first round: nodes that all gossip at the same instant
	// would send in bursts.
	env.SetTimer(gossipTimer, time.Duration(1+env.Rand().Int64N(int64(n.interval))))
}

func (n *Node) readSettings(env engine.Env) {
	ms := func(name string, def int) time.Duration {
		return time.Duration(env.Param(name, def)) * time.Millisecond
	}
	n.interval = ms(ParamInterval, defInterval)
	n.suspectAfter = ms(ParamSuspect, defSuspect)
	n.deadAfter = ms(ParamDead, defDead)
	n.fanout = min(env.Param(ParamFanout, defFanout), len(n.peers)-1)
}

// gossip is one round: the heartbeat grows, members are judged, and an
// exchange starts with fanout random peers.
func (n *Node) gossip(env engine.Env) {
	n.readSettings(env)
	n.round++
	n.ver++
	me := &n.entries[n.self]
	me.hb++
	me.hbVer = n.ver
	n.restamp(n.self, Stamp{Gen: n.gen, Ver: n.ver})
	me.heardAt = n.now
	n.judge(env)

	// The digest is the stamps as they are now: a copy, since the
	// message must not change once sent.
	syn := Syn{Known: n.known, Stamps: append(make([]Stamp, 0, len(n.stamps)), n.stamps...), Gen: n.gen}
	// fanout distinct peers, never itself
	var picked [8]int32
	for k := 0; k < n.fanout; {
		p := int32(env.Rand().IntN(len(n.peers)))
		if p == n.self || contains(picked[:k], p) {
			continue
		}
		picked[k] = p
		k++
		env.Send(n.peers[p], syn)
	}
	env.SetTimer(gossipTimer, n.interval)
}

func contains(s []int32, x int32) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// judge marks members whose heartbeat has not grown for a while. Every
// heartbeat is at least as recent as `oldest`: while that is younger than
// the suspicion timeout and nobody is doubted, there is nothing to look at.
func (n *Node) judge(env engine.Env) {
	if n.suspects+n.deads == 0 && n.now-n.oldest <= n.suspectAfter {
		return
	}
	n.oldest = n.now
	for i := range n.entries {
		e := &n.entries[i]
		if !e.known || int32(i) == n.self {
			continue
		}
		n.oldest = min(n.oldest, e.heardAt)
		age := n.now - e.heardAt
		st := alive
		switch {
		case age > n.deadAfter:
			st = dead
		case age > n.suspectAfter:
			st = suspect
		}
		if st == e.status {
			continue
		}
		n.setStatus(e, st)
		switch st {
		case suspect:
			engine.Notef(env, "%s suspects %s: its heartbeat has not grown for %s", engine.S(n.id), engine.S(n.peers[i]), engine.S(age.Round(time.Millisecond).String()))
		case dead:
			engine.Notef(env, "%s declares %s dead: no heartbeat for %s", engine.S(n.id), engine.S(n.peers[i]), engine.S(age.Round(time.Millisecond).String()))
		}
	}
}

func (n *Node) setStatus(e *entry, st uint8) {
	switch e.status {
	case suspect:
		n.suspects--
	case dead:
		n.deads--
	}
	switch st {
	case suspect:
		n.suspects++
	case dead:
		n.deads++
	}
	e.status = st
}

// syn answers a digest: what this node holds newer, and what it asks
// for.
func (n *Node) syn(env engine.Env, from string, m Syn) {
	n.beats, n.deltas, n.requests = n.beats[:0], n.deltas[:0], n.requests[:0]
	theirs := m.Stamps
	if len(theirs) != len(n.stamps) {
		return // not a digest of this cluster
	}
	for i, mine := range n.stamps {
		t := theirs[i]
		switch {
		case t == mine:
		case mine.Gen == 0:
			n.requests = append(n.requests, Digest{Node: int32(i)})
		case t.Less(mine):
			n.delta(int32(i), t)
		default:
			n.requests = append(n.requests, Digest{Node: int32(i), Stamp: mine})
		}
	}
	env.Send(from, Ack{Beats: clip(n.beats), Deltas: clip(n.deltas), Requests: clip(n.requests), To: m.Gen, Gen: n.gen})
}

// clip copies a scratch slice out at its exact size (nil when empty): the
// message keeps it, the scratch is reused.
func clip[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// delta adds to the scratch what this node holds of member i beyond the
// stamp `have`: everything when have's generation is older, else the
// fields set after have's version; a heartbeat alone goes as a Beat.
func (n *Node) delta(i int32, have Stamp) {
	if i < 0 || int(i) >= len(n.entries) || !n.entries[i].known {
		return
	}
	e := &n.entries[i]
	switch {
	case have.Gen < e.gen:
		n.deltas = append(n.deltas, Delta{Node: i, Gen: e.gen, Full: true, Heartbeat: e.hb, HBVer: e.hbVer, Addr: e.addr, Rumour: e.rumour})
	case have.Gen > e.gen || n.stamps[i].Ver <= have.Ver:
	case e.addr.Ver <= have.Ver && e.rumour.Ver <= have.Ver:
		n.beats = append(n.beats, Beat{Node: i, Gen: e.gen, Heartbeat: e.hb, HBVer: e.hbVer})
	default:
		d := Delta{Node: i, Gen: e.gen}
		if e.hbVer > have.Ver {
			d.Heartbeat, d.HBVer = e.hb, e.hbVer
		}
		if e.addr.Ver > have.Ver {
			d.Addr = e.addr
		}
		if e.rumour.Ver > have.Ver {
			d.Rumour = e.rumour
		}
		n.deltas = append(n.deltas, d)
	}
}

// applyBeats takes each heartbeat newer than the one held, in the same
// generation.
func (n *Node) applyBeats(env engine.Env, bs []Beat) {
	for _, b := range bs {
		if b.Node < 0 || int(b.Node) >= len(n.entries) || b.Node == n.self {
			continue
		}
		e := &n.entries[b.Node]
		if !e.known || e.gen != b.Gen || b.HBVer <= e.hbVer {
			continue
		}
		e.hb, e.hbVer = b.Heartbeat, b.HBVer
		n.restamp(b.Node, Stamp{Gen: b.Gen, Ver: max(n.stamps[b.Node].Ver, b.HBVer)})
		n.grew(env, b.Node)
	}
}

// grew: member i's heartbeat grew, so it is alive.
func (n *Node) grew(env engine.Env, i int32) {
	e := &n.entries[i]
	e.heardAt = n.now
	if e.status != alive {
		engine.Notef(env, "%s hears %s's heartbeat again: alive", engine.S(n.id), engine.S(n.peers[i]))
		n.setStatus(e, alive)
	}
}

// apply merges deltas: a higher generation replaces the member's entry
// whole, the same generation takes each field whose version is higher,
// and anything older is ignored. A node keeps its own entry: nobody
// knows it better.
func (n *Node) apply(env engine.Env, from string, ds []Delta) {
	for i := range ds {
		d := &ds[i]
		if d.Node < 0 || int(d.Node) >= len(n.entries) || d.Node == n.self {
			continue
		}
		e := &n.entries[d.Node]
		grew := false
		switch {
		case d.Full && (!e.known || d.Gen > e.gen):
			restarted := e.known
			if !e.known {
				n.known++
			}
			n.setStatus(e, alive)
			*e = entry{known: true, gen: d.Gen, hb: d.Heartbeat, hbVer: d.HBVer, addr: d.Addr, rumour: d.Rumour}
			n.versioned(d.Node)
			grew = true
			if restarted {
				engine.Notef(env, "%s learns from %s that %s restarted: generation %d, address %s", engine.S(n.id), engine.S(from), engine.S(n.peers[d.Node]), engine.D(int(d.Gen)), engine.S(d.Addr.Value))
			}
			if d.Rumour.Value != "" {
				n.heard(env, from, d.Node)
			}
		case !e.known || d.Gen != e.gen:
			continue // older news, or a part of a generation it does not hold
		default:
			if d.HBVer > e.hbVer {
				e.hb, e.hbVer, grew = d.Heartbeat, d.HBVer, true
			}
			if d.Addr.Ver > e.addr.Ver {
				e.addr = d.Addr
			}
			if d.Rumour.Ver > e.rumour.Ver {
				e.rumour = d.Rumour
				n.heard(env, from, d.Node)
			}
			n.versioned(d.Node)
		}
		if grew {
			n.grew(env, d.Node)
		}
		n.touch(d.Node)
	}
}

// heard notes who passed a rumour on, in clusters of up to 50 (the event
// log tells the spread); past that, 200 lines a rumour would bury the log,
// and the chart tells it.
func (n *Node) heard(env engine.Env, from string, origin int32) {
	if len(n.entries) > 50 {
		return
	}
	engine.Notef(env, "%s hears %s's rumour %s from %s", engine.S(n.id), engine.S(n.peers[origin]), engine.S(n.entries[origin].rumour.Value), engine.S(from))
}

// touch puts member i last among the recent updates.
func (n *Node) touch(i int32) {
	for k, r := range n.recent {
		if r == i {
			n.recent = append(n.recent[:k], n.recent[k+1:]...)
			break
		}
	}
	if len(n.recent) == keptRecent {
		n.recent = append(n.recent[:0], n.recent[1:]...)
	}
	n.recent = append(n.recent, i)
}

// ValidateRequest accepts a rumour with a short printable value.
func (n *Node) ValidateRequest(req engine.Request) error {
	if req.Name != actRumour {
		return fmt.Errorf("no action %q on a gossip node (there is: %s)", req.Name, actRumour)
	}
	v := req.Args["value"]
	switch {
	case v == "":
		return errors.New("rumour: give it a value")
	case utf8.RuneCountInString(v) > 24:
		return fmt.Errorf("rumour: %q is too long (at most 24 characters)", v)
	}
	return nil
}
