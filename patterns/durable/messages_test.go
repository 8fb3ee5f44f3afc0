package durable

import "testing"

// The trace records a delivery's summary by appending it to its buffer:
// each message must append the text its Summary gives, after what is
// there.
func TestSummariesAppendTheirText(t *testing.T) {
	for _, c := range []struct {
		m interface {
			Summary() string
			AppendSummary([]byte) []byte
		}
		want string
	}{
		{Request{ID: 3, Op: opPut, Key: "k", Value: "v"}, "#3 put k=v"},
		{Request{ID: 4, Op: opGet, Key: "k"}, "#4 get k"},
		{Reply{ID: 5, Index: 9}, "#5 ok at 9"},
		{Reply{ID: 6, Value: "a b"}, `#6 "a b"`},
		{Reply{ID: 7, Refused: "disk full"}, "#7 refused: disk full"},
	} {
		if got := string(c.m.AppendSummary([]byte("before|"))); got != "before|"+c.want || c.m.Summary() != c.want {
			t.Errorf("%#v: appended %q, summary %q, want %q", c.m, got, c.m.Summary(), c.want)
		}
	}
}

// Operation inputs and outputs append the text their String gives.
func TestHistoryValuesAppendTheirString(t *testing.T) {
	for _, v := range []interface {
		String() string
		AppendString([]byte) []byte
	}{KVInput{Op: opPut, Key: "k", Value: "v"}, KVInput{Op: opGet, Key: "k"}, KVOutput{Value: "a\"b"}, KVOutput{}} {
		if got := string(v.AppendString([]byte("x|"))); got != "x|"+v.String() {
			t.Errorf("%#v appends %q, String is %q", v, got, v.String())
		}
	}
}
