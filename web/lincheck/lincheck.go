// Package lincheck asks porcupine whether a client history is linearizable,
// within a time bound, and says which operations could not be ordered. It
// lives under web/ (not patterns/) because porcupine checks in goroutines
// against the wall clock.
package lincheck

import (
	"bytes"
	"sort"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"

	"github.com/anishathalye/porcupine"
)

// Result names a verdict. The strings are part of the protocol.
type Result string

const (
	Linearizable    Result = "ok"      // an order exists that explains every answer
	NotLinearizable Result = "illegal" // no order explains every answer
	TimedOut        Result = "unknown" // the check ran out of time
	NoModel         Result = "none"    // the pattern has no model, or no operations yet
)

// DefaultTimeout keeps a check from holding a request for long.
const DefaultTimeout = 2 * time.Second

// Verdict is what a page shows about a history.
type Verdict struct {
	Result Result `json:"result"`
	// Checked is how many operations went to porcupine (failed ones are
	// left out: they did not happen).
	Checked int `json:"checked"`
	// Unordered are the ids (engine.Operation.ID) of the operations outside
	// the longest order porcupine could build, in each key whose history is
	// not linearizable: these are the ones no order explains.
	Unordered []int `json:"unordered,omitempty"`
	// Blocking is the first of them to return: where the order breaks.
	Blocking *int   `json:"blocking,omitempty"`
	Text     string `json:"text"`

	model *porcupine.Model
	info  porcupine.LinearizationInfo
}

// Check runs porcupine on h with a time limit (DefaultTimeout when ≤ 0).
func Check(model *porcupine.Model, h []engine.Operation, timeout time.Duration) Verdict {
	if model == nil {
		return Verdict{Result: NoModel, Text: "This pattern's client history is not checked for linearizability."}
	}
	ops := kit.PorcupineOps(h)
	if len(ops) == 0 {
		return Verdict{Result: NoModel, Text: "No client operations yet."}
	}
	// Carry our operation id through porcupine, whose ids are per key.
	kept := make([]engine.Operation, 0, len(h))
	for _, op := range h {
		if op.Status != engine.OpFail {
			kept = append(kept, op)
		}
	}
	for i := range ops {
		ops[i].Metadata = kept[i].ID
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	res, info := porcupine.CheckOperationsVerbose(*model, ops, timeout)
	v := Verdict{Checked: len(ops), model: model, info: info}
	switch res {
	case porcupine.Ok:
		v.Result, v.Text = Linearizable, "Linearizable: one order of the operations explains every answer the clients got."
		return v
	case porcupine.Unknown:
		v.Result, v.Text = TimedOut, "The check ran out of time; the history is too long or too concurrent to decide quickly."
		return v
	}
	v.Result = NotLinearizable
	v.Text = "Not linearizable: no order of the operations explains every answer. The highlighted operations are those no order could place."
	v.Unordered, v.Blocking = unordered(model, ops, info, kept)
	return v
}

// unordered finds, per key, the operations missing from the longest partial
// linearization; a key whose order is complete contributes nothing.
func unordered(model *porcupine.Model, ops []porcupine.Operation, info porcupine.LinearizationInfo, kept []engine.Operation) ([]int, *int) {
	byID := make(map[int]engine.Operation, len(kept))
	for _, op := range kept {
		byID[op.ID] = op
	}
	seen := map[int]bool{}
	var out []int
	for _, partials := range partitionOps(model, ops, info) {
		all, longest := partials.all, partials.longest
		if len(longest) >= len(all) {
			continue
		}
		in := map[int]bool{}
		for _, id := range longest {
			in[id] = true
		}
		for _, id := range all {
			if !in[id] && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sort.Ints(out)
	var blocking *int
	for _, id := range out {
		op := byID[id]
		if op.Status != engine.OpOK {
			continue // an unknown outcome never blocks: it may go anywhere
		}
		if blocking == nil || op.Return < byID[*blocking].Return {
			b := id
			blocking = &b
		}
	}
	if blocking == nil && len(out) > 0 {
		b := out[0]
		blocking = &b
	}
	return out, blocking
}

type partition struct {
	all     []int // our ids of every operation of the key
	longest []int // our ids in the longest partial linearization
}

// partitionOps pairs porcupine's partial linearizations with the model's
// partition of the history (porcupine checks the partitions in that order).
func partitionOps(model *porcupine.Model, ops []porcupine.Operation, info porcupine.LinearizationInfo) []partition {
	parts := [][]porcupine.Operation{ops}
	if model.Partition != nil {
		parts = model.Partition(ops)
	}
	lins := info.PartialLinearizationsOperations()
	if len(lins) != len(parts) {
		return nil
	}
	out := make([]partition, len(parts))
	for i, part := range parts {
		for _, op := range part {
			id, _ := op.Metadata.(int)
			out[i].all = append(out[i].all, id)
		}
		for _, lin := range lins[i] {
			if len(lin) > len(out[i].longest) {
				out[i].longest = out[i].longest[:0]
				for _, op := range lin {
					id, _ := op.Metadata.(int)
					out[i].longest = append(out[i].longest, id)
				}
			}
		}
	}
	return out
}

// HTML is porcupine's own visualization of the checked history, a
// self-contained page; nil when there was nothing to check.
func (v Verdict) HTML() ([]byte, error) {
	if v.model == nil || v.Checked == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := porcupine.Visualize(*v.model, v.info, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
