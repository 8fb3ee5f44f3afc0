package replog

import (
	"fmt"
	"sort"
	"time"

	"clusterscope/engine"
)

// Log invariants: logs agree, committed entries stay, reads see only
// committed values, and only a leader appends client commands.

func (t *tracker) logMatching(w *engine.World) (string, []string) {
	t.refresh(w)
	if !t.logsChanged {
		return "", nil
	}
	t.logsChanged = false
	ns := t.nodeCache
	dirty := t.logDirty
	defer clear(dirty)
	for i := 0; i < len(ns); i++ {
		for j := i + 1; j < len(ns); j++ {
			a, b := ns[i], ns[j]
			if a == nil || b == nil || !(dirty[i] || dirty[j]) { // two unchanged logs agreed last time
				continue
			}
			// The highest index where both hold the same generation: the
			// chains must agree there, which covers every lower index.
			// Below both low-water marks neither holds entries; the base
			// keeps its generation and hash.
			lo := max(a.base, b.base)
			k := min(a.last(), b.last())
			for k > lo && a.genAt(k) != b.genAt(k) {
				k--
			}
			if k > 0 && k >= lo && a.genAt(k) == b.genAt(k) && a.hashAt(k) != b.hashAt(k) {
				d := lo + 1
				for d < k && a.entry(d) == b.entry(d) {
					d++
				}
				if d > k {
					return fmt.Sprintf("%s and %s both hold generation %d at index %d but their logs differ at or below index %d, where one was cleaned",
						a.id, b.id, a.genAt(k), k, lo), []string{a.id, b.id}
				}
				return fmt.Sprintf("%s and %s both hold generation %d at index %d but differ at index %d (%s vs %s)",
					a.id, b.id, a.genAt(k), k, d, a.entry(d).Text(), b.entry(d).Text()), []string{a.id, b.id}
			}
		}
	}
	return "", nil
}

// sync extends the committed prefix from every node's high-water mark and
// notes the first committed entry that changed, vanished, or is missing
// from a later leader.
func (t *tracker) sync(w *engine.World) {
	t.refresh(w)
	if !t.commitDirty {
		return
	}
	t.commitDirty = false
	for _, n := range t.nodeCache {
		if n == nil || n.hwm == 0 {
			continue
		}
		h := min(n.hwm, n.last())
		c := len(t.committed)
		if c > 0 && h > 0 {
			at := min(h, c)
			if !t.agrees(n, at) {
				if t.changed == "" {
					t.changed = t.differs(n, at)
					t.changedNodes = []string{n.id}
				}
				continue
			}
		}
		for i := max(c, n.base); i < h && i == len(t.committed); i++ {
			e := n.entry(i + 1)
			t.committed = append(t.committed, n.hashAt(i+1))
			t.cEntries.add(e)
			t.commitGen = append(t.commitGen, n.gen)
			t.commitAt = append(t.commitAt, w.Now())
			if e.Op == opPut {
				kv := [2]string{e.Key, e.Value}
				t.committedVals[kv] = struct{}{}
				// A retried write committed twice takes effect once, at
				// its first copy (apply skips the others).
				if _, dup := t.writesSeen[reqKey{e.Client, e.ReqID}]; !dup {
					t.writesSeen[reqKey{e.Client, e.ReqID}] = struct{}{}
					t.committedIdx[kv] = i + 1
					t.keyWrites[e.Key] = append(t.keyWrites[e.Key], i+1)
				}
			}
			if t.minority == "" {
				holders := 0
				for oi, other := range t.ids {
					if t.holds(w, t.nodeCache[oi], other, i, n.hashAt(i+1), e) {
						holders++
					}
				}
				if 2*holders <= len(t.ids) {
					t.minority = fmt.Sprintf("%s committed entry %d (%s) while only %d of %d nodes hold it", n.id, i+1, e.Text(), holders, len(t.ids))
					t.minorityNodes = []string{n.id}
				}
			}
		}
	}
	if len(t.committed) == 0 {
		return
	}
	if t.incomplete == "" {
		t.checkCompleteness()
	}
	if t.changed != "" {
		return
	}
	// A node that held a committed entry never loses it once it has seen
	// the generation that committed it. (A node that never got that far,
	// back from a pause, may replay a stale leader's request and truncate:
	// that leader could not know the entry, and the current leader will
	// restore it.)
	for ni, n := range t.nodeCache {
		if n == nil {
			continue
		}
		k := t.vc[ni]
		if k > 0 && (n.last() < k || !t.agrees(n, k)) {
			d := t.firstDiff(n, k)
			if t.maxGen[ni] < t.commitGen[d-1] {
				t.vc[ni] = d - 1
				continue
			}
			t.changed = fmt.Sprintf("%s lost committed entry %d (%s, gen %d) in generation %d", n.id, d, t.cEntries.at(d-1).Text(), t.cEntries.at(d-1).Gen, n.gen)
			t.changedNodes = []string{n.id}
			return
		}
		if k < n.base && n.base <= len(t.committed) && n.baseHash == t.committed[n.base-1] {
			k = n.base // a cleaned prefix that agrees: held, as a snapshot
		}
		for k < len(t.committed) && k >= n.base && k < n.last() && n.hashAt(k+1) == t.committed[k] {
			k++
		}
		t.vc[ni] = k
	}
}

