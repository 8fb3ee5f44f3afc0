package clockbound

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Server is green, blue or amber: a replica of a multi-version store and,
// for the writes sent to it, their writer. A write is stamped from the
// writer's clock, held uncommitted on every replica, and committed (made
// readable, and acknowledged) only when every replica holds it and, in
// commit-wait mode, the writer's clock has passed its stamp by maxOffset.
// A read is served at the replica's clock; it waits for an uncommitted
// version at or below its timestamp and, in read-restart mode, moves its
// timestamp up to a version inside its uncertainty window.
type Server struct {
	id     string
	store  map[string]versions
	writes []*write // the writes it is the writer of, until every replica has their commit
	parked []parkedRead
	// ClockBound mode: reads waiting for the clock to pass their
	// timestamp (latest when they came), and the next such wait's number.
	clockWaits []parkedRead
	waitSeq    int
	writeSeq   int               // the last write's number, for its record on disk
	high       time.Duration     // hybrid stamps: the highest stamp a request carried or it stamped
	others     []string          // the other servers, read at start (the page has no servers to join or leave)
	place      int               // its place among every server, for tiebreak
	spare      []parkedRead      // a second buffer for parked, reused when a commit answers reads
	diskKeys   map[string]string // key → its record's name on disk, built once
	recent     []*write          // the last few writes, for the commit-wait chart

	// What its latest event did, for the checks: versions it committed as
	// a writer, versions it showed a client.
	committed []shown
	shown     []shown

	Writes, Reads, Restarts, Waited int

	// Texts its notes repeat, kept from the last time: a write's stamp
	// (the end of its wait and its commit, in one event, both name it)
	// and maxOffset (every write's note names it).
	lastStamp, lastOffset         time.Duration
	lastStampText, lastOffsetText string
}

// stampText is stampText(ts), the last one kept.
func (s *Server) stampText(ts time.Duration) string {
	if s.lastStampText == "" || ts != s.lastStamp {
		s.lastStamp, s.lastStampText = ts, stampText(ts)
	}
	return s.lastStampText
}

// offsetText is dur(d), the last one kept.
func (s *Server) offsetText(d time.Duration) string {
	if s.lastOffsetText == "" || d != s.lastOffset {
		s.lastOffset, s.lastOffsetText = d, dur(d)
	}
	return s.lastOffsetText
}

// write is one client write this server stamped.
type write struct {
	Op       int // the client's operation id
	Client   string
	Disk     string // its record on disk: "w/" and its number, zero-padded (so they sort in order)
	Key      string
	Value    string
	TS       time.Duration
	Stamped  time.Duration // its clock reading when it stamped it (ClockBound stamps ahead: at latest)
	WaitTill time.Duration // its clock reading at which the commit-wait ends
	Waited   bool
	Held     []string // replicas that hold it
	Knows    []string // replicas that hold its commit
	Done     bool     // committed
	DoneAt   time.Duration
}

// parkedRead waits for an uncommitted version at or below its timestamp.
type parkedRead struct {
	Seq    int // ClockBound mode: the number of its wait for the clock
	ID     int
	From   string
	Key    string
	ReadTS time.Duration
}

// shown is a version a client was told of (a read's answer or a write's
// acknowledgement).
type shown struct {
	Key string
	TS  time.Duration
}

var (
	waitTimer  = kit.TimerKey[int]{Name: "commit-wait"}
	clockTimer = kit.TimerKey[int]{Name: "read-wait"}
)

func diskKey(key string) kit.Record[versions] { return kit.Record[versions]{Key: "kv/" + key} }

// diskKey is key's record, its name built once per key.
func (s *Server) diskKey(key string) kit.Record[versions] {
	k, ok := s.diskKeys[key]
	if !ok {
		if s.diskKeys == nil {
			s.diskKeys = map[string]string{}
		}
		k = "kv/" + key
		s.diskKeys[key] = k
	}
	return kit.Record[versions]{Key: k}
}

const writePrefix = "w/"

// save writes w's record (each write it is the writer of has its own, so
// an event rewrites only what it changed).
func (s *Server) save(env engine.Env, w *write) {
	kit.Record[write]{Key: w.Disk}.Put(env.Storage(), *w)
}

