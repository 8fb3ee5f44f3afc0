package vvector

import (
	"slices"
	"strconv"
	"time"

	"clusterscope/engine"
)

// VV is a version vector: per server, how many of its writes to a key are
// known. A VV is never changed once made (siblings, messages and disks
// share them), so every operation returns a new one.
type VV map[string]int

// Covers reports whether v knows the write d: its server's counter has
// reached d's.
func (v VV) Covers(d Dot) bool { return d.Node != "" && v[d.Node] >= d.N }

// Merge is the vector that knows everything v or o knows: per server, the
// larger counter.
func (v VV) Merge(o VV) VV {
	out := make(VV, len(v)+len(o))
	for k, n := range v {
		out[k] = n
	}
	for k, n := range o {
		out[k] = max(out[k], n)
	}
	return out
}

// sum adds the counters up: the broken compare-by-sum variant orders
// versions by it.
func (v VV) sum() int {
	s := 0
	for _, n := range v {
		s += n
	}
	return s
}

func (v VV) servers() []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// String is the vector as the log shows it: {athens:2, byzantium:1}.
func (v VV) String() string {
	var buf [64]byte
	return string(v.appendTo(buf[:0]))
}

// appendTo appends the vector as String writes it. Notes and message
// lines show vectors at nearly every step, so it makes no list of its
// servers on the heap (a vector has one per server: a few).
func (v VV) appendTo(b []byte) []byte { return appendCounters(b, v, "", 0) }

// appendCounters appends v with server dot's counter raised to at least n
// (dot "": v as it is), as VV.String writes a vector.
func appendCounters(b []byte, v VV, dot string, n int) []byte {
	var stack [8]string
	servers := stack[:0]
	for k := range v {
		servers = append(servers, k)
	}
	if _, ok := v[dot]; !ok && dot != "" {
		servers = append(servers, dot)
	}
	slices.Sort(servers)
	b = append(b, '{')
	for i, k := range servers {
		if i > 0 {
			b = append(b, ", "...)
		}
		c := v[k]
		if k == dot {
			c = max(c, n)
		}
		b = strconv.AppendInt(append(append(b, k...), ':'), int64(c), 10)
	}
	return append(b, '}')
}

// pairs is the vector as the versions widget draws it.
func (v VV) pairs() []engine.KVPair {
	out := make([]engine.KVPair, 0, len(v))
	for _, k := range v.servers() {
		out = append(out, engine.KVPair{Key: k, Value: strconv.Itoa(v[k])})
	}
	return out
}

// Dot names one write: the server that coordinated it and its counter
// there (athens's 2nd write of the key is athens:2). Only that server
// makes dots of its name, so a dot names one write for ever.
type Dot struct {
	Node string
	N    int
}

func (d Dot) String() string { return d.Node + ":" + strconv.Itoa(d.N) }

func (d Dot) appendTo(b []byte) []byte {
	return strconv.AppendInt(append(append(b, d.Node...), ':'), int64(d.N), 10)
}

func (d Dot) less(o Dot) bool { return d.Node < o.Node || d.Node == o.Node && d.N < o.N }

// Sibling is one version of a key a replica keeps: a value, the write that
// made it (its dot) and the context its writer had read (what the write
// replaces). Its version vector is the context with the dot added. Riak
// keeps versions the same way (dotted version vectors): a server's counter
// alone cannot tell two clients writing through the same server apart.
type Sibling struct {
	Value string
	Dot   Dot
	Ctx   VV
	// Stamp is the coordinator's wall clock when it took the write; only
	// the broken last-write-wins variant looks at it.
	Stamp time.Duration

	// vector is Vector() as the log writes it, made once by the
	// coordinator ("" when not made): every replica's merge note shows it.
	vector string
}

// Vector is the sibling's version vector: its context and its own write.
func (s Sibling) Vector() VV {
	v := s.Ctx.Merge(nil)
	v[s.Dot.Node] = max(v[s.Dot.Node], s.Dot.N)
	return v
}

