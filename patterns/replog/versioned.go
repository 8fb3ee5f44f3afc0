package replog

import (
	"slices"

	"clusterscope/engine"
)

// Versioned Value on the replicated log: the state machine is a
// multi-version store. Every applied write adds a version of its key
// stamped with the log index of its entry, so every server numbers
// versions alike without talking about it; a read names a version and
// gets the newest one at or below it. A report (a snapshot) is opened by
// a log entry whose index is its read version, so every server knows the
// open snapshots, and a compaction entry never removes a version an open
// snapshot still reads. The mode is on only for nodes built by
// newVersionedProcess.

// Entry operations of the versioned-value page.
const (
	opTransfer  = "transfer"   // Amount moves from account Key to account Value, both at one version
	opSnapOpen  = "snap-open"  // Client opens a snapshot; its read version is this entry's index
	opSnapClose = "snap-close" // Client closes its snapshot at version At
	opCompact   = "compact"    // drop versions no read at or above At needs
)

// Broken variants of the Versioned Value page.
const (
	// VarOverwriteInPlace keeps one version per key: a write replaces the
	// value, and a read at any version gets the current one.
	VarOverwriteInPlace = "overwrite-in-place"
	// VarCompactIgnoresSnapshots compacts where it is asked to, below open
	// snapshots too.
	VarCompactIgnoresSnapshots = "compaction-ignores-open-snapshots"
)

// The two accounts and what each holds at version 0: the total a report
// must find.
const (
	accountA, accountB = "A", "B"
	openingBalance     = 50
	accountsTotal      = 2 * openingBalance
)

func isAccount(k string) bool { return k == accountA || k == accountB }

// version is one stored version of a key.
type version struct {
	at    int // the log index of the entry that wrote it (0: the opening balance)
	value string
}

// openSnap is a snapshot a client holds open.
type openSnap struct {
	client string
	at     int
}

// readAnswer is a read at a version a node answered, kept for the
// snapshot-read invariant (it checks each against the log).
type readAnswer struct {
	client, key string
	at, from    int // the version asked for; the version of the value given
	value       string
}

// keptAnswers is how many answered reads a node keeps for the invariant,
// which looks at each one in the step that made it.
const keptAnswers = 8

// versionStore is a node's multi-version state machine.
type versionStore struct {
	keys  map[string][]version // oldest first
	names []string             // the keys, sorted (iteration order)
	snaps []openSnap           // open snapshots, oldest version first

	changes     int // puts and compactions so far: the versions-increase check skips a store that has none new
	compacted   int // versions below this were dropped (reads below it are refused)
	answers     []readAnswer
	answered    int // reads answered since boot
	compactions int // compaction entries applied
	held        int // compactions an open snapshot held back
}

func newVersionStore() *versionStore {
	s := &versionStore{keys: map[string][]version{}}
	for _, k := range []string{accountA, accountB} {
		s.keys[k] = []version{{at: 0, value: itoa(openingBalance)}}
		s.names = append(s.names, k)
	}
	return s
}

// put adds a version of key at index at (replaces the only one when
// overwrite is on).
func (s *versionStore) put(key, value string, at int, overwrite bool) {
	s.changes++
	vs, ok := s.keys[key]
	if !ok {
		i, _ := slices.BinarySearch(s.names, key)
		s.names = slices.Insert(s.names, i, key)
	}
	if overwrite && len(vs) > 0 {
		vs[len(vs)-1] = version{at: at, value: value}
		return
	}
	s.keys[key] = append(vs, version{at: at, value: value})
}

// get is the newest version of key at or below at (ok false when the key
// had no version there).
func (s *versionStore) get(key string, at int, overwrite bool) (version, bool) {
	vs := s.keys[key]
	if overwrite && len(vs) > 0 {
		return vs[len(vs)-1], true // the current value, whatever was asked
	}
	i, _ := slices.BinarySearchFunc(vs, at+1, func(v version, t int) int { return v.at - t })
	if i == 0 {
		return version{}, false
	}
	return vs[i-1], true
}