// forget drops a write every replica has committed, and its record.
func (s *Server) forget(env engine.Env, w *write) {
	s.writes = slices.DeleteFunc(s.writes, func(x *write) bool { return x == w })
	env.Storage().Delete(w.Disk)
}

const (
	resendTimer = "resend"
	resendEvery = 100 * time.Millisecond
	maxParked   = 64
	keptRecent  = 6
)

func newServer(id string) *Server { return &Server{id: id, store: map[string]versions{}} }

// Handle is the server's state machine; the store and its writes are on
// its disk at the end of every event (each written when it changes).
func (s *Server) Handle(env engine.Env, ev engine.Event) {
	s.committed, s.shown = s.committed[:0], s.shown[:0]
	switch ev.Kind {
	case engine.EvStart:
		s.start(env)
	case engine.EvReceive:
		s.receive(env, ev.From, ev.Msg)
	case engine.EvTimer:
		if ev.Timer == resendTimer {
			s.resend(env)
		} else if op, ok := waitTimer.Match(ev.Timer); ok {
			s.waitOver(env, op)
		} else if seq, ok := clockTimer.Match(ev.Timer); ok {
			s.clockPassed(env, seq)
		}
	}
	env.Storage().Sync()
}

// start recovers the store and the writes it had not finished, and
// carries them on: their waits are re-armed from its clock.
func (s *Server) start(env engine.Env) {
	st := env.Storage()
	*s = Server{id: s.id, store: map[string]versions{}}
	for _, k := range st.Keys() {
		if key, ok := strings.CutPrefix(k, "kv/"); ok {
			if vs, ok := diskKey(key).Get(st); ok {
				s.store[key] = slices.Clone(vs)
			}
		}
	}
	for _, k := range st.Keys() {
		if !strings.HasPrefix(k, writePrefix) {
			continue
		}
		w, ok := kit.Record[write]{Key: k}.Get(st)
		if !ok {
			continue
		}
		w.Held, w.Knows = slices.Clone(w.Held), slices.Clone(w.Knows)
		s.writes = append(s.writes, &w)
		if n, err := strconv.Atoi(strings.TrimPrefix(k, writePrefix)); err == nil {
			s.writeSeq = max(s.writeSeq, n)
		}
		if !w.Waited {
			waitTimer.Set(env, w.Op, w.WaitTill-env.Now())
		}
	}
	peers := env.Peers()
	s.place = slices.Index(peers, s.id)
	s.others = slices.DeleteFunc(peers, func(p string) bool { return p == s.id })
	s.resend(env)
}

func (s *Server) receive(env engine.Env, from string, msg engine.Message) {
	switch m := msg.(type) {
	case Put:
		s.observe(env, from, m.Seen)
		s.put(env, from, m)
	case Get:
		s.Reads++
		s.observe(env, from, m.Seen)
		s.get(env, parkedRead{ID: m.ID, From: from, Key: m.Key, ReadTS: s.clock(env)})
	case ReplicateVersion:
		s.keep(env, m.Key, version{Value: m.Value, TS: m.TS, Writer: m.Writer, Committed: m.Commit})
		env.Send(from, ReplicateAck{Key: m.Key, TS: m.TS, Commit: m.Commit})
	case ReplicateAck:
		s.acked(env, from, m)
	}
}

