package kit

import (
	"math"
	"sort"

	"clusterscope/engine"

	"github.com/anishathalye/porcupine"
)

// PorcupineOps converts a client history for porcupine. A failed operation
// did not happen and is left out; one whose outcome is unknown (timed out,
// or still pending) returns at +∞ with a nil output, as porcupine expects,
// so the model must accept a nil output. Client ids are numbered by name.
func PorcupineOps(h []engine.Operation) []porcupine.Operation {
	var names []string
	seen := map[string]bool{}
	for _, op := range h {
		if !seen[op.Client] {
			seen[op.Client] = true
			names = append(names, op.Client)
		}
	}
	sort.Strings(names)
	ids := make(map[string]int, len(names))
	for i, n := range names {
		ids[n] = i
	}
	out := make([]porcupine.Operation, 0, len(h))
	for _, op := range h {
		switch op.Status {
		case engine.OpFail:
			continue
		case engine.OpOK:
			out = append(out, porcupine.Operation{ClientId: ids[op.Client], Input: op.Input, Call: op.Call, Output: op.Output, Return: op.Return})
		default:
			out = append(out, porcupine.Operation{ClientId: ids[op.Client], Input: op.Input, Call: op.Call, Output: nil, Return: math.MaxInt64})
		}
	}
	return out
}

// Linearizable checks a client history against the cluster's porcupine
// model (as long as it takes); it reports true when the cluster has no
// model.
func (c *Cluster) Linearizable(h []engine.Operation) bool {
	if c.Porcupine == nil || len(h) == 0 {
		return true
	}
	return porcupine.CheckOperations(*c.Porcupine, PorcupineOps(h))
}

// MaxUnknownOutcomes bounds the porcupine check: an operation whose outcome
// is unknown (timed out) may or may not have taken effect, so each one
// doubles the orders porcupine may have to try. A model that cannot split
// the history by key (one bank balance) took up to 7 s with 31 of them,
// which made a 10,000-seed sweep crawl, so past this many the history is
// left unchecked, and said so; the invariants still judge every step. (The
// bank sweep's crashes and slow disks leave more than 20 on about a third
// of its seeds.)
const MaxUnknownOutcomes = 20

// LinearizableBounded is Linearizable for sweeps, where one seed must not
// stall the rest: when the model cannot split the history by key and more
// than MaxUnknownOutcomes operations have an unknown outcome, it leaves the
// history unchecked (checked=false, ok=true).
func (c *Cluster) LinearizableBounded(h []engine.Operation) (ok, checked bool) {
	if c.Porcupine == nil || len(h) == 0 {
		return true, true
	}
	ops := PorcupineOps(h)
	if c.Porcupine.Partition == nil && c.Porcupine.PartitionEvent == nil {
		unknown := 0
		for _, op := range ops {
			if op.Return == math.MaxInt64 {
				unknown++
			}
		}
		if unknown > MaxUnknownOutcomes {
			return true, false
		}
	}
	return porcupine.CheckOperations(*c.Porcupine, ops), true
}
