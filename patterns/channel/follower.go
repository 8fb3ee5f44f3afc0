package channel

import (
	"fmt"
	"time"

	"clusterscope/engine"
)

// follower is a follower's half: it applies athens's stream in order,
// skips what it already has, and answers reads.
type follower struct {
	kv      map[string]string
	applied []int        // Seqs in the order they were applied
	entries entriesBySeq // applied, by Seq
	contig  int          // every Seq up to here is applied
	conn    engine.ConnID
	newest  engine.ConnID // the newest connection athens has used
	// connSeq is the last Seq that arrived on conn (0: none yet).
	connSeq    int
	lastHeard  time.Duration
	suspects   bool
	reads      []ReadAt // waiting for their index
	Skipped    int      // duplicates skipped
	Suspicions int
	// What the checkers read: the first breach of each promise, as seen
	// where it happened.
	fifoBreach  string
	twiceBreach string
	now, idle   time.Duration // for the view, as at the last event
}

// maxWaitingReads bounds the reads a follower holds.
const maxWaitingReads = 64

func (f *follower) start(env engine.Env) {
	f.kv, f.entries = map[string]string{}, entriesBySeq{}
	f.applied, f.contig, f.conn, f.newest, f.connSeq, f.reads = nil, 0, 0, 0, 0, nil
	f.lastHeard, f.suspects = env.Now(), false
	for _, r := range env.Storage().Log() {
		fr := r.(Frame)
		f.record(fr)
	}
}

// record applies fr to the state (no disk, no checks: start replays with it).
func (f *follower) record(fr Frame) {
	f.kv[fr.Entry.Key] = fr.Entry.Value
	f.applied = append(f.applied, fr.Seq)
	f.entries.put(fr.Seq, fr.Entry)
	for f.has(f.contig + 1) {
		f.contig++
	}
}

func (f *follower) has(seq int) bool {
	_, ok := f.entries.get(seq)
	return ok
}

// entriesBySeq holds the applied entries by Seq. Seqs are athens's log
// indexes, dense from 1, so a slice by Seq serves where a map grew with
// every frame (a Seq below 0, which athens never sends, goes to a map).
type entriesBySeq struct {
	slots    []seqSlot
	negative map[int]Entry
}

type seqSlot struct {
	e   Entry
	set bool
}

func (s *entriesBySeq) put(seq int, e Entry) {
	if seq < 0 {
		if s.negative == nil {
			s.negative = map[int]Entry{}
		}
		s.negative[seq] = e
		return
	}
	if seq >= len(s.slots) {
		s.slots = append(s.slots, make([]seqSlot, seq+1-len(s.slots))...)
	}
	s.slots[seq] = seqSlot{e, true}
}

// get is the entry applied at seq (the zero Entry, false when none).
func (s *entriesBySeq) get(seq int) (Entry, bool) {
	if seq < 0 {
		e, ok := s.negative[seq]
		return e, ok
	}
	if seq >= len(s.slots) || !s.slots[seq].set {
		return Entry{}, false
	}
	return s.slots[seq].e, true
}

func (f *follower) apply(env engine.Env, fr Frame) {
	if f.has(fr.Seq) && f.twiceBreach == "" {
		f.twiceBreach = fmt.Sprintf("%s applied #%d (%s) a second time", env.ID(), fr.Seq, fr.Entry)
	}
	st := env.Storage()
	st.Append(fr)
	st.Sync()
	f.record(fr)
	engine.Notef(env, "%s applies #%d %s", engine.S(env.ID()), engine.D(fr.Seq), engine.S(fr.Entry.String()))
	f.answerReads(env)
}

