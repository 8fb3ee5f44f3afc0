package clocks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Server is blue, green or amber: a key-value store whose every event
// (a write, a read, a copy from another server, an acknowledgement, a
// resend, a boot) is stamped by its clock. A write is stored at its
// stamp and copied to the other servers, which merge by (stamp, server):
// the higher wins, so a clock that stamps an effect below its cause makes
// a replica keep the older write.
type Server struct {
	id    string
	page  string
	rule  rule
	clock Stamp // the stamp of its latest event
	seq   int   // writes it has stamped
	store map[string]held
	// pending are copies not yet acknowledged, resent until they are.
	pending []copyOut

	// What its latest event did, for the checks: the write it stamped, and
	// the merge it decided (which version won, which lost).
	created *stampedWrite
	merged  *merge
	// The values those point at (no allocation per event), the stamp an
	// event received, and the disk record names of its keys.
	lastWrite stampedWrite
	lastMerge merge
	in        Stamp
	diskKeys  map[string]kit.Record[held]
	// The write count on disk (seqOnDisk: it is there): it changes only
	// on a write, so other events need not write it again (a boxed int
	// each time).
	seqSaved  int
	seqOnDisk bool

	Writes, Reads, Lost int
}

// held is a stored value and its version.
type held struct {
	Value   string
	Version Version
}

// copyOut is a write on its way to one peer.
type copyOut struct {
	To, Key, Value string
	Version        Version
}

// stampedWrite is a client's write as its server stamped it.
type stampedWrite struct {
	Version
	Key, Value, By string
}

// merge is one replica's decision between two versions of a key.
type merge struct {
	Key           string
	Winner, Loser Version
}

var (
	diskClock = kit.Record[Stamp]{Key: "clock"}
	diskSeq   = kit.Record[int]{Key: "seq"}
)

func diskKey(key string) kit.Record[held] { return kit.Record[held]{Key: "kv/" + key} }

const resendTimer = "resend"

// resendEvery is how often a server sends again the copies no peer has
// acknowledged. The check runs whether or not any wait, and like every
// event it ticks the clock: a server's clock moves on its own, slowly.
const resendEvery = time.Second

func newServer(id, page string) *Server { return &Server{id: id, page: page, store: map[string]held{}} }

// AppendStamp gives the space-time diagram the stamp of its latest event
// (engine.Stamped): the clock the learner is reading.
func (s *Server) AppendStamp(b []byte) []byte { return s.clock.Append(b) }

// tick stamps this event: the rule applied to what it received.
func (s *Server) tick(env engine.Env, received *Stamp) Stamp {
	s.clock = s.rule(s.clock, received, env.Now())
	return s.clock
}

// tickOn stamps an event that received a stamp (kept in the server, so
// that handing the rule a pointer to it allocates nothing).
func (s *Server) tickOn(env engine.Env, received Stamp) Stamp {
	s.in = received
	return s.tick(env, &s.in)
}

// diskKey is key's record, named once per key.
func (s *Server) diskKey(key string) kit.Record[held] {
	r, ok := s.diskKeys[key]
	if !ok {
		if s.diskKeys == nil {
			s.diskKeys = map[string]kit.Record[held]{}
		}
		r = diskKey(key)
		s.diskKeys[key] = r
	}
	return r
}

// Handle is the server's state machine. Every event is stamped first; the
// clock and the store are on its disk at the end of every event, so a
// restart never reissues a stamp.
func (s *Server) Handle(env engine.Env, ev engine.Event) {
	s.created, s.merged = nil, nil
	switch ev.Kind {
	case engine.EvStart:
		s.start(env)
	case engine.EvReceive:
		s.receive(env, ev.From, ev.Msg)
	case engine.EvRequest:
		s.setClock(env, ev.Request)
	case engine.EvTimer:
		s.tick(env, nil)
		if ev.Timer == resendTimer {
			s.resend(env)
		}
	default:
		s.tick(env, nil)
	}
	st := env.Storage()
	diskClock.Put(st, s.clock)
	if !s.seqOnDisk || s.seq != s.seqSaved {
		diskSeq.Put(st, s.seq)
		s.seqSaved, s.seqOnDisk = s.seq, true
	}
	st.Sync()
}

// start recovers the clock and the store, stamps the boot, and offers
// everything it holds to every peer again (copies in flight at the crash
// were forgotten).
func (s *Server) start(env engine.Env) {
	st := env.Storage()
	*s = Server{id: s.id, page: s.page, rule: ruleFor(env, s.page), store: map[string]held{}}
	s.clock, _ = diskClock.Get(st)
	s.seq, s.seqOnDisk = diskSeq.Get(st)
	s.seqSaved = s.seq
	for _, k := range st.Keys() {
		if key, ok := strings.CutPrefix(k, "kv/"); ok {
			if h, ok := diskKey(key).Get(st); ok {
				s.store[key] = h
			}
		}
	}
	s.tick(env, nil)
	keys := s.keys()
	for _, p := range env.Peers() {
		for _, k := range keys {
			if p != s.id {
				h := s.store[k]
				s.pending = append(s.pending, copyOut{To: p, Key: k, Value: h.Value, Version: h.Version})
			}
		}
	}
	// The first check comes at a random point of the interval, so that
	// servers started together do not all check at the same instant.
	env.SetTimer(resendTimer, time.Duration(1+env.Rand().Int64N(int64(resendEvery))))
}

