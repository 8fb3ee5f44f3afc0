package replog

import (
	"slices"

	"clusterscope/engine"
)

// The log and the durable state: generation, vote and entries, in memory
// and on disk.

// persist writes generation and vote and syncs before the node answers.
func (n *Node) persist(env engine.Env) {
	st := env.Storage()
	if !env.Variant(VarGenNotPersisted) {
		diskGen.Put(st, n.gen)
	}
	if !env.Variant(VarForgetVote) {
		diskVote.Put(st, n.votedFor)
	}
	st.Sync()
}

// hashSeed is the hash chain of an empty log (FNV-1a's offset basis).
const hashSeed uint64 = 14695981039346656037

// Log indexes are not positions once the log has been cleaned: log[0] holds
// index base+1. These read the log by index.

// last is the index of the last entry (base when the log holds none).
func (n *Node) last() int { return n.base + len(n.log) }

// entry is the entry at index i, base < i ≤ last.
func (n *Node) entry(i int) Entry { return n.log[i-n.base-1] }

// hashAt fingerprints entries 1..i, base ≤ i ≤ last (the chain goes on
// across a cleaning: the base keeps its hash).
func (n *Node) hashAt(i int) uint64 {
	if i == n.base {
		return n.baseHash
	}
	return n.hashes[i-n.base-1]
}

func (n *Node) push(e Entry) {
	prev := n.baseHash
	if k := len(n.hashes); k > 0 {
		prev = n.hashes[k-1]
	}
	if len(n.log) == cap(n.log) {
		// Double: append grows a long slice by a quarter, which would copy
		// a log that grows all run long about four times over.
		n.log = slices.Grow(n.log, len(n.log)+16)
	}
	if len(n.hashes) == cap(n.hashes) {
		n.hashes = slices.Grow(n.hashes, len(n.hashes)+16)
	}
	n.log = append(n.log, e)
	n.hashes = append(n.hashes, entryHash(prev, e))
	n.logVer++
}

// appendEntry adds e to the log and the disk (not synced: callers sync once).
func (n *Node) appendEntry(env engine.Env, e Entry) {
	n.push(e)
	diskLog.Append(env.Storage(), e)
}

// truncate keeps the entries up to index k (k ≥ base: entries at or below
// the base are committed and never conflict). The slices are re-capped so a
// later append allocates anew instead of overwriting entries already sent
// in messages.
func (n *Node) truncate(env engine.Env, k int) {
	p := max(k-n.base, 0)
	n.log = n.log[:p:p]
	n.hashes = n.hashes[:p:p]
	n.logVer++
	diskLog.Truncate(env.Storage(), p)
	if n.hwm > k {
		env.Note("%s's high-water mark falls from %d to %d with the truncation", n.id, n.hwm, k)
		n.hwm = k // only a broken variant truncates below the mark
	}
	if n.applied > k {
		n.applied = k
	}
}

func (n *Node) lastGen() int {
	if len(n.log) == 0 {
		return n.baseGen
	}
	return n.log[len(n.log)-1].Gen
}

// genAt is the generation of the entry at index i: the base's for i = base,
// 0 where the node has no entry (beyond its end, or cleaned below its base).
func (n *Node) genAt(i int) int {
	if i == n.base {
		return n.baseGen
	}
	if i < n.base || i > n.last() {
		return 0
	}
	return n.entry(i).Gen
}

// entryHash chains FNV-1a over an entry's fields.
func entryHash(h uint64, e Entry) uint64 {
	const prime = 1099511628211
	num := func(v int) {
		for k := 0; k < 8; k++ {
			h ^= uint64(byte(v >> (8 * k)))
			h *= prime
		}
	}
	str := func(s string) {
		for k := 0; k < len(s); k++ {
			h ^= uint64(s[k])
			h *= prime
		}
		h ^= 0xff
		h *= prime
	}
	num(e.Gen)
	str(e.Op)
	str(e.Key)
	str(e.Value)
	str(e.Client)
	num(e.ReqID)
	return h
}