// appendVector appends the sibling's version vector as VV.String writes
// it, without making the vector.
func (s Sibling) appendVector(b []byte) []byte {
	if s.vector != "" {
		return append(b, s.vector...)
	}
	if s.Dot.Node == "" {
		return s.Vector().appendTo(b) // no dot: the vector has a "" server
	}
	return appendCounters(b, s.Ctx, s.Dot.Node, s.Dot.N)
}

// rule is how a replica decides that one version replaces another.
type rule int

const (
	// byContext: t replaces s when t's writer had read s (t's context
	// covers s's dot). Otherwise the two are concurrent and both stay.
	byContext rule = iota
	// byStamp (broken): the version with the later wall-clock stamp
	// replaces the other, whatever either writer had read.
	byStamp
	// bySum (broken): the version whose vector has the larger sum of
	// counters replaces the other, so concurrent vectors look ordered.
	bySum
)

// replaces reports whether t replaces s under the rule.
func (r rule) replaces(t, s Sibling) bool {
	switch r {
	case byStamp:
		return s.Stamp < t.Stamp || s.Stamp == t.Stamp && s.Dot.less(t.Dot)
	case bySum:
		return t.Vector().sum() > s.Vector().sum()
	default:
		return t.Ctx.Covers(s.Dot)
	}
}

// merge is what a replica keeps of the versions it holds and the versions
// it is given: each write once (by its dot), minus every version another
// one replaces, ordered by dot. dropped lists the versions that were
// replaced (for the log).
func (r rule) merge(held, given []Sibling) (kept, dropped []Sibling) {
	// Every write once, in one new array that becomes kept: a replica
	// merges at nearly every step.
	return r.mergeInto(make([]Sibling, 0, len(held)+len(given)), held, given)
}

// mergeInto is merge building kept in buf's array (buf is emptied first),
// for a caller that keeps the result only when it differs from held.
func (r rule) mergeInto(buf, held, given []Sibling) (kept, dropped []Sibling) {
	all := buf[:0]
	for _, from := range [2][]Sibling{held, given} {
		for _, s := range from {
			if !slices.ContainsFunc(all, func(o Sibling) bool { return o.Dot == s.Dot }) {
				all = append(all, s)
			}
		}
	}
	// Which ones another replaces, judged over all of them before any
	// leaves the array (a mask for the usual few, a slice beyond).
	var mask uint64
	var many []bool
	if len(all) > 64 {
		many = make([]bool, len(all))
	}
	for i, s := range all {
		if slices.ContainsFunc(all, func(t Sibling) bool { return t.Dot != s.Dot && r.replaces(t, s) }) {
			if many != nil {
				many[i] = true
			} else {
				mask |= 1 << i
			}
		}
	}
	kept = all[:0]
	for i, s := range all {
		if many != nil && many[i] || many == nil && mask&(1<<i) != 0 {
			dropped = append(dropped, s)
		} else {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		kept = nil
	}
	slices.SortFunc(kept, func(a, b Sibling) int {
		if a.Dot.less(b.Dot) {
			return -1
		}
		if b.Dot.less(a.Dot) {
			return 1
		}
		return 0
	})
	return kept, dropped
}

// sameDots reports whether two sibling lists (each ordered by dot) hold
// the same writes.
func sameDots(a, b []Sibling) bool {
	return slices.EqualFunc(a, b, func(x, y Sibling) bool { return x.Dot == y.Dot })
}

// context is what a reader of siblings knows: the merge of their vectors.
func context(sibs []Sibling) VV {
	v := VV{}
	for _, s := range sibs {
		for k, n := range s.Ctx {
			v[k] = max(v[k], n)
		}
		v[s.Dot.Node] = max(v[s.Dot.Node], s.Dot.N)
	}
	return v
}

// values lists the siblings' values, in dot order.
func values(sibs []Sibling) []string {
	out := make([]string, len(sibs))
	for i, s := range sibs {
		out[i] = s.Value
	}
	return out
}
