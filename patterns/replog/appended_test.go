package replog

import "testing"

// The set of appended entries compares whole entries: two entries with
// the same client, operation id and generation (only a broken variant
// makes them) are told apart.
func TestAppendedSetComparesWholeEntries(t *testing.T) {
	var a appendedSet
	x := Entry{Gen: 2, Op: opPut, Key: "k", Value: "1", Client: "alice", ReqID: 7}
	y := x
	y.Value = "2"
	z := x
	z.Gen = 3
	if a.has(x) {
		t.Fatal("empty set has an entry")
	}
	a.add(x)
	if !a.has(x) || a.has(y) || a.has(z) {
		t.Fatalf("after x: has x %v, y %v, z %v", a.has(x), a.has(y), a.has(z))
	}
	a.add(y)
	if !a.has(x) || !a.has(y) || a.has(z) {
		t.Fatalf("after y: has x %v, y %v, z %v", a.has(x), a.has(y), a.has(z))
	}
	w := y
	w.Key = "other"
	if a.has(w) {
		t.Fatal("an entry differing from both in another field counts as appended")
	}
	for i := range 600 { // past a chunk of the entry list
		a.add(Entry{Gen: 1, Client: "bob", ReqID: i})
	}
	if !a.has(Entry{Gen: 1, Client: "bob", ReqID: 599}) || !a.has(x) || a.has(Entry{Gen: 1, Client: "bob", ReqID: 600}) {
		t.Fatal("entries lost past the first chunk")
	}
}
