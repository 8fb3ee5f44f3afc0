package replog

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Snapshots and the low-water mark (the Low-Water Mark page; off on the
// others, where snapshot-every is 0 and nobody asks for a snapshot).
//
// A node writes its applied state as a snapshot, durably, then cleans its
// log up to the snapshot's index: that index is its low-water mark, the
// log's base. A restart rebuilds the state from the snapshot and the log
// after it. A leader whose follower needs entries it has cleaned sends the
// snapshot instead (InstallSnapshot).

// Snapshot is the state machine at an applied index: what the log up to it
// produced. Its maps are never changed once written (it is shared by the
// disk, the node and messages).
type Snapshot struct {
	Index, Gen int    // lastIncludedIndex, lastIncludedGeneration
	Hash       uint64 // the log's hash chain at Index (checkers compare logs through it)
	KV         map[string]string
	Done       appliedSet // the writes applied, so a retry is not applied twice
}

// logStart is where the log on disk starts: entry Index (of generation Gen)
// was the last one cleaned.
type logStart struct {
	Index, Gen int
	Hash       uint64
}

var (
	diskSnap  = kit.Record[Snapshot]{Key: "snapshot"}
	diskStart = kit.Record[logStart]{Key: "logStart"}
)

const (
	// VarDiscardWithoutSnapshot moves the low-water mark to the commit
	// index and cleans the log up to it without writing a snapshot.
	VarDiscardWithoutSnapshot = "discard-without-snapshot"
	// VarNoInstallSnapshot never sends a snapshot: a follower that needs
	// entries the leader has cleaned waits for them forever.
	VarNoInstallSnapshot = "no-install-snapshot"

	// ParamSnapshotEvery: a node snapshots after applying this many entries
	// (0: only when asked).
	ParamSnapshotEvery = "snapshot-every"

	actionSnapshot = "snapshot"
	timerSnapshot  = "snapshot"
	// snapshotDelay: a snapshot is written a moment after the apply that
	// calls for it, in a step of its own (as a background task would).
	snapshotDelay = time.Millisecond
)

// snapIndex is the index the last snapshot covers (0 without one).
func (n *Node) snapIndex() int {
	if n.snap == nil {
		return 0
	}
	return n.snap.Index
}

// recoverSnapshot loads the snapshot and the log's start from disk: the
// state is the snapshot's, and everything up to the log's start counts as
// applied and committed (only committed entries are ever cleaned).
func (n *Node) recoverSnapshot(env engine.Env) {
	n.base, n.baseGen, n.baseHash, n.snap = 0, 0, hashSeed, nil
	st := env.Storage()
	if s, ok := diskSnap.Get(st); ok {
		n.snap = &s
		n.kv, n.done = maps.Clone(s.KV), s.Done.clone()
	}
	if ls, ok := diskStart.Get(st); ok {
		n.base, n.baseGen, n.baseHash = ls.Index, ls.Gen, ls.Hash
	}
	n.applied, n.hwm = n.base, n.base
}

// recoveredBase says what the restart found below the log (for its note).
func (n *Node) recoveredBase() string {
	if n.snap == nil || n.snap.Index < n.base {
		return fmt.Sprintf("no snapshot (the log was cleaned up to %d: the state of entries 1..%d is gone)", n.base, n.base)
	}
	return fmt.Sprintf("its snapshot at index %d (gen %d, %d keys)", n.snap.Index, n.snap.Gen, len(n.snap.KV))
}

// afterApply asks for a snapshot once snapshot-every entries were applied
// since the last one.
func (n *Node) afterApply(env engine.Env, applied int) {
	if applied == 0 {
		return
	}
	every := env.Param(ParamSnapshotEvery, 0)
	if every <= 0 {
		return
	}
	n.sinceSnap += applied
	if n.sinceSnap >= every {
		env.SetTimer(timerSnapshot, snapshotDelay)
	}
}

// takeSnapshot writes the applied state as a snapshot, syncs it, and only
// then cleans the log up to it. The broken variant cleans without writing
// the snapshot.
func (n *Node) takeSnapshot(env engine.Env, why string) {
	at := n.applied
	n.sinceSnap = 0
	if at <= n.base {
		env.Note("%s has nothing to snapshot: it applied nothing after its low-water mark %d", n.id, n.base)
		return
	}
	st := env.Storage()
	if env.Variant(VarDiscardWithoutSnapshot) {
		env.Note("%s cleans its log up to its commit index %d (%s) and writes no snapshot", n.id, at, why)
		n.clean(env, at)
		st.Sync()
		return
	}
	s := Snapshot{Index: at, Gen: n.genAt(at), Hash: n.hashAt(at), KV: maps.Clone(n.kv), Done: n.done.clone()}
	diskSnap.Put(st, s)
	st.Sync()
	n.snap = &s
	env.Note("%s writes a snapshot of its state at index %d (gen %d, %d keys) and syncs it (%s)", n.id, at, s.Gen, len(s.KV), why)
	n.clean(env, at)
	st.Sync()
}

// clean moves the low-water mark to at (base < at ≤ last) and discards the
// entries up to it, in memory and on disk (synced by the caller).
func (n *Node) clean(env engine.Env, at int) {
	from := n.base + 1
	k := at - n.base
	n.baseGen, n.baseHash = n.genAt(at), n.hashAt(at)
	n.base = at
	n.log = slices.Clone(n.log[k:])
	n.hashes = slices.Clone(n.hashes[k:])
	n.logVer++
	st := env.Storage()
	diskLog.TruncateFront(st, k)
	diskStart.Put(st, logStart{Index: at, Gen: n.baseGen, Hash: n.baseHash})
	env.Note("%s moves its low-water mark to %d and discards entries %d..%d", n.id, at, from, at)
}

// sendSnapshot sends follower i the snapshot in place of the entries it
// needs, which this node has cleaned. Without a snapshot to send (the
// broken variants) it sends a heartbeat, which the follower refuses.
func (n *Node) sendSnapshot(env engine.Env, i int, p string) {
	next := n.next[i]
	if n.snap == nil || n.snap.Index < n.base || env.Variant(VarNoInstallSnapshot) {
		if !n.stuck[i] {
			n.stuck[i] = true
			what := "it has no snapshot to send in their place"
			if env.Variant(VarNoInstallSnapshot) {
				what = "it does not send snapshots"
			}
			env.Note("%s cannot bring %s up to date: %s needs entries %d..%d, which %s cleaned from its log, and %s", n.id, p, p, next, n.base, n.id, what)
		}
		n.busy[i] = true
		env.Send(p, ReplicationRequest{Gen: n.gen, PrevIndex: n.base, PrevGen: n.baseGen, HWM: n.hwm})
		return
	}
	if !n.busy[i] { // a heartbeat's resend to a follower that has not answered is not told again
		env.Note("%s sends its snapshot (index %d) to %s: the entries %s needs (%d..%d) are gone from its log", n.id, n.snap.Index, p, p, next, n.base)
	}
	n.busy[i] = true
	env.Send(p, InstallSnapshot{Gen: n.gen, Snap: *n.snap})
}

// onInstallSnapshot replaces the follower's state by the leader's snapshot.
// Entries after the snapshot that agree with it are kept; any other log is
// discarded.
func (n *Node) onInstallSnapshot(env engine.Env, from string, m InstallSnapshot) {
	if m.Gen < n.gen {
		env.Note("%s refuses %s's snapshot: generation %d < %d", n.id, from, m.Gen, n.gen)
		env.Send(from, InstallSnapshotResponse{Gen: n.gen, Index: n.applied})
		return
	}
	n.follow(env, from, m.Gen)
	s := m.Snap
	if s.Index <= n.applied {
		env.Send(from, InstallSnapshotResponse{Gen: n.gen, Index: n.applied})
		return
	}
	st := env.Storage()
	diskSnap.Put(st, s)
	st.Sync()
	if s.Index < n.last() && n.genAt(s.Index) == s.Gen {
		n.clean(env, s.Index)
	} else {
		diskLog.TruncateFront(st, len(n.log))
		n.log, n.hashes = nil, nil
		n.base, n.baseGen, n.baseHash = s.Index, s.Gen, s.Hash
		n.logVer++
		diskStart.Put(st, logStart{Index: s.Index, Gen: s.Gen, Hash: s.Hash})
	}
	st.Sync()
	n.snap = &s
	n.kv, n.done = maps.Clone(s.KV), s.Done.clone()
	n.applied, n.hwm, n.sinceSnap = s.Index, max(n.hwm, s.Index), 0
	env.Note("%s installs %s's snapshot: its state is now that of index %d, and its log goes on from %d", n.id, from, s.Index, s.Index+1)
	env.Send(from, InstallSnapshotResponse{Gen: n.gen, Index: s.Index})
}

// onSnapshotInstalled: the follower holds everything up to Index.
func (n *Node) onSnapshotInstalled(env engine.Env, from string, m InstallSnapshotResponse) {
	if m.Gen > n.gen {
		n.becomeFollower(env, m.Gen, from+"'s answer")
		n.resetElection(env)
		return
	}
	if n.role != Leader || m.Gen != n.gen {
		return
	}
	i := n.pos(from)
	n.busy[i], n.stuck[i] = false, false
	n.lastAck[i] = n.now
	idx := min(m.Index, n.last())
	n.match[i] = max(n.match[i], idx)
	n.next[i] = max(n.next[i], idx+1)
	n.advanceHWM(env)
	if n.next[i] <= n.last() {
		n.sendTo(env, i, from)
	}
}

// clone copies the set, so a snapshot's copy never changes.
func (a appliedSet) clone() appliedSet {
	out := appliedSet{bits: make([]clientBits, len(a.bits)), other: maps.Clone(a.other)}
	for i, b := range a.bits {
		out.bits[i] = clientBits{client: b.client, words: slices.Clone(b.words)}
	}
	return out
}

// snapshotWidgets: the snapshot card and, on a leader, each follower's
// place against the low-water mark (red: it needs entries that are gone).
func (n *Node) snapshotWidgets() []engine.Widget {
	card := engine.FieldsWidget(WSnapshot, engine.Field{Label: "low-water mark", Value: itoa(n.base)})
	if n.snap == nil {
		card.Fields = append(card.Fields, engine.Field{Label: "snapshot", Value: "none"})
	} else {
		keys := slices.Sorted(maps.Keys(n.snap.KV))
		state := make([]string, len(keys))
		for i, k := range keys {
			state[i] = k + "=" + n.snap.KV[k]
		}
		card.Fields = append(card.Fields,
			engine.Field{Label: "lastIncludedIndex", Value: itoa(n.snap.Index)},
			engine.Field{Label: "lastIncludedGeneration", Value: itoa(n.snap.Gen)},
			engine.Field{Label: "state", Value: orDash(strings.Join(state, ", "))})
	}
	out := []engine.Widget{card}
	if n.role != Leader {
		return out
	}
	var rows []engine.TableRow
	for i, p := range n.all {
		if i == n.self {
			continue
		}
		st, note := engine.StateOK, "replicating"
		switch {
		case n.next[i] <= n.base && n.stuck[i]:
			st, note = engine.StateBad, "needs cleaned entries: stuck"
		case n.next[i] <= n.base:
			st, note = engine.StateBad, "below the low-water mark: snapshot"
		case n.match[i] < n.hwm:
			st, note = engine.StatePending, "catching up"
		}
		rows = append(rows, engine.Row(engine.Cell{Text: p}, engine.Cell{Text: itoa(n.match[i])}, engine.Cell{Text: itoa(n.next[i]), State: st}, engine.Cell{Text: note, State: st}))
	}
	return append(out, engine.TableWidget(WFollowers, []string{"follower", "match", "next", ""}, rows...))
}
