package replog

import "testing"

// The trace takes an operation's input and output texts by appending them
// to its buffer: each appends, after what is there, the text the pages
// have always shown.
func TestHistoryValuesAppendTheirText(t *testing.T) {
	for _, c := range []struct {
		v interface {
			String() string
			AppendString([]byte) []byte
		}
		want string
	}{
		{KVInput{Op: opPut, Key: "k", Value: "v"}, "put k=v"},
		{KVInput{Op: opGet, Key: "k"}, "get k"},
		{KVOutput{Value: `a"b`}, `"a\"b"`},
		{KVOutput{}, `""`},
		{VersionedInput{Op: opPut, Key: "x", Value: "1"}, "put x=1"},
		{VersionedInput{Op: opGetAt, Key: "A", At: 4}, "get A@4"},
		{VersionedInput{Op: opTransfer, Key: "A", To: "B", Amount: 7}, "move 7 A→B"},
		{VersionedInput{Op: opSnapOpen}, "open snapshot"},
		{VersionedInput{Op: opSnapClose, At: 9}, "close snapshot @9"},
		{VersionedInput{Op: "other"}, "other"},
		{VersionedOutput{Value: "50", Version: 3}, `"50" (v3)`},
		{VersionedOutput{Version: 2}, "v2"},
	} {
		if got := string(c.v.AppendString([]byte("x|"))); got != "x|"+c.want || c.v.String() != c.want {
			t.Errorf("%#v appends %q, String is %q, want %q", c.v, got, c.v.String(), c.want)
		}
	}
}
