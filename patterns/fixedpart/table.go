package fixedpart

import (
	"slices"
	"strconv"
)

// Table is the partition table the controller owns: which data node owns
// each partition, at a version that grows with every change. Its slices
// are never changed once a table is sent or stored: a change makes new
// ones (messages are copied shallowly).
type Table struct {
	Version int
	Owners  []string // by partition; the number of partitions is len(Owners)
	// MovedBy is, by partition, the move that gave its owner the
	// partition (0: the first assignment). A data node serves a copy it
	// received only when the table names that move.
	MovedBy []int
	Move    Move // the move under way (ID 0: none)
}

// Move is one partition on its way from one data node to another: the
// old owner freezes it and copies it, and only once the new owner holds
// the copy does the table switch its owner.
type Move struct {
	ID, Part int
	From, To string
}

// Assigned says whether the controller has handed the partitions out.
func (t Table) Assigned() bool { return len(t.Owners) > 0 }

// Moving says whether partition p is on its way.
func (t Table) Moving(p int) bool { return t.Move.ID != 0 && t.Move.Part == p }

// Held counts the partitions each of nodes owns.
func (t Table) Held(nodes []string) []int {
	n := make([]int, len(nodes))
	for _, o := range t.Owners {
		if i := slices.Index(nodes, o); i >= 0 {
			n[i]++
		}
	}
	return n
}

// withOwner is a copy of t where move m has given partition m.Part to
// m.To, at the next version.
func (t Table) withOwner(m Move) Table {
	t.Owners = slices.Clone(t.Owners)
	t.MovedBy = slices.Clone(t.MovedBy)
	t.Owners[m.Part], t.MovedBy[m.Part] = m.To, m.ID
	t.Move = Move{}
	t.Version++
	return t
}

// withMove is a copy of t with m under way (Move{} to cancel one), at
// the next version.
func (t Table) withMove(m Move) Table {
	t.Move = m
	t.Version++
	return t
}

// firstAssignment deals partitions 0..p-1 round-robin over nodes: the
// table's first version.
func firstAssignment(p int, nodes []string) Table {
	t := Table{Version: 1, Owners: make([]string, p), MovedBy: make([]int, p)}
	for i := range t.Owners {
		t.Owners[i] = nodes[i%len(nodes)]
	}
	return t
}

// partitionOf is the partition of key among p: FNV-1a of the key, mod p.
// The number of partitions never changes, so neither does a key's
// partition.
func partitionOf(key string, p int) int { return int(hashOf(key) % uint32(p)) }

// hashOf is the 32-bit FNV-1a hash of key.
func hashOf(key string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return h
}

// fairMove is the next move that evens out the live nodes: from the one
// holding the most partitions to the one holding the fewest, while they
// differ by two or more (its highest partition goes). A node that is
// down keeps what it holds: its keys are on its disk only. Each move
// takes a partition from a node above its fair share or gives one to a
// node below it, so a join moves about P/N partitions and no more.
func fairMove(t Table, live []string) (Move, bool) {
	if len(live) < 2 {
		return Move{}, false
	}
	held := t.Held(live)
	hi, lo := 0, 0
	for i, n := range held {
		if n > held[hi] {
			hi = i
		}
		if n < held[lo] {
			lo = i
		}
	}
	if held[hi]-held[lo] < 2 {
		return Move{}, false
	}
	for p := len(t.Owners) - 1; p >= 0; p-- {
		if t.Owners[p] == live[hi] {
			return Move{Part: p, From: live[hi], To: live[lo]}, true
		}
	}
	return Move{}, false
}

// modMove is the broken placement: partition p belongs on node number
// p mod N of the registered nodes, the rule hash(key) mod N applies to
// keys. When N changes, nearly every partition's home changes. A move
// waits while either end is down.
func modMove(t Table, registered, live []string) (Move, bool) {
	if len(registered) == 0 {
		return Move{}, false
	}
	for p, owner := range t.Owners {
		want := registered[p%len(registered)]
		if owner != want && slices.Contains(live, owner) && slices.Contains(live, want) {
			return Move{Part: p, From: owner, To: want}, true
		}
	}
	return Move{}, false
}

// fairShare is floor(P/N) and ceil(P/N).
func fairShare(p, n int) (lo, hi int) {
	if n == 0 {
		return 0, 0
	}
	return p / n, (p + n - 1) / n
}

// partName is "p3".
func partName(p int) string { return "p" + strconv.Itoa(p) }

// keys is "1 key", "3 keys".
func keys(n int) string {
	if n == 1 {
		return "1 key"
	}
	return strconv.Itoa(n) + " keys"
}