// put stamps a client's write from its clock (above every stamp it holds
// for the key, so a later write never sorts below an earlier one), holds
// it uncommitted here and on every replica, and starts the commit-wait:
// until its clock has passed the stamp by maxOffset, or in ClockBound
// mode, stamped at the top of its clock's interval, until the bottom of
// the interval has passed the stamp.
func (s *Server) put(env engine.Env, from string, m Put) {
	lead, wait := time.Duration(0), uncertainty(env)
	if mode(env) == modeClockBound {
		lead = errorBound(env, s.id)
		wait = lead
	}
	ts := max((s.clock(env)+lead).Truncate(time.Microsecond), s.store[m.Key].latestTS().Truncate(time.Microsecond)+time.Microsecond) + s.tiebreak(env)
	if hybrid(env) {
		s.high = max(s.high, ts)
	}
	s.writeSeq++
	w := &write{Op: m.ID, Client: from, Disk: writeRecord(s.writeSeq), Key: m.Key, Value: m.Value, TS: ts, Stamped: env.Now(), WaitTill: ts + wait, Held: []string{s.id}}
	defer s.save(env, w)
	s.Writes++
	s.writes = append(s.writes, w)
	s.remember(w)
	s.keep(env, m.Key, version{Value: m.Value, TS: ts, Writer: s.id})
	for _, p := range s.peers(env) {
		env.Send(p, ReplicateVersion{Key: m.Key, Value: m.Value, TS: ts, Writer: s.id})
	}
	if mode(env) != modeReadRestart && wait > 0 {
		s.Waited++
		if mode(env) == modeClockBound {
			engine.Notef(env, "%s's clock reads %s, within ±%s ms: [earliest, latest] = [%s, %s]. It stamps %s=%s at latest, %s, and waits %s ms, until earliest passes the stamp",
				engine.S(s.id), engine.S(ms(env.Now())), engine.S(dur(lead)), engine.S(ms(env.Now()-lead)), engine.S(ms(env.Now()+lead)),
				engine.S(m.Key), engine.S(m.Value), engine.S(ms(ts)), engine.S(dur(w.WaitTill-env.Now())))
		} else {
			engine.Notef(env, "%s stamps %s=%s at %s and waits %s ms before acking it (maxOffset %s ms)", engine.S(s.id), engine.S(m.Key), engine.S(m.Value),
				engine.S(ms(ts)), engine.S(dur(w.WaitTill-env.Now())), engine.S(s.offsetText(wait)))
		}
		waitTimer.Set(env, m.ID, w.WaitTill-env.Now())
		return
	}
	w.Waited = true
	engine.Notef(env, "%s stamps %s=%s at %s and does not wait", engine.S(s.id), engine.S(m.Key), engine.S(m.Value), engine.S(ms(ts)))
}

// uncertainty is how far the servers take their clocks to be apart: the
// maxOffset setting, or nothing under the broken variant.
func uncertainty(env engine.Env) time.Duration {
	if env.Variant(VarNoWait) {
		return 0
	}
	return time.Duration(env.Param(ParamMaxOffset, defMaxOffset)) * time.Millisecond
}

// errorBound is how far server id claims its clock may be from true time
// (ClockBound mode): its own setting, else the one for every server; and
// nothing under the broken variant.
func errorBound(env engine.Env, id string) time.Duration {
	if env.Variant(VarNoWait) {
		return 0
	}
	return claimedBound(env.Param, id)
}

// claimedBound reads server id's claimed error bound from the settings.
func claimedBound(param func(string, int) int, id string) time.Duration {
	b := param(boundParam(id), sameBound)
	if b < 0 {
		b = param(ParamBound, defBound)
	}
	return time.Duration(b) * time.Millisecond
}

func mode(env engine.Env) int { return env.Param(ParamMode, modeCommitWait) }

func hybrid(env engine.Env) bool { return env.Param(ParamStamps, stampsWall) == stampsHybrid }

// clock is what the server stamps and reads with: its clock, or with
// hybrid stamps, a hybrid clock that never reads below the highest stamp
// a request carried.
func (s *Server) clock(env engine.Env) time.Duration {
	if hybrid(env) {
		return max(env.Now(), s.high)
	}
	return env.Now()
}

// observe moves the hybrid clock up to a stamp a client carried.
func (s *Server) observe(env engine.Env, from string, seen time.Duration) {
	if !hybrid(env) || seen <= s.high {
		return
	}
	s.high = seen
	if seen > env.Now() {
		engine.Notef(env, "%s's clock reads %s, but %s carries stamp %s: its hybrid clock moves up to it", engine.S(s.id), engine.S(ms(env.Now())), engine.S(from), engine.S(stampText(seen)))
	}
}

// tiebreak makes two servers' stamps differ even when their clocks read
// the same microsecond: a few nanoseconds by the server's place among its
// peers, below anything the page shows.
func (s *Server) tiebreak(env engine.Env) time.Duration {
	return time.Duration(1 + s.place)
}