func (f *follower) tick(env engine.Env) {
	idle := idleTimeout(env)
	if f.suspects || env.Now()-f.lastHeard <= idle {
		return
	}
	f.suspects = true
	f.Suspicions++
	if f.conn != 0 {
		engine.Notef(env, "%s has heard nothing from athens for %s: it closes connection #%d and treats athens as failed", engine.S(env.ID()), engine.S(idle.String()), engine.D(int(f.conn)))
		env.Close(f.conn)
		f.conn = 0
		return
	}
	engine.Notef(env, "%s has heard nothing from athens for %s and treats it as failed", engine.S(env.ID()), engine.S(idle.String()))
}

// heard notes a message from athens on connection c, and reports whether
// c is the connection the follower reads the stream from now: a newer one
// replaces it (athens reconnected), and a late message on an older one
// does not take it back.
func (f *follower) heard(env engine.Env, c engine.ConnID) bool {
	f.lastHeard = env.Now()
	if f.suspects {
		f.suspects = false
		engine.Notef(env, "%s hears from athens again", engine.S(env.ID()))
	}
	if c < f.newest {
		return false
	}
	f.newest = c
	if c != f.conn {
		if f.conn != 0 && !perRequest(env) {
			env.Close(f.conn) // athens moved to a new connection
		}
		f.conn, f.connSeq = c, 0
	}
	return true
}

func (f *follower) receive(env engine.Env, ev engine.Event) {
	switch m := ev.Msg.(type) {
	case Frame:
		if f.heard(env, ev.Conn) {
			if f.connSeq != 0 && m.Seq != f.connSeq+1 && f.fifoBreach == "" {
				f.fifoBreach = fmt.Sprintf("%s got #%d right after #%d on connection #%d", env.ID(), m.Seq, f.connSeq, ev.Conn)
			}
			f.connSeq = m.Seq
		}
		switch {
		case perRequest(env):
			// No order check: whatever arrives is applied, once.
			if !f.has(m.Seq) {
				f.apply(env, m)
			}
		case m.Seq <= len(f.applied):
			f.Skipped++
			engine.Notef(env, "%s skips #%d: it has it already", engine.S(env.ID()), engine.D(m.Seq))
		case m.Seq == len(f.applied)+1:
			f.apply(env, m)
		default:
			// A gap cannot open on one connection; if it did, a new
			// connection resends from what this follower acknowledged.
			engine.Notef(env, "%s got #%d but expected #%d: it closes connection #%d", engine.S(env.ID()), engine.D(m.Seq), engine.D(len(f.applied)+1), engine.D(int(ev.Conn)))
			env.Close(ev.Conn)
			f.conn = 0
			return
		}
		f.answer(env, ev.Conn)
	case Heartbeat, Snapshot:
		f.heard(env, ev.Conn)
		if s, ok := m.(Snapshot); ok {
			engine.Notef(env, "%s receives a %d KB snapshot", engine.S(env.ID()), engine.D(s.Bytes/1000))
		}
		f.answer(env, ev.Conn)
	case ReadAt:
		if len(f.reads) >= maxWaitingReads {
			env.Send(m.Client, Reply{ID: m.ID, Err: env.ID() + " has too many reads waiting"})
			return
		}
		f.reads = append(f.reads, m)
		f.answerReads(env)
	case engine.ConnClosed:
		if m.Conn == f.conn {
			f.conn = 0
		}
	}
}

// answer acknowledges on c what is applied; with a connection per request
// the follower then closes c, as a server does after its one response.
func (f *follower) answer(env engine.Env, c engine.ConnID) {
	env.SendOn(c, Ack{Seq: f.contig})
	if perRequest(env) {
		env.Close(c)
		if f.conn == c {
			f.conn = 0
		}
	}
}

// answerReads answers the reads whose index this follower has reached:
// the value it holds once it has applied that many entries.
func (f *follower) answerReads(env engine.Env) {
	keep := f.reads[:0]
	for _, r := range f.reads {
		if len(f.applied) >= r.Index {
			env.Send(r.Client, Reply{ID: r.ID, OK: true, Value: f.kv[r.Key]})
		} else {
			keep = append(keep, r)
		}
	}
	f.reads = keep
}
