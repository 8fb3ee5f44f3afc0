package channel

import "testing"

// The trace takes a message's summary and an operation's text by
// appending them to its buffer: each appends, after what is there, the
// text the page has always shown.
func TestTextsAppendedAsShown(t *testing.T) {
	for _, c := range []struct {
		m    interface{ Summary() string }
		want string
	}{
		{Frame{Seq: 3, Entry: Entry{Key: "x", Value: "1"}}, "#3 SET x=1"},
		{Ack{Seq: 4}, "applied to #4"},
		{Heartbeat{Seq: 5}, "log at #5"},
		{Snapshot{Bytes: 250_500}, "250 KB"},
		{Write{ID: 1, Key: "y", Value: "2"}, "SET y=2"},
		{Read{ID: 2, Key: "y", At: "byzantium"}, "GET y at byzantium"},
		{ReadAt{Key: "y", Index: 6}, "GET y once #6 is applied"},
		{Reply{Err: "cyrene is not a follower"}, "cyrene is not a follower"},
		{Reply{OK: true}, "ok"},
		{Reply{OK: true, Value: `a"b`}, `"a\"b"`},
		{Reply{}, `""`},
	} {
		got := string(c.m.(interface{ AppendSummary([]byte) []byte }).AppendSummary([]byte("x|")))
		if got != "x|"+c.want || c.m.Summary() != c.want {
			t.Errorf("%#v appends %q, summary %q, want %q", c.m, got, c.m.Summary(), c.want)
		}
	}
	for _, c := range []struct {
		v interface {
			String() string
			AppendString([]byte) []byte
		}
		want string
	}{
		{Op{Kind: opWrite, Key: "x", Value: "3"}, "SET x=3"},
		{Op{Kind: opRead, Key: "x", At: "cyrene"}, "GET x at cyrene"},
		{ReadOut{Value: "3"}, `"3"`},
	} {
		if got := string(c.v.AppendString([]byte("x|"))); got != "x|"+c.want || c.v.String() != c.want {
			t.Errorf("%#v appends %q, String is %q, want %q", c.v, got, c.v.String(), c.want)
		}
	}
}

// A client's last outcome reads as it always did: the operation, then
// what became of it ("" before any).
func TestClientOutcomeText(t *testing.T) {
	w, r := Op{Kind: opWrite, Key: "x", Value: "1"}, Op{Kind: opRead, Key: "x", At: "cyrene"}
	for _, c := range []struct {
		o    outcome
		want string
	}{
		{outcome{}, ""},
		{outcome{w, " ok", ""}, "SET x=1 ok"},
		{outcome{w, " failed: ", "no leader"}, "SET x=1 failed: no leader"},
		{outcome{r, " → ", quote("")}, "GET x at cyrene → (none)"},
		{outcome{r, " timed out", ""}, "GET x at cyrene timed out"},
	} {
		if got := c.o.String(); got != c.want {
			t.Errorf("%+v reads %q, want %q", c.o, got, c.want)
		}
	}
}