func (s *Server) peers(engine.Env) []string { return s.others }

// writeRecord names write n's record: zero-padded, so the names sort in
// the order the writes were stamped.
func writeRecord(n int) string {
	d := strconv.Itoa(n)
	return writePrefix + strings.Repeat("0", max(0, 10-len(d))) + d
}

func (s *Server) remember(w *write) {
	if len(s.recent) == keptRecent {
		s.recent = append(s.recent[:0], s.recent[1:]...)
	}
	s.recent = append(s.recent, w)
}

func (s *Server) find(key string, ts time.Duration) *write {
	for _, w := range s.writes {
		if w.Key == key && w.TS == ts {
			return w
		}
	}
	return nil
}

func (s *Server) waitOver(env engine.Env, op int) {
	for _, w := range s.writes {
		if w.Op == op && !w.Waited {
			w.Waited = true
			s.save(env, w)
			if mode(env) == modeClockBound {
				b := errorBound(env, s.id)
				engine.Notef(env, "%s's interval is [%s, %s]: earliest has passed %s %s, so the stamp is in the past wherever in the interval true time lies; the wait is over",
					engine.S(s.id), engine.S(ms(env.Now()-b)), engine.S(ms(env.Now()+b)), engine.S(w.Key), engine.S(s.stampText(w.TS)))
			} else {
				engine.Notef(env, "%s's clock reads %s: the commit-wait of %s %s is over", engine.S(s.id), engine.S(ms(env.Now())), engine.S(w.Key), engine.S(s.stampText(w.TS)))
			}
			s.tryCommit(env, w)
		}
	}
}

func (s *Server) acked(env engine.Env, from string, m ReplicateAck) {
	w := s.find(m.Key, m.TS)
	if w == nil {
		return
	}
	if m.Commit {
		if !slices.Contains(w.Knows, from) {
			w.Knows = append(w.Knows, from)
			s.save(env, w)
		}
		if len(w.Knows) >= len(s.peers(env)) {
			s.forget(env, w)
		}
		return
	}
	if !slices.Contains(w.Held, from) {
		w.Held = append(w.Held, from)
		s.save(env, w)
	}
	s.tryCommit(env, w)
}

// tryCommit commits w once its wait is over and every replica holds it:
// the version becomes readable here, the replicas are told, and the
// client gets its acknowledgement.
func (s *Server) tryCommit(env engine.Env, w *write) {
	if w.Done || !w.Waited || len(w.Held) < len(s.peers(env))+1 {
		return
	}
	w.Done, w.DoneAt = true, env.Now()
	s.save(env, w)
	v := version{Value: w.Value, TS: w.TS, Writer: s.id, Committed: true}
	s.committed = append(s.committed, shown{Key: w.Key, TS: w.TS})
	s.keep(env, w.Key, v)
	for _, p := range s.peers(env) {
		env.Send(p, ReplicateVersion{Key: w.Key, Value: w.Value, TS: w.TS, Writer: s.id, Commit: true})
	}
	s.shown = append(s.shown, shown{Key: w.Key, TS: w.TS})
	env.Send(w.Client, PutOk{ID: w.Op, TS: w.TS})
	engine.Notef(env, "%s commits %s=%s %s and acks %s", engine.S(s.id), engine.S(w.Key), engine.S(w.Value), engine.S(s.stampText(w.TS)), engine.S(w.Client))
	if len(s.peers(env)) == 0 {
		s.forget(env, w)
	}
}

// get takes a client's read. In ClockBound mode its timestamp is the top
// of the clock's interval, latest, and the read first waits until the
// clock has passed it; then it is served as in the other modes (waiting
// for any held version at or below its timestamp).
func (s *Server) get(env engine.Env, r parkedRead) {
	if mode(env) != modeClockBound {
		s.serve(env, r, true)
		return
	}
	b := errorBound(env, s.id)
	r.ReadTS += b
	if b <= 0 {
		s.serve(env, r, false)
		return
	}
	s.waitSeq++
	r.Seq = s.waitSeq
	if len(s.clockWaits) == maxParked {
		s.clockWaits = s.clockWaits[1:] // the oldest has long timed out at its client
	}
	s.clockWaits = append(s.clockWaits, r)
	clockTimer.Set(env, r.Seq, b)
	engine.Notef(env, "%s reads %s for %s at latest = %s (its clock %s, ±%s ms) and waits until its clock passes it", engine.S(s.id), engine.S(r.Key), engine.S(r.From),
		engine.S(ms(r.ReadTS)), engine.S(ms(env.Now())), engine.S(dur(b)))
}