// latest is key's newest value ("" when it has none).
func (s *versionStore) latest(key string) string {
	if vs := s.keys[key]; len(vs) > 0 {
		return vs[len(vs)-1].value
	}
	return ""
}

// oldestSnapshot is the read version of the oldest open snapshot (0, ok
// false when none is open).
func (s *versionStore) oldestSnapshot() (int, bool) {
	if len(s.snaps) == 0 {
		return 0, false
	}
	return s.snaps[0].at, true
}

// compact drops every version that no read at or above below can return:
// per key it keeps the newest version at or below it and all later ones.
func (s *versionStore) compact(below int) int {
	s.changes++
	dropped := 0
	for _, k := range s.names {
		vs := s.keys[k]
		i, _ := slices.BinarySearchFunc(vs, below+1, func(v version, t int) int { return v.at - t })
		if i > 1 {
			s.keys[k] = slices.Delete(vs, 0, i-1)
			dropped += i - 1
		}
	}
	s.compacted = max(s.compacted, below)
	s.compactions++
	return dropped
}

func (s *versionStore) remember(a readAnswer) {
	if len(s.answers) == keptAnswers {
		s.answers = append(s.answers[:0], s.answers[1:]...)
	}
	s.answers = append(s.answers, a)
	s.answered++
}

// onVersionedRequest handles the page's client requests: writes go
// through the log as on every page; transfers and snapshots are
// log entries of their own; a read at a version is answered at once by any
// server that has applied it (versions at or below applied never change).
func (n *Node) onVersionedRequest(env engine.Env, from string, m VersionedRequest) {
	in := m.In
	switch in.Op {
	case opPut:
		n.onClient(env, from, ClientRequest{ID: m.ID, Op: in.Op, Key: in.Key, Value: in.Value})
		return
	case opGetAt:
		n.readAt(env, from, m.ID, in)
		return
	}
	if n.role != Leader {
		n.redirect(env, from, m.ID)
		return
	}
	if n.done.has(from, m.ID) {
		env.Send(from, VersionedReply{ID: m.ID, Err: "already applied"})
		return
	}
	e := Entry{Gen: n.gen, Op: in.Op, Client: from, ReqID: m.ID}
	switch in.Op {
	case opTransfer:
		e.Key, e.Value, e.Amount = in.Key, in.To, in.Amount
	case opSnapClose:
		e.At = in.At
	}
	n.propose(env, e)
}

// redirect refuses a request with a hint to the leader this node knows.
func (n *Node) redirect(env engine.Env, from string, id int) {
	hint := n.leader
	if hint == n.id {
		hint = ""
	}
	env.Send(from, VersionedReply{ID: id, NotLeader: true, Hint: hint})
}

// readAt answers a read of key at version in.At from this node's store.
func (n *Node) readAt(env engine.Env, from string, id int, in VersionedInput) {
	s := n.mv
	switch {
	case in.At > n.applied && n.role != Leader:
		n.redirect(env, from, id) // not applied here yet: the leader is further along
		return
	case in.At > n.applied:
		env.Send(from, VersionedReply{ID: id, Err: "v" + itoa(in.At) + " is not applied yet (latest v" + itoa(n.applied) + ")"})
		return
	case in.At < s.compacted:
		env.Note("%s refuses %s's read of %s@%d: versions below %d were compacted", n.id, from, in.Key, in.At, s.compacted)
		env.Send(from, VersionedReply{ID: id, Err: "compacted below v" + itoa(s.compacted)})
		return
	}
	v, _ := s.get(in.Key, in.At, env.Variant(VarOverwriteInPlace))
	s.remember(readAnswer{client: from, key: in.Key, at: in.At, from: v.at, value: v.value})
	engine.Notef(env, "%s answers %s: %s@%d = %s (version %d)", engine.S(n.id), engine.S(from), engine.S(in.Key), engine.D(in.At), engine.S(orDash(v.value)), engine.D(v.at))
	env.Send(from, VersionedReply{ID: id, Value: v.value, Version: v.at})
}

