package keyrange

import (
	"fmt"
	"math"

	"clusterscope/engine"
	"clusterscope/patterns/kit"

	"github.com/anishathalye/porcupine"
)

// kvModel is the kit's per-key register model over the puts and gets;
// scans are judged by scansSeeEveryKeyOnce instead.
var kvModel = func() porcupine.Model {
	m := kit.KVModel
	perKey := m.Partition
	m.Partition = func(h []porcupine.Operation) [][]porcupine.Operation {
		kv := make([]porcupine.Operation, 0, len(h))
		for _, op := range h {
			if _, ok := op.Input.(kit.KVInput); ok {
				kv = append(kv, op)
			}
		}
		return perKey(kv)
	}
	return m
}()

// scansSeeEveryKeyOnce: a completed scan of [start, end) returns every key
// in it whose put was acknowledged before the scan began, no key twice, no
// key outside the interval, and no key nobody had started to write.
var scansSeeEveryKeyOnce = kit.HistoryCheck{
	Name: CheckScans,
	Doc:  "A range scan returns each key of its interval once: every key acknowledged before it began, none twice, none outside the interval, none never written.",
	Run:  checkScans,
}

func checkScans(h []engine.Operation) kit.Verdict {
	type written struct {
		firstCall int64 // the earliest put of the key was called
		firstAck  int64 // the earliest acknowledged put returned (MaxInt64: none)
		ackOp     int
	}
	keys := map[string]written{}
	for _, op := range h {
		in, ok := op.Input.(Op)
		if !ok || in.Kind != opPut || op.Status == engine.OpFail {
			continue
		}
		w, seen := keys[in.Key]
		if !seen {
			w = written{firstCall: op.Call, firstAck: math.MaxInt64}
		}
		w.firstCall = min(w.firstCall, op.Call)
		if op.Status == engine.OpOK && op.Return < w.firstAck {
			w.firstAck, w.ackOp = op.Return, op.ID
		}
		keys[in.Key] = w
	}
	for _, op := range h {
		sc, ok := op.Input.(ScanOp)
		if !ok || op.Status != engine.OpOK {
			continue
		}
		res, _ := op.Output.(ScanResult)
		got := make(map[string]bool, len(res.Pairs))
		for _, p := range res.Pairs {
			switch w, ok := keys[p.Key]; {
			case got[p.Key]:
				return scanBreach(op, fmt.Sprintf("%s's %s returned %s twice", op.Client, sc, p.Key))
			case !contains(sc.Start, sc.End, p.Key):
				return scanBreach(op, fmt.Sprintf("%s's %s returned %s, which lies outside it", op.Client, sc, p.Key))
			case !ok || w.firstCall > op.Return:
				return scanBreach(op, fmt.Sprintf("%s's %s returned %s, which nobody had written", op.Client, sc, p.Key))
			}
			got[p.Key] = true
		}
		for _, k := range sortedWritten(keys) {
			w := keys[k]
			if contains(sc.Start, sc.End, k) && w.firstAck < op.Call && !got[k] {
				v := scanBreach(op, fmt.Sprintf("%s's %s missed %s, whose put was acknowledged before the scan began", op.Client, sc, k))
				v.Ops = []int{w.ackOp, op.ID}
				return v
			}
		}
	}
	return kit.Verdict{Check: CheckScans, OK: true, Text: "Every scan returned each key of its interval once, and every key acknowledged before it."}
}

func scanBreach(op engine.Operation, text string) kit.Verdict {
	return kit.Verdict{Check: CheckScans, Text: text + ".", Ops: []int{op.ID}}
}

func sortedWritten[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