func (s *Server) keys() []string {
	keys := make([]string, 0, len(s.store))
	for k := range s.store {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (s *Server) receive(env engine.Env, from string, msg engine.Message) {
	switch m := msg.(type) {
	case Write:
		s.write(env, from, m)
	case Read:
		ts := s.tickOn(env, m.Stamp)
		s.Reads++
		h := s.store[m.Key]
		env.Send(from, ReadResponse{ID: m.ID, Value: h.Value, Version: h.Version, Clock: ts})
	case Replicate:
		ts := s.tickOn(env, m.Clock)
		s.keep(env, m.Key, held{Value: m.Value, Version: m.Version}, from)
		env.Send(from, ReplicateAck{Key: m.Key, Version: m.Version, Clock: ts})
	case ReplicateAck:
		s.tickOn(env, m.Clock)
		s.pending = slices.DeleteFunc(s.pending, func(c copyOut) bool {
			return c.To == from && c.Key == m.Key && c.Version == m.Version
		})
	default:
		s.tick(env, nil)
	}
}

// write stamps a client's write, stores it (if it wins against what is
// held), answers with its version, and copies it to every peer.
func (s *Server) write(env engine.Env, from string, m Write) {
	ts := s.tickOn(env, m.Stamp)
	s.seq++
	s.Writes++
	v := Version{TS: ts, Node: s.id, Seq: s.seq}
	s.lastWrite = stampedWrite{Version: v, Key: m.Key, Value: m.Value, By: from}
	s.created = &s.lastWrite
	noteWrite(env, s.id, from, m.Key, m.Value, ts, m.Stamp)
	s.keep(env, m.Key, held{Value: m.Value, Version: v}, from)
	env.Send(from, WriteResponse{ID: m.ID, Version: v, Clock: ts})
	for _, p := range env.Peers() {
		if p == s.id {
			continue
		}
		s.pending = slices.DeleteFunc(s.pending, func(c copyOut) bool { return c.To == p && c.Key == m.Key })
		s.pending = append(s.pending, copyOut{To: p, Key: m.Key, Value: m.Value, Version: v})
		env.Send(p, Replicate{Key: m.Key, Value: m.Value, Version: v, Clock: ts})
	}
}

// keep merges a version of key into the store: the higher (stamp,
// server) wins. A loss is told in the log, for it is where a write
// disappears.
func (s *Server) keep(env engine.Env, key string, in held, from string) {
	cur, ok := s.store[key]
	switch {
	case ok && cur.Version == in.Version:
		return // a copy of what it holds
	case ok && !in.Version.Newer(cur.Version):
		s.lastMerge = merge{Key: key, Winner: cur.Version, Loser: in.Version}
		s.merged = &s.lastMerge
		s.Lost++
		noteMerge(env, &keepNotes, s.id, key, cur, in, from)
		return
	case ok:
		s.lastMerge = merge{Key: key, Winner: in.Version, Loser: cur.Version}
		s.merged = &s.lastMerge
		noteMerge(env, &replaceNotes, s.id, key, cur, in, from)
	}
	s.store[key] = in
	s.diskKey(key).Put(env.Storage(), in)
}

// resend sends every copy not yet acknowledged again, at the current stamp.
func (s *Server) resend(env engine.Env) {
	for _, c := range s.pending {
		env.Send(c.To, Replicate{Key: c.Key, Value: c.Value, Version: c.Version, Clock: s.clock})
	}
	env.SetTimer(resendTimer, resendEvery)
}

// setClock is the learner's action: the clock jumps ahead to a value (a
// Lamport clock may jump forwards, never back). The jump is this event's
// stamp.
func (s *Server) setClock(env engine.Env, req engine.Request) {
	n, _ := strconv.ParseInt(req.Args["value"], 10, 64)
	s.clock = Stamp{N: n}
	engine.Notef(env, "%s's clock is set to %s by hand", engine.S(s.id), engine.S(s.clock.String()))
}

// ValidateRequest accepts set-clock on the Lamport page, to a value above
// the clock.
func (s *Server) ValidateRequest(req engine.Request) error {
	if req.Name != actSetClock || s.page != pageLamport {
		return fmt.Errorf("no action %q here", req.Name)
	}
	n, err := strconv.ParseInt(req.Args["value"], 10, 64)
	if err != nil {
		return fmt.Errorf("set the clock to what? %q is not a whole number", req.Args["value"])
	}
	if n <= s.clock.N || n > maxClockSet {
		return fmt.Errorf("%s's clock is at %d: it may only move forwards, up to %d", s.id, s.clock.N, maxClockSet)
	}
	return nil
}

const maxClockSet = 1_000_000_000
