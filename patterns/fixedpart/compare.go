package fixedpart

import (
	"slices"
	"strconv"

	"clusterscope/engine"
)

// The scheme comparison: for every data node that joined, the keys stored
// when it joined, and how many of them each of three schemes moves on that
// one join. N is the number of live data nodes before the join, P the
// number of partitions, K the number of keys.
//
//   - hash mod N: a key lives on node number hash(key) mod N (FNV-1a, the
//     hash the partitions use); the newcomer is node number N. A key moves
//     when hash(key) mod N differs from hash(key) mod (N+1).
//   - fixed partitions: the controller's own rebalance (fairMove, one move
//     at a time until no two live nodes differ by two or more partitions),
//     replayed from the table as it was when the node came, with the
//     newcomer among the live nodes. A key moves when its partition changed
//     owner. Without a crash during the rebalance this is what the
//     controller really moves (a test checks it); under the hash-mod-n
//     variant it is what it would have moved.
//   - key ranges: the same keys, sorted and cut into P ranges of counts as
//     equal as they can be (range i holds the keys from number i·K/P up to
//     (i+1)·K/P), range i on node i mod N; then the rule of the key-range
//     page's coordinator: while the node holding the most ranges holds two
//     or more than the one holding the fewest (the newcomer holds none),
//     move the busiest node's newest range (the highest numbered) to the
//     idlest. A key moves with its range.
//
// The keys stored when a node joined are the keys with a write
// acknowledged at or before the join command.

// SchemeRow is one join compared.
type SchemeRow struct {
	Node                    string
	Before                  int // N: the live data nodes before it came
	Keys                    int // K: the keys stored when it came
	HashModN, Fixed, Ranges int // the keys each scheme moves
}

// schemeCache keeps the rows of one run: a row never changes once its
// join is in the log, so the view, which runs every frame, computes a
// row once.
type schemeCache struct {
	w    *engine.World
	seen int              // commands read from the log
	at   map[string]int64 // each node's first join command, virtual µs
	done int              // controller joins looked at
	rows []SchemeRow
}

// rowsFor brings the rows up to date with joins, the controller's record.
func (c *schemeCache) rowsFor(w *engine.World, joins []Join) []SchemeRow {
	if c.w != w || len(joins) < c.done || w.CommandCount() < c.seen {
		*c = schemeCache{w: w}
	}
	if c.done == len(joins) {
		return c.rows
	}
	if n := w.CommandCount(); n > c.seen {
		for _, lc := range w.Commands()[c.seen:] {
			if lc.Kind != engine.CmdJoin {
				continue
			}
			if c.at == nil {
				c.at = map[string]int64{}
			}
			if _, ok := c.at[lc.Node]; !ok {
				c.at[lc.Node] = lc.At
			}
		}
		c.seen = n
	}
	for ; c.done < len(joins); c.done++ {
		j := joins[c.done]
		at, ok := c.at[j.Node]
		if !ok {
			continue // registered late, not joined: an initial node the first assignment did not wait for
		}
		c.rows = append(c.rows, compareJoin(j, keysAckedBy(w.History(), at)))
	}
	return c.rows
}

// compareJoin counts, for one join, the keys each scheme moves.
func compareJoin(j Join, keys []string) SchemeRow {
	n := len(j.Live)
	return SchemeRow{Node: j.Node, Before: n, Keys: len(keys),
		HashModN: hashModNMoved(keys, n), Fixed: fixedMoved(keys, j), Ranges: rangesMoved(len(keys), len(j.Owners), n)}
}

// keysAckedBy lists the keys with a write acknowledged at or before at.
func keysAckedBy(h []engine.Operation, at int64) []string {
	seen := map[string]bool{}
	var out []string
	for _, op := range h {
		if op.Call > at {
			break // the history is in call order
		}
		in, ok := op.Input.(Op)
		if !ok || in.Kind != opPut || op.Status != engine.OpOK || op.Return > at || seen[in.Key] {
			continue
		}
		seen[in.Key] = true
		out = append(out, in.Key)
	}
	return out
}

// hashModNMoved counts the keys whose node number changes from
// hash mod n to hash mod n+1.
func hashModNMoved(keys []string, n int) int {
	if n < 1 {
		return len(keys) // from nowhere: every key lands on the newcomer
	}
	moved := 0
	for _, k := range keys {
		if h := hashOf(k); h%uint32(n) != h%uint32(n+1) {
			moved++
		}
	}
	return moved
}

// fixedMoved replays the controller's rebalance of join j and counts the
// keys whose partition changed owner.
func fixedMoved(keys []string, j Join) int {
	live := append(slices.Clone(j.Live), j.Node)
	slices.Sort(live)
	t := Table{Owners: j.Owners, MovedBy: make([]int, len(j.Owners))}
	for range len(t.Owners) {
		m, ok := fairMove(t, live)
		if !ok {
			break
		}
		t = t.withOwner(m)
	}
	moved := 0
	for _, k := range keys {
		if p := partitionOf(k, len(t.Owners)); t.Owners[p] != j.Owners[p] {
			moved++
		}
	}
	return moved
}

// rangesMoved counts the keys moved when k sorted keys, in p ranges of
// near equal counts dealt round-robin over n nodes, are evened out over
// n+1 by the key-range coordinator's rule.
func rangesMoved(k, p, n int) int {
	if n < 1 || p < 1 {
		return k
	}
	owner := make([]int, p)
	held := make([]int, n+1) // the newcomer is node n
	for i := range owner {
		owner[i] = i % n
		held[i%n]++
	}
	moved := 0
	for range p {
		most, least := 0, 0
		for i, h := range held {
			if h > held[most] {
				most = i
			}
			if h < held[least] {
				least = i
			}
		}
		if held[most]-held[least] < 2 {
			break
		}
		newest := 0
		for i, o := range owner {
			if o == most {
				newest = i
			}
		}
		owner[newest] = least
		held[most]--
		held[least]++
		moved += (newest+1)*k/p - newest*k/p
	}
	return moved
}

// schemesWidget is the comparison table: a row per join.
func schemesWidget(rows []SchemeRow) engine.Widget {
	cols := []string{"join", "nodes", "keys then", "hash mod N", "fixed partitions", "key ranges"}
	if len(rows) == 0 {
		return engine.TableWidget(WSchemes, cols, engine.Row(engine.Cell{Text: "no join yet", State: engine.StateInactive},
			engine.Cell{}, engine.Cell{}, engine.Cell{}, engine.Cell{}, engine.Cell{}))
	}
	out := make([]engine.TableRow, len(rows))
	for i, r := range rows {
		out[i] = engine.Row(engine.Cell{Text: r.Node},
			engine.Cell{Text: strconv.Itoa(r.Before) + " → " + strconv.Itoa(r.Before+1)},
			engine.Cell{Text: strconv.Itoa(r.Keys)},
			share(r.HashModN, r.Keys), share(r.Fixed, r.Keys), share(r.Ranges, r.Keys))
	}
	return engine.TableWidget(WSchemes, cols, out...)
}

// share is "29 (73%)".
func share(n, of int) engine.Cell {
	text := strconv.Itoa(n)
	if of > 0 {
		text += " (" + strconv.Itoa((100*n+of/2)/of) + "%)"
	}
	return engine.Cell{Text: text}
}
