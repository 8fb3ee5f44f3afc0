package durable

import (
	"fmt"
	"maps"
	"time"

	"clusterscope/engine"
)

// Broken variants: each removes one part of the pattern.
const (
	VarAckBeforeFsync         = "ack-before-fsync"
	VarApplyBeforeLogging     = "apply-before-logging"
	VarDeleteByBase           = "delete-by-base-index"
	VarDiscardWithoutSnapshot = "discard-without-snapshot"
)

// timerGroup fires when the oldest write waiting for a group commit has
// waited group-commit-ms.
const timerGroup = "group-commit"

// timerCleaner runs the log cleaner, as a background task does, every
// cleanerEvery: it deletes the segments sealed since the last snapshot too.
const (
	timerCleaner = "cleaner"
	cleanerEvery = 100 * time.Millisecond
)

// waitingWrite is a put appended to the log and not yet applied: it is
// applied and acknowledged once its entry is durable.
type waitingWrite struct {
	index  int
	client string
	reqID  int
}

// Node is the server: a key-value store whose every put goes through the
// write-ahead log. One event at a time, in Handle's switch; the order of a
// put is append → fsync done → apply → acknowledge.
type Node struct {
	id  string
	log *logStore

	kv         map[string]string
	kvWrites   int        // changes to kv so far (the recovery check compares again after one)
	kvLast     string     // the key the last change wrote ("" when a recovery replaced kv whole)
	applied    appliedIDs // request id → index it was applied at
	appliedIdx int        // the state includes every entry up to here
	next       int        // index of the next append
	waiting    []waitingWrite
	ackedIdx   int // highest index acknowledged to a client

	unsynced int // appends since the last fsync asked
	// inflight is the fsync running per file: at most one at a time; the
	// writes that arrive meanwhile share the next one (wantSync).
	inflight   map[string]int
	wantSync   bool
	groupArmed bool // the group-commit timer is set

	lwm      int // entries ≤ lwm may be discarded
	snapIdx  int // the durable snapshot covers entries ≤ snapIdx
	snapJob  int // the fsync of the snapshot being written (0: none)
	snapping Snapshot

	rw      *rewrite // the one-file cleaner's copy in progress (nil: none)
	cleaned cleaning

	recovery []string // what the last start did, for the panel
}

func newNode(id string) *Node { return &Node{id: id} }

// Handle is the node's state machine.
func (n *Node) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		n.start(env)
	case engine.EvReceive:
		if m, ok := ev.Msg.(Request); ok {
			n.request(env, ev.From, m)
		}
	case engine.EvTimer:
		switch ev.Timer {
		case timerGroup:
			n.groupArmed = false
			n.fsync(env)
		case timerCleaner:
			n.clean(env)
			n.armCleaner(env)
		}
	case engine.EvDisk:
		n.diskDone(env, ev.Disk)
	case engine.EvRequest:
		if ev.Request.Name == actionSnapshot {
			n.snapshot(env)
		}
	}
}

// start recovers from the disk: the same pure Recover the power-cut
// explorer runs, then the repairs it asks for.
func (n *Node) start(env engine.Env) {
	d := env.Disk()
	r := Recover(d)
	r.Repair(d)
	n.log = openLog(d, env.Param(ParamSegmentEntries, 0))
	n.kv = r.KV
	n.applied.fromMap(r.Applied)
	n.kvWrites, n.kvLast = n.kvWrites+1, ""
	n.appliedIdx, n.next = r.Last, r.Last+1
	n.ackedIdx = 0
	n.inflight = map[string]int{}
	n.snapIdx, n.lwm = r.Snapshot, r.Snapshot
	if r.Snapshot == 0 && len(n.log.segs) > 0 {
		n.lwm = n.log.segs[0].base - 1 // only a discard without a snapshot leaves this above 0
	}
	n.armCleaner(env)
	n.recovery = r.Story()
	for _, s := range n.recovery {
		env.Note("%s", s)
	}
}