// checkCompleteness: a leader holds every committed entry that a node of
// an earlier generation than its own covered.
func (t *tracker) checkCompleteness() {
	c := len(t.committed)
	for _, n := range t.nodeCache {
		if n == nil || n.role != Leader {
			continue
		}
		// held: how much of the committed prefix n holds (hash chains make
		// "holds entry i" true for a prefix, so a binary search finds it).
		lo := min(n.base, c)
		held := lo + sort.Search(max(min(c, n.last())-lo, 0), func(j int) bool { return n.hashAt(lo+j+1) != t.committed[lo+j] })
		for i := held; i < c; i++ {
			if t.commitGen[i] < n.gen {
				t.incomplete = fmt.Sprintf("%s leads generation %d without committed entry %d (%s, gen %d)", n.id, n.gen, i+1, t.cEntries.at(i).Text(), t.cEntries.at(i).Gen)
				t.incompleteNodes = []string{n.id}
				return
			}
		}
	}
}

// firstDiff is the first index (1-based, ≤ upTo) where n's log differs from
// the committed prefix.
func (t *tracker) firstDiff(n *Node, upTo int) int {
	d := n.base + 1
	if n.base > 0 && (n.base > len(t.committed) || n.baseHash != t.committed[n.base-1]) {
		return min(n.base, max(upTo, 1)) // the difference is in the cleaned prefix
	}
	for d < upTo && d <= n.last() && n.entry(d) == t.cEntries.at(d-1) {
		d++
	}
	return d
}

// agrees reports whether n holds the committed prefix up to index at
// (≤ len(committed)). Below its low-water mark n holds no entries: its
// base's hash answers for them, when the tracker knows that far.
func (t *tracker) agrees(n *Node, at int) bool {
	if at < n.base {
		if n.base > len(t.committed) {
			return true // n cleaned past what is known to be committed: nothing to compare
		}
		at = n.base
	}
	return n.hashAt(at) == t.committed[at-1]
}

// differs explains where n's log leaves the committed prefix below at.
func (t *tracker) differs(n *Node, at int) string {
	d := t.firstDiff(n, at)
	if d <= n.base {
		return fmt.Sprintf("%s's log was cleaned up to %d from entries that differ from the committed ones (at or below index %d)", n.id, n.base, d)
	}
	return fmt.Sprintf("committed entry %d was %s (gen %d) but %s now has %s (gen %d) below its high-water mark",
		d, t.cEntries.at(d-1).Text(), t.cEntries.at(d-1).Gen, n.id, n.entry(d).Text(), n.entry(d).Gen)
}

// holds reports whether node id has entry e at position i (0-based), from
// its memory when up, from its disk when crashed.
func (t *tracker) holds(w *engine.World, n *Node, id string, i int, h uint64, e Entry) bool {
	if n != nil {
		if i < n.base {
			return true // cleaned: only committed entries are, and i was
		}
		return n.last() > i && n.hashAt(i+1) == h
	}
	st := w.Storage(id)
	base := 0
	if ls, ok := diskStart.Get(st); ok {
		base = ls.Index
	}
	if i < base {
		return true
	}
	d, ok := diskLog.At(st, i-base)
	return ok && d == e
}

