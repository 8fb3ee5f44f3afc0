package kit

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"clusterscope/engine"
)

// A HistoryCheck judges a client history and gives a named verdict that the
// page shows beside porcupine's. Porcupine answers "is there one order that
// explains everything"; these answer weaker promises a learner can name
// (read-your-writes, monotonic reads), which is what leaderless and
// follower-read patterns keep or break.
type HistoryCheck struct {
	Name string // slug shown on the page and in reports: "read-your-writes"
	Doc  string // one sentence: the promise checked
	Run  func(h []engine.Operation) Verdict
}

// Verdict is one check's answer.
type Verdict struct {
	Check string `json:"check"`
	OK    bool   `json:"ok"`
	// Text says what holds, or the first operation that breaks it and why.
	Text string `json:"text"`
	// Ops are the ids of the operations involved in the first breach.
	Ops []int `json:"ops,omitempty"`
}

// KVInput is what the key-value checks need from an operation's input: the
// key, and whether it writes (and what). Patterns' input types implement it.
type KVInput interface {
	KVKey() string
	KVWrite() (value string, isWrite bool)
}

// KVOutput is what they need from a completed read's output.
type KVOutput interface {
	KVRead() string
}

// ReadYourWrites: once a client's write of a key is acknowledged, its later
// reads of that key never return something strictly older than that write.
var ReadYourWrites = HistoryCheck{
	Name: readYourWritesName,
	Doc:  "After a client's write is acknowledged, its own later reads never return an older value.",
	Run:  readYourWrites,
}

// MonotonicReads: a client's successive reads of a key never go back in time.
var MonotonicReads = HistoryCheck{
	Name: monotonicReadsName,
	Doc:  "A client's later read of a key never returns a value older than one it read before.",
	Run:  monotonicReads,
}

const (
	readYourWritesName = "read-your-writes"
	monotonicReadsName = "monotonic-reads"
)

// writes sums up the writes of one value of one key in real time: how many,
// the earliest call and the latest return (an unacknowledged write may take
// effect any time after its call: it returns at +∞). The checks only ask
// "did every write of this value end before t" and "when did the first
// begin", so a summary keeps them linear however often a value repeats.
type writes struct {
	n                   int
	firstCall, lastEnds int64
}

func (w writes) add(call, ret int64) writes {
	if w.n == 0 || call < w.firstCall {
		w.firstCall = call
	}
	if w.n == 0 || ret > w.lastEnds {
		w.lastEnds = ret
	}
	w.n++
	return w
}

// initialWrite stands for the empty value every key starts with.
var initialWrite = writes{n: 1, firstCall: math.MinInt64, lastEnds: math.MinInt64}

// kvHistory indexes a history by key: the writes of each value, and each
// client's completed reads and acknowledged writes in call order.
type kvHistory struct {
	writes map[string]map[string]writes  // key → value → its writes
	byKey  map[string][]engine.Operation // completed or pending, failed ones dropped
	keys   []string
}

func indexKV(h []engine.Operation) kvHistory {
	kv := kvHistory{writes: map[string]map[string]writes{}, byKey: map[string][]engine.Operation{}}
	for _, op := range h {
		in, ok := op.Input.(KVInput)
		if !ok || op.Status == engine.OpFail {
			continue
		}
		k := in.KVKey()
		if _, seen := kv.byKey[k]; !seen {
			kv.keys = append(kv.keys, k)
			kv.writes[k] = map[string]writes{"": initialWrite}
		}
		kv.byKey[k] = append(kv.byKey[k], op)
		if v, isWrite := in.KVWrite(); isWrite {
			ret := op.Return
			if op.Status != engine.OpOK {
				ret = math.MaxInt64
			}
			kv.writes[k][v] = kv.writes[k][v].add(op.Call, ret)
		}
	}
	sort.Strings(kv.keys)
	return kv
}

// readValue is the value a completed read returned.
func readValue(op engine.Operation) (string, bool) {
	if op.Status != engine.OpOK {
		return "", false
	}
	if _, isWrite := op.Input.(KVInput).KVWrite(); isWrite {
		return "", false
	}
	out, ok := op.Output.(KVOutput)
	if !ok {
		return "", false
	}
	return out.KVRead(), true
}

// olderThan reports whether every write that could have produced a value
// ends before time t: a read of the value then saw something strictly older
// than what began at t. Values may repeat, so only a certain breach counts;
// a value nobody wrote is porcupine's business, not this check's.
func olderThan(candidates writes, t int64) bool {
	return candidates.n > 0 && candidates.lastEnds < t
}