func (n *Node) request(env engine.Env, from string, m Request) {
	if m.Op == opGet {
		env.Send(from, Reply{ID: m.ID, Value: n.kv[m.Key]})
		return
	}
	if idx, ok := n.applied.get(m.ID); ok && idx <= n.appliedIdx && !env.Variant(VarApplyBeforeLogging) {
		env.Note("%s's retry of request #%d: already durable at index %d, answered again", from, m.ID, idx)
		env.Send(from, Reply{ID: m.ID, Index: idx})
		return
	}
	e := Entry{Index: n.next, Key: m.Key, Value: m.Value, Client: from, ReqID: m.ID}
	early := env.Variant(VarApplyBeforeLogging)
	if early {
		n.applyEntry(env, e) // the flaw: memory changes before the log has it
	}
	file, sealed, err := n.log.append(e)
	if err != nil {
		env.Note("refused put %s=%s: %v", m.Key, m.Value, err)
		env.Send(from, Reply{ID: m.ID, Refused: err.Error()})
		return
	}
	n.next++
	n.cleaned.logged += e.size()
	if sealed != "" {
		env.Note("segment %s sealed, rolled to %s", sealed, file)
	}
	engine.Notef(env, "appended %d %s=%s to %s (%s's request #%d)", engine.D(e.Index), engine.S(e.Key), engine.S(e.Value), engine.S(file), engine.S(from), engine.D(m.ID))
	if env.Variant(VarAckBeforeFsync) {
		// The flaw: the client hears "done" while the entry is only in the
		// page cache.
		n.applyEntry(env, e)
		n.ack(env, e.Client, e.ReqID, e.Index)
	} else {
		n.waiting = append(n.waiting, waitingWrite{index: e.Index, client: from, reqID: m.ID})
	}
	n.unsynced++
	if n.unsynced >= env.Param(ParamGroupCommit, 1) {
		n.fsync(env)
	} else if !n.groupArmed {
		n.groupArmed = true
		env.SetTimer(timerGroup, time.Duration(env.Param(ParamGroupCommitMs, defGroupCommitMs))*time.Millisecond)
	}
}

// fsync asks the disk to make every written entry durable: the sealed
// segments first, then the active one (fsyncs complete in order).
func (n *Node) fsync(env engine.Env) {
	if n.groupArmed {
		env.CancelTimer(timerGroup)
		n.groupArmed = false
	}
	n.unsynced = 0
	n.wantSync = false
	for _, s := range n.log.segs {
		f := n.log.disk.File(s.name)
		if f == nil || f.Len() <= f.Durable() {
			continue
		}
		if n.inflight[s.name] != 0 {
			n.wantSync = true // the next fsync, when this one is done, takes these too
			continue
		}
		job, err := env.Fsync(s.name)
		if err != nil {
			env.Note("fsync %s: %v", s.name, err)
			continue
		}
		n.inflight[s.name] = job
	}
}

func (n *Node) diskDone(env engine.Env, done engine.DiskDone) {
	if n.inflight[done.File] == done.Job {
		delete(n.inflight, done.File)
	}
	if n.rw != nil && done.Job == n.rw.job {
		n.rewriteSynced(env, done)
		return
	}
	if done.Err != "" {
		env.Note("fsync of %s failed: %s; asking again", done.File, done.Err)
		if done.Job == n.snapJob {
			n.snapJob = 0
			env.Disk().Delete(snapshotTmp)
			return
		}
		n.fsync(env)
		return
	}
	if done.Job == n.snapJob && done.File == snapshotTmp {
		n.snapshotDurable(env)
		return
	}
	n.applyDurable(env)
	if n.wantSync {
		n.fsync(env)
	}
}

// applyDurable applies and acknowledges, in index order, every waiting
// write whose entry is now durable.
func (n *Node) applyDurable(env engine.Env) {
	k := 0
	for ; k < len(n.waiting) && n.log.durableAt(n.waiting[k].index); k++ {
		w := n.waiting[k]
		if !env.Variant(VarApplyBeforeLogging) {
			e, ok := n.log.read(w.index)
			if !ok {
				break
			}
			n.applyEntry(env, e)
		}
		n.ack(env, w.client, w.reqID, w.index)
	}
	if k == 0 {
		return
	}
	engine.Notef(env, "fsynced up to %d", engine.D(n.waiting[k-1].index))
	n.waiting = append(n.waiting[:0], n.waiting[k:]...)
	if every := env.Param(ParamSnapshotEvery, 0); every > 0 && n.appliedIdx-n.snapIdx >= every && n.snapJob == 0 {
		n.snapshot(env)
	}
}