// clockPassed serves a read whose timestamp its clock has passed.
func (s *Server) clockPassed(env engine.Env, seq int) {
	i := slices.IndexFunc(s.clockWaits, func(r parkedRead) bool { return r.Seq == seq })
	if i < 0 {
		return
	}
	r := s.clockWaits[i]
	s.clockWaits = slices.Delete(s.clockWaits, i, i+1)
	s.serve(env, r, false)
}

// keep stores a version, and answers the reads a commit unblocks.
func (s *Server) keep(env engine.Env, key string, v version) {
	s.store[key] = s.store[key].put(v)
	s.diskKey(key).Put(env.Storage(), s.store[key])
	if v.Committed && len(s.parked) > 0 {
		parked := s.parked
		s.parked = s.spare[:0]
		for _, r := range parked {
			if r.Key == key {
				s.serve(env, r, false)
			} else {
				s.parked = append(s.parked, r)
			}
		}
		s.spare = parked[:0]
	}
}

// serve answers a read at r.ReadTS, or parks it. A fresh read in
// read-restart mode first looks for a version in its uncertainty window
// (ReadTS, ReadTS + maxOffset]: such a version may have been written
// before the read began, by a clock ahead of this one, so the read moves
// up to it.
func (s *Server) serve(env engine.Env, r parkedRead, fresh bool) {
	vs := s.store[r.Key]
	if fresh && mode(env) == modeReadRestart {
		if ts, ok := vs.in(r.ReadTS, r.ReadTS+uncertainty(env)); ok {
			s.Restarts++
			engine.Notef(env, "%s restarts %s's read of %s at %s: a version %s lies inside its uncertainty window (%s, %s]", engine.S(s.id), engine.S(r.From), engine.S(r.Key),
				engine.S(ms(ts)), engine.S(stampText(ts)), engine.S(ms(r.ReadTS)), engine.S(ms(r.ReadTS+uncertainty(env))))
			r.ReadTS = ts
		}
	}
	v, blocked := vs.at(r.ReadTS)
	if blocked != nil {
		if len(s.parked) == maxParked {
			s.parked = s.parked[1:] // the oldest has long timed out at its client
		}
		s.parked = append(s.parked, r)
		engine.Notef(env, "%s holds %s's read of %s at %s: %s=%s %s is not committed yet", engine.S(s.id), engine.S(r.From), engine.S(r.Key), engine.S(ms(r.ReadTS)),
			engine.S(r.Key), engine.S(blocked.Value), engine.S(stampText(blocked.TS)))
		return
	}
	s.shown = append(s.shown, shown{Key: r.Key, TS: v.TS})
	env.Send(r.From, GetOk{ID: r.ID, Value: v.Value, TS: v.TS, ReadTS: r.ReadTS})
}

// resend offers every replica what it has not acknowledged: the version,
// or its commit.
func (s *Server) resend(env engine.Env) {
	for _, w := range s.writes {
		for _, p := range s.peers(env) {
			switch {
			case !w.Done && !slices.Contains(w.Held, p):
				env.Send(p, ReplicateVersion{Key: w.Key, Value: w.Value, TS: w.TS, Writer: s.id})
			case w.Done && !slices.Contains(w.Knows, p):
				env.Send(p, ReplicateVersion{Key: w.Key, Value: w.Value, TS: w.TS, Writer: s.id, Commit: true})
			}
		}
	}
	env.SetTimer(resendTimer, resendEvery)
}

func (s *Server) keys() []string {
	keys := make([]string, 0, len(s.store))
	for k := range s.store {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ValidateRequest: a server takes no learner actions.
func (s *Server) ValidateRequest(req engine.Request) error { return errNoAction(req.Name) }