func (t *tracker) committedStable(w *engine.World) (string, []string) {
	t.sync(w)
	return t.changed, t.changedNodes
}

func (t *tracker) leaderComplete(w *engine.World) (string, []string) {
	t.sync(w)
	return t.incomplete, t.incompleteNodes
}

func (t *tracker) committedQuorum(w *engine.World) (string, []string) {
	t.sync(w)
	return t.minority, t.minorityNodes
}

func (t *tracker) readsCommitted(w *engine.World) (string, []string) {
	t.sync(w)
	return t.readsScan.eachIn(w, t.full, t.readCommitted)
}

// readCommitted judges one finished operation for reads-see-committed.
func (t *tracker) readCommitted(op *engine.Operation) (string, []string) {
	in, ok := op.Input.(KVInput)
	out, ok2 := op.Output.(KVOutput)
	if !ok || !ok2 || op.Status != engine.OpOK || in.Op != opGet || out.Value == "" {
		return "", nil
	}
	if _, ok := t.committedVals[[2]string{in.Key, out.Value}]; !ok {
		return fmt.Sprintf("%s read %s = %q, a value no committed write had produced", op.Client, in.Key, out.Value), []string{op.Client}
	}
	return "", nil
}

// opScan hands every operation of the history to a check once, as soon as
// it is no longer pending, in history order; it stops at the first breach
// (the next call goes on after it). Each call looks only at operations it
// has not seen and at those it saw pending, never again at the whole
// history behind an operation that stays pending for long.
type opScan struct {
	next    int   // operations below next were seen
	pending []int // those of them that were pending then and not since, ascending
}

// eachIn is each over w's history, skipped after a server's step that
// began no operation: operations begin and end only at their clients, so
// the pending ones are still pending (full: no shortcut).
func (s *opScan) eachIn(w *engine.World, full bool, check func(op *engine.Operation) (string, []string)) (string, []string) {
	h := w.History()
	if !full && s.next == len(h) && w.HandledNode() >= 0 {
		return "", nil
	}
	return s.each(h, check)
}

func (s *opScan) each(h []engine.Operation, check func(op *engine.Operation) (string, []string)) (string, []string) {
	for j := 0; j < len(s.pending); j++ {
		op := &h[s.pending[j]]
		if op.Status == engine.OpPending {
			continue
		}
		s.pending = append(s.pending[:j], s.pending[j+1:]...)
		j--
		if text, who := check(op); text != "" {
			return text, who
		}
	}
	for s.next < len(h) {
		op := &h[s.next]
		s.next++
		if op.Status == engine.OpPending {
			s.pending = append(s.pending, s.next-1)
			continue
		}
		if text, who := check(op); text != "" {
			return text, who
		}
	}
	return "", nil
}

// leaderAppends checks every client entry that enters a log: the first copy
// must be appended by the node leading the entry's generation, while it
// leads it; every later copy is then a copy of that one. Each log is read
// once: from the prefix already checked on (found again through the hash
// chain after a truncation or a restart).
func (t *tracker) leaderAppends(w *engine.World) (string, []string) {
	t.refresh(w)
	if t.nodesChanged {
		t.noteLeaders()
	}
	for i, n := range t.nodeCache {
		if n == nil {
			continue
		}
		k := t.appendLen[i]
		if !t.appendChecked(i, n) {
			k = n.base // a cleaned prefix was checked before it was cleaned (or is a snapshot's)
		}
		for ; k < n.last(); k++ {
			e := n.entry(k + 1)
			if e.Client == "" || t.checkedCopy(i, n, k+1) {
				continue
			}
			if t.appendedBy.has(e) {
				continue
			}
			leader := t.leaders[e.Gen]
			if n.role == Leader && n.gen == e.Gen && leader == n.id {
				t.appendedBy.add(e)
				continue
			}
			t.appendLen[i] = 0
			if n.role == Leader && n.gen == e.Gen {
				return fmt.Sprintf("%s appended %s's %s at index %d in generation %d, which %s leads", n.id, e.Client, e.Text(), k+1, e.Gen, leader), []string{n.id, leader}
			}
			return fmt.Sprintf("%s, a %s, holds %s's %s at index %d (generation %d) that no leader of generation %d appended", n.id, n.role, e.Client, e.Text(), k+1, e.Gen, e.Gen), []string{n.id}
		}
		t.appendLen[i], t.appendNode[i] = k, n
		if k > 0 {
			t.appendHash[i] = n.hashAt(k)
		}
	}
	return "", nil
}