// applyEntry puts the entry into the key-value state, once per request.
func (n *Node) applyEntry(env engine.Env, e Entry) {
	n.appliedIdx = max(n.appliedIdx, e.Index)
	if at, dup := n.applied.get(e.ReqID); dup {
		env.Note("entry %d repeats %s's request #%d (applied at %d): skipped", e.Index, e.Client, e.ReqID, at)
		return
	}
	n.applied.put(e.ReqID, e.Index)
	n.kv[e.Key] = e.Value
	n.kvWrites, n.kvLast = n.kvWrites+1, e.Key
	engine.Notef(env, "applied %d %s=%s", engine.D(e.Index), engine.S(e.Key), engine.S(e.Value))
}

func (n *Node) ack(env engine.Env, client string, reqID, index int) {
	n.ackedIdx = max(n.ackedIdx, index)
	env.Send(client, Reply{ID: reqID, Index: index})
}

const actionSnapshot = "snapshot"

// snapshot writes the applied state to snapshot.tmp and fsyncs it; when
// that is durable it replaces the snapshot, the low-water mark moves up
// and the cleaner runs.
func (n *Node) snapshot(env engine.Env) {
	switch {
	case n.snapJob != 0:
		env.Note("a snapshot is already being written")
		return
	case n.appliedIdx <= n.lwm:
		env.Note("nothing new to snapshot (applied %d, low-water mark %d)", n.appliedIdx, n.lwm)
		return
	}
	if env.Variant(VarDiscardWithoutSnapshot) {
		// The flaw: the mark moves and the cleaner runs, with nothing on
		// disk that holds the state the discarded entries built.
		n.lwm = n.appliedIdx
		env.Note("low-water mark → %d, without writing a snapshot", n.lwm)
		n.clean(env)
		return
	}
	d := env.Disk()
	d.Delete(snapshotTmp)
	s := Snapshot{Index: n.appliedIdx, KV: maps.Clone(n.kv), Applied: n.applied.toMap()}
	if _, err := d.Append(snapshotTmp, engine.Record{Data: s, Size: s.size()}); err != nil {
		env.Note("snapshot refused: %v", err)
		return
	}
	job, err := env.Fsync(snapshotTmp)
	if err != nil {
		env.Note("snapshot: %v", err)
		return
	}
	n.snapJob, n.snapping = job, s
	env.Note("writing a snapshot through index %d", s.Index)
}

func (n *Node) snapshotDurable(env engine.Env) {
	n.snapJob = 0
	if err := env.Disk().Rename(snapshotTmp, snapshotFile); err != nil {
		env.Note("snapshot: %v", err)
		return
	}
	n.snapIdx = n.snapping.Index
	n.lwm = max(n.lwm, n.snapIdx)
	env.Note("snapshot through %d is durable: low-water mark → %d", n.snapIdx, n.lwm)
	n.clean(env)
}

// clean deletes the sealed segments wholly at or below the low-water mark;
// a log kept as one file is rewritten instead.
func (n *Node) clean(env engine.Env) {
	if n.lwm == 0 {
		return
	}
	byBase := env.Variant(VarDeleteByBase)
	gone, freed := n.log.clean(n.lwm, byBase)
	for _, s := range gone {
		env.Note("cleaner deleted segment %s", s.name)
	}
	n.cleaned.deleted += freed
	if n.log.maxEntries == 0 {
		n.startRewrite(env)
	}
}

// armCleaner schedules the next cleaner run, jittered by up to a fifth so
// a background task does not tick in step with the client load.
func (n *Node) armCleaner(env engine.Env) {
	env.SetTimer(timerCleaner, cleanerEvery+time.Duration(env.Rand().Int64N(int64(cleanerEvery/5))))
}

// ValidateRequest checks an action before the engine accepts it.
func (n *Node) ValidateRequest(req engine.Request) error {
	if req.Name != actionSnapshot {
		return fmt.Errorf("unknown action %q (this server offers %s)", req.Name, actionSnapshot)
	}
	return nil
}
