package gossip

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

func TestMessagesAppendTheirSummary(t *testing.T) {
	for _, tc := range []struct {
		m    kittest.Summarized
		want string
	}{
		{Syn{Known: 20, Stamps: make([]Stamp, 30)}, "digest of 20 members"},
		{Syn{Known: 1, Stamps: make([]Stamp, 30)}, "digest of 1 member"},
		{Ack{Deltas: make([]Delta, 3), Requests: make([]Digest, 2)}, "3 newer, asks 2"},
		{Ack{Deltas: []Delta{{Rumour: Field{Value: "hello", Ver: 4}}}}, "1 newer (rumour hello), asks 0"},
		{Ack2{Deltas: make([]Delta, 2)}, "2 newer"},
	} {
		kittest.AppendsItsSummary(t, tc.m, tc.want)
	}
}

// Sizes grow with what a message carries: a digest by its stamps, a
// delta by its strings.
func TestSizesCountWhatIsCarried(t *testing.T) {
	if a, b := (Syn{Known: 2}).Size(), (Syn{Known: 20}).Size(); b-a != 18*stampBytes {
		t.Errorf("a digest of 20 is %d bytes more than one of 2, want %d", b-a, 18*stampBytes)
	}
	small := Ack2{Deltas: []Delta{{Node: 1}}}.Size()
	big := Ack2{Deltas: []Delta{{Node: 1, Addr: Field{Value: "athens:7001", Ver: 1}}}}.Size()
	if big-small != len("athens:7001") {
		t.Errorf("an address adds %d bytes, want %d", big-small, len("athens:7001"))
	}
}