// appendChecked reports whether node i, now n, still holds the prefix
// leaderAppends last checked on it (up to appendLen[i]): the same process,
// and the hash chain there unchanged.
func (t *tracker) appendChecked(i int, n *Node) bool {
	k := t.appendLen[i]
	return !t.full && n == t.appendNode[i] && k <= n.last() && k >= n.base && (k == 0 || n.hashAt(k) == t.appendHash[i])
}

// checkedCopy reports whether n's entry at index idx is one leaderAppends
// has already checked on another node: that node still holds its checked
// prefix up to idx or beyond, and the hash chains agree at idx, so the
// entries are the same (as log matching judges them, by the chain). A
// follower's copy then costs no look-up of the whole entry in appendedBy.
func (t *tracker) checkedCopy(i int, n *Node, idx int) bool {
	if t.full {
		return false
	}
	h := n.hashAt(idx)
	for j, o := range t.nodeCache {
		if j != i && o != nil && idx > o.base && idx <= t.appendLen[j] && t.appendChecked(j, o) && o.hashAt(idx) == h {
			return true
		}
	}
	return false
}

// markMonotonic: a node's high-water mark never goes down while it runs.
func (t *tracker) markMonotonic(w *engine.World) (string, []string) {
	t.refresh(w)
	for i, n := range t.nodeCache {
		if n == nil {
			continue
		}
		if n != t.markNode[i] {
			t.markNode[i], t.mark[i] = n, n.hwm
			continue
		}
		if n.hwm < t.mark[i] {
			prev := t.mark[i]
			t.mark[i] = n.hwm
			return fmt.Sprintf("%s's high-water mark went back from %d to %d", n.id, prev, n.hwm), []string{n.id}
		}
		t.mark[i] = n.hwm
	}
	return "", nil
}

func (t *tracker) appliedInMark(w *engine.World) (string, []string) {
	t.refresh(w)
	for _, n := range t.nodeCache {
		if n != nil && n.applied > n.hwm {
			return fmt.Sprintf("%s applied %d entries, above its high-water mark %d", n.id, n.applied, n.hwm), []string{n.id}
		}
	}
	return "", nil
}

// readsLatest is the real-time half of linearizability for reads: a read
// that began after a write of its key was committed (a mark covered it)
// returns that write's value or a later one. A value never committed is
// reads-see-committed's to judge.
func (t *tracker) readsLatest(w *engine.World) (string, []string) {
	t.sync(w)
	return t.latestScan.eachIn(w, t.full, t.readLatest)
}

// readLatest judges one finished operation for reads-see-latest.
func (t *tracker) readLatest(op *engine.Operation) (string, []string) {
	in, ok := op.Input.(KVInput)
	out, ok2 := op.Output.(KVOutput)
	if !ok || !ok2 || op.Status != engine.OpOK || in.Op != opGet {
		return "", nil
	}
	began := time.Duration(op.Call) * time.Microsecond
	writes := t.keyWrites[in.Key]
	// the last write of the key committed before the read began
	j := sort.Search(len(writes), func(j int) bool { return t.commitAt[writes[j]-1] >= began })
	if j == 0 {
		return "", nil
	}
	latest := writes[j-1]
	got := 0
	if out.Value != "" {
		idx, ok := t.committedIdx[[2]string{in.Key, out.Value}]
		if !ok {
			return "", nil
		}
		got = idx
	}
	if got < latest {
		e := t.cEntries.at(latest - 1)
		return fmt.Sprintf("%s read %s = %q, but %s was committed (entry %d) before the read began", op.Client, in.Key, out.Value, e.Text(), latest), []string{op.Client}
	}
	return "", nil
}