func readYourWrites(h []engine.Operation) Verdict {
	kv := indexKV(h)
	for _, k := range kv.keys {
		// Per client: its acknowledged writes of k not yet returned when
		// the last read was called, and the latest (by call) of those that
		// had. Reads come in call order, so a write moves over once, and a
		// read is judged against every own write it follows, even when a
		// later write of the client was still under way.
		unreturned := map[string][]engine.Operation{}
		lastOwn := map[string]engine.Operation{}
		for _, op := range byCall(kv.byKey[k]) {
			if _, isWrite := op.Input.(KVInput).KVWrite(); isWrite {
				if op.Status == engine.OpOK {
					unreturned[op.Client] = append(unreturned[op.Client], op)
				}
				continue
			}
			still := unreturned[op.Client][:0]
			for _, w := range unreturned[op.Client] {
				if prev, ok := lastOwn[op.Client]; w.Return <= op.Call && (!ok || prev.Call < w.Call) {
					lastOwn[op.Client] = w
				} else if w.Return > op.Call {
					still = append(still, w)
				}
			}
			unreturned[op.Client] = still
			got, ok := readValue(op)
			own, has := lastOwn[op.Client]
			if !ok || !has {
				continue
			}
			ownValue, _ := own.Input.(KVInput).KVWrite()
			if got != ownValue && olderThan(kv.writes[k][got], own.Call) {
				return Verdict{Check: readYourWritesName, Ops: []int{own.ID, op.ID},
					Text: fmt.Sprintf("%s wrote %s=%s and then read %s=%s, a value older than its own write.", op.Client, k, quoteValue(ownValue), k, quoteValue(got))}
			}
		}
	}
	return Verdict{Check: readYourWritesName, OK: true, Text: "Every client read its own acknowledged writes (or newer)."}
}

func monotonicReads(h []engine.Operation) Verdict {
	kv := indexKV(h)
	for _, k := range kv.keys {
		type seen struct {
			op    engine.Operation
			value string
		}
		last := map[string]seen{} // client → its read of k that returned last
		for _, op := range byCall(kv.byKey[k]) {
			got, ok := readValue(op)
			if !ok {
				continue
			}
			if prev, has := last[op.Client]; has && prev.op.Return < op.Call && got != prev.value {
				// Breach only when every write of the new value ends before
				// every write of the earlier one begins.
				if earlier := kv.writes[k][prev.value]; earlier.n > 0 && olderThan(kv.writes[k][got], earlier.firstCall) {
					return Verdict{Check: monotonicReadsName, Ops: []int{prev.op.ID, op.ID},
						Text: fmt.Sprintf("%s read %s=%s and later %s=%s, an older value.", op.Client, k, quoteValue(prev.value), k, quoteValue(got))}
				}
			}
			if prev, has := last[op.Client]; !has || prev.op.Return < op.Return {
				last[op.Client] = seen{op, got}
			}
		}
	}
	return Verdict{Check: monotonicReadsName, OK: true, Text: "No client read a key and then an older value of it."}
}

// NoLostWrite judges a settled cluster: final holds each key's value once
// every fault is healed and the cluster has caught up. An acknowledged write
// is lost when the final value is strictly older than it.
func NoLostWrite(h []engine.Operation, final map[string]string) Verdict {
	const name = "no-lost-write"
	kv := indexKV(h)
	for _, k := range kv.keys {
		got := final[k]
		for _, op := range byCall(kv.byKey[k]) {
			v, isWrite := op.Input.(KVInput).KVWrite()
			if !isWrite || op.Status != engine.OpOK || v == got {
				continue
			}
			if olderThan(kv.writes[k][got], op.Call) {
				return Verdict{Check: name, Ops: []int{op.ID},
					Text: fmt.Sprintf("%s's write %s=%s was acknowledged, but the settled cluster holds %s=%s, an older value: the write is lost.", op.Client, k, quoteValue(v), k, quoteValue(got))}
			}
		}
	}
	return Verdict{Check: name, OK: true, Text: "Every acknowledged write survives in the settled cluster."}
}

// Converged judges a settled cluster: every replica holds the same data.
// states maps a node to its key-value state.
func Converged(states map[string]map[string]string) Verdict {
	const name = "converged"
	nodes := make([]string, 0, len(states))
	for n := range states {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	for i := 1; i < len(nodes); i++ {
		a, b := nodes[0], nodes[i]
		if k, va, vb, differ := firstDifference(states[a], states[b]); differ {
			return Verdict{Check: name,
				Text: fmt.Sprintf("After healing, %s holds %s=%s but %s holds %s=%s.", a, k, quoteValue(va), b, k, quoteValue(vb))}
		}
	}
	return Verdict{Check: name, OK: true, Text: "Every replica holds the same data after healing."}
}

func firstDifference(a, b map[string]string) (key, va, vb string, differ bool) {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if a[k] != b[k] {
			return k, a[k], b[k], true
		}
	}
	return "", "", "", false
}

// byCall orders a copy of ops by call time (ties by id), the order a
// client's own operations happened in.
func byCall(ops []engine.Operation) []engine.Operation {
	out := append([]engine.Operation(nil), ops...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Call != out[j].Call {
			return out[i].Call < out[j].Call
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func quoteValue(v string) string {
	if v == "" {
		return "(nothing)"
	}
	return fmt.Sprintf("%q", strings.TrimSpace(v))
}

// CheckHistory runs the cluster's named history checks on h, in order.
func (c *Cluster) CheckHistory(h []engine.Operation) []Verdict {
	out := make([]Verdict, 0, len(c.HistoryChecks))
	for _, hc := range c.HistoryChecks {
		v := hc.Run(h)
		v.Check = hc.Name
		out = append(out, v)
	}
	return out
}
