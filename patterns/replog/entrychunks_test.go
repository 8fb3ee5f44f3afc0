package replog

import "testing"

// The committed entries' chunked list gives back every entry at its
// index, across chunk boundaries, and counts them.
func TestEntryChunksKeepEveryEntryAtItsIndex(t *testing.T) {
	var c entryChunks
	const n = 3*entryChunk + 5
	for i := range n {
		c.add(Entry{Gen: 1, Op: opPut, Key: "k", ReqID: i})
	}
	if c.len() != n {
		t.Fatalf("len %d, want %d", c.len(), n)
	}
	for _, i := range []int{0, 1, entryChunk - 1, entryChunk, 2*entryChunk + 1, n - 1} {
		if e := c.at(i); e.ReqID != i {
			t.Fatalf("entry %d has ReqID %d", i, e.ReqID)
		}
	}
}
