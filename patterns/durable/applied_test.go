package durable

import (
	"maps"
	"testing"
)

// TestAppliedIDsHoldWhatAMapHolds: dense ids, negative and huge ones, and
// an index of 0 read back as a map would give them, and through a
// snapshot's map and back.
func TestAppliedIDsHoldWhatAMapHolds(t *testing.T) {
	want := map[int]int{0: 3, 1: 4, 7: 9, -2: 5, maxDenseReq + 5: 6, 12: 0}
	var a appliedIDs
	for id, idx := range want {
		a.put(id, idx)
	}
	for _, id := range []int{-3, -2, 0, 1, 2, 7, 12, 13, maxDenseReq + 5, maxDenseReq + 6} {
		idx, ok := a.get(id)
		w, wok := want[id]
		if idx != w || ok != wok {
			t.Fatalf("get(%d) = %d, %v; a map gives %d, %v", id, idx, ok, w, wok)
		}
	}
	if got := a.toMap(); !maps.Equal(got, want) {
		t.Fatalf("toMap = %v, want %v", got, want)
	}
	var b appliedIDs
	b.put(40, 1)
	b.fromMap(want)
	if got := b.toMap(); !maps.Equal(got, want) {
		t.Fatalf("after fromMap: %v, want %v", got, want)
	}
}
