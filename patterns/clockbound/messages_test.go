package clockbound

import (
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Every message appends its summary into the trace's buffer (after what
// the buffer holds), and history inputs and results their text, with the
// text they have always had.
func TestSummariesAndHistoryTextAppend(t *testing.T) {
	ts := 1005*time.Millisecond + 2500*time.Nanosecond
	for _, tc := range []struct {
		m    kittest.Summarized
		want string
	}{
		{Put{ID: 4, Key: "x", Value: "A"}, "#4 x=A"},
		{PutOk{ID: 5, TS: ts}, "#5 @1005.003"},
		{Get{ID: 6, Key: "y"}, "#6 y"},
		{GetOk{ID: 7, Value: `a"b`, TS: ts}, `#7 "a\"b" @1005.003`},
		{ReplicateVersion{Key: "x", Value: "B", TS: -ts, Commit: true}, "x=B @-1005.003 commit"},
		{ReplicateAck{Key: "x", TS: 500 * time.Nanosecond}, "x @0.001"},
	} {
		kittest.AppendsItsSummary(t, tc.m, tc.want)
	}
	for _, tc := range []struct {
		v    kittest.Text
		want string
	}{
		{Op{Kind: opWrite, Key: "x", Value: "A", Node: "green"}, "write x=A on green"},
		{Op{Kind: opRead, Key: "x", Node: "blue"}, "read x on blue"},
		{Result{TS: ts}, "ok @1005.003"},
		{Result{Value: "A", TS: ts, ReadTS: 2 * time.Second, Read: true}, `"A" @1005.003 (read at 2000.000)`},
	} {
		kittest.AppendsItsText(t, tc.v, tc.want)
	}
	var _ engine.StringAppender = Op{}
	var _ engine.SummaryAppender = Put{}
}
