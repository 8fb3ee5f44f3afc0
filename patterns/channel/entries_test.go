package channel

import "testing"

// The applied entries by Seq answer as the map they replaced: what was put
// at a Seq, the zero Entry and false elsewhere (gaps, beyond the end,
// negative Seqs included).
func TestEntriesBySeqKeepWhatWasPut(t *testing.T) {
	var s entriesBySeq
	put := map[int]Entry{1: {Key: "x", Value: "1"}, 2: {Key: "y", Value: "2"}, 7: {Key: "z", Value: "3"}, -2: {Key: "n"}}
	for seq, e := range put {
		s.put(seq, e)
	}
	for seq := -3; seq <= 9; seq++ {
		want, wantOK := put[seq]
		if got, ok := s.get(seq); got != want || ok != wantOK {
			t.Errorf("get(%d) = %v, %v; want %v, %v", seq, got, ok, want, wantOK)
		}
	}
}
