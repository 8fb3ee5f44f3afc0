package kittest

import (
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// FactsSeen proves a pattern's declared facts are really computed: a test
// drives a run through the moments its facts are about and notes every
// process's facts along the way; at the end each declared fact must have
// taken a value other than its zero (a field the facts function forgot to
// fill stays zero). A crashed process must show no facts at all.
type FactsSeen map[string]bool

// Note reads src's facts of process id ("" for the cluster's) now.
func (f FactsSeen) Note(t *testing.T, w *engine.World, src *kit.FactSource, id string) {
	t.Helper()
	if src == nil {
		return
	}
	v, ok := src.Of(w, id)
	if crashed := id != "" && w.Status(id) == engine.StatusCrashed; ok == crashed {
		t.Fatalf("%q (crashed %v) shows facts: %v", id, crashed, ok)
	}
	if !ok {
		return
	}
	for _, d := range src.Declared() {
		if !v.Field(d.Field).IsZero() {
			f[d.Name] = true
		}
	}
}

// Check fails t for every fact of srcs that never took a value.
func (f FactsSeen) Check(t *testing.T, srcs ...*kit.FactSource) {
	t.Helper()
	for _, src := range srcs {
		if src == nil {
			continue
		}
		for _, d := range src.Declared() {
			if !f[d.Name] {
				t.Errorf("fact %s never took a value", d.Name)
			}
		}
	}
}