// applyVersioned applies a versioned-value entry at index n.applied (any
// other entry is not its business).
func (n *Node) applyVersioned(env engine.Env, e Entry) {
	s := n.mv
	if s == nil {
		return
	}
	at, leader := n.applied, n.role == Leader
	if e.Client != "" && !n.done.add(e.Client, e.ReqID) {
		return // a retry that reached the log twice
	}
	reply := VersionedReply{ID: e.ReqID, Version: at}
	switch e.Op {
	case opTransfer:
		overwrite := env.Variant(VarOverwriteInPlace)
		from, to := counterSum(s.latest(e.Key))-e.Amount, counterSum(s.latest(e.Value))+e.Amount
		fromText, toText := itoa(from), itoa(to) // one string each for the store and the plain state
		s.put(e.Key, fromText, at, overwrite)
		s.put(e.Value, toText, at, overwrite)
		n.kv[e.Key], n.kv[e.Value] = fromText, toText
		if leader {
			engine.Notef(env, "%s moves %d from %s to %s → v%d (%s=%d, %s=%d)", engine.S(e.Client), engine.D(e.Amount), engine.S(e.Key), engine.S(e.Value),
				engine.D(at), engine.S(e.Key), engine.D(from), engine.S(e.Value), engine.D(to))
		}
	case opSnapOpen:
		s.snaps = append(s.snaps, openSnap{client: e.Client, at: at}) // in index order: oldest first
		if leader {
			engine.Notef(env, "%s opens a snapshot at v%d", engine.S(e.Client), engine.D(at))
		}
	case opSnapClose:
		if i := slices.Index(s.snaps, openSnap{client: e.Client, at: e.At}); i >= 0 {
			s.snaps = slices.Delete(s.snaps, i, i+1)
		}
		if leader {
			engine.Notef(env, "%s closes the snapshot at v%d", engine.S(e.Client), engine.D(e.At))
		}
	case opCompact:
		below := min(e.At, at)
		held := ""
		if old, ok := s.oldestSnapshot(); ok && old < below && !env.Variant(VarCompactIgnoresSnapshots) {
			held = " (asked for v" + itoa(e.At) + "; the open snapshot at v" + itoa(old) + " holds it there)"
			below = old
			s.held++
		}
		dropped := s.compact(below)
		if leader {
			env.Note("compacted below v%d%s: %d old versions dropped", below, held, dropped)
		}
	default:
		return
	}
	if leader && e.Client != "" {
		env.Send(e.Client, reply)
	}
}

// proposeCompaction (the leader, asked by a learner or the sweep) appends
// a compaction entry; a follower refuses.
func (n *Node) proposeCompaction(env engine.Env, below int) {
	if n.role != Leader {
		env.Note("%s does not lead: only the leader proposes a compaction", n.id)
		return
	}
	env.Note("%s proposes compacting below v%d", n.id, below)
	n.propose(env, Entry{Gen: n.gen, Op: opCompact, At: below})
}

// counterSum reads a balance ("-5" included).
func counterSum(s string) int {
	if len(s) > 0 && s[0] == '-' {
		return -counterValue(s[1:])
	}
	return counterValue(s)
}

// versionedText is a versioned-value entry as a log cell shows it ("" for
// any other entry).
func (e Entry) versionedText() string {
	switch e.Op {
	case opTransfer:
		return e.Key + "→" + e.Value + " " + itoa(e.Amount)
	case opSnapOpen:
		return "snapshot " + e.Client
	case opSnapClose:
		return "close " + e.Client + "@" + itoa(e.At)
	case opCompact:
		return "compact <" + itoa(e.At)
	}
	return ""
}
