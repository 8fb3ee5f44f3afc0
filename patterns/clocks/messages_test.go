package clocks

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// Every message appends its summary into the trace's buffer (after what
// the buffer holds) with the text the diagram has always shown.
func TestMessageSummariesAppend(t *testing.T) {
	lam, hyb := Stamp{N: 7}, Stamp{Wall: 1005, N: 2, Hybrid: true}
	v := Version{TS: hyb, Node: "blue", Seq: 3}
	for _, tc := range []struct {
		m    kittest.Summarized
		want string
	}{
		{Write{ID: 4, Key: "x", Value: "A", Stamp: lam}, "#4 x=A seen 7"},
		{Write{ID: 4, Key: "x", Value: "A", Stamp: hyb}, "#4 x=A seen (1005,2)"},
		{WriteResponse{ID: 5, Version: v, Clock: lam}, "#5 ts (1005,2)"},
		{Read{ID: 6, Key: "y", Stamp: lam}, "#6 y seen 7"},
		{ReadResponse{ID: 8, Value: `a"b`, Version: v, Clock: lam}, `#8 "a\"b" @(1005,2) blue ts 7`},
		{ReadResponse{ID: 9, Clock: hyb}, `#9 "" @— ts (1005,2)`},
		{Replicate{Key: "x", Value: "B", Version: Version{TS: lam, Node: "green"}, Clock: hyb}, "x=B @7 green ts (1005,2)"},
		{ReplicateAck{Key: "x", Version: v, Clock: lam}, "x @(1005,2) blue ts 7"},
	} {
		kittest.AppendsItsSummary(t, tc.m, tc.want)
	}
}

// History inputs and results append the text they have always had.
func TestHistoryTextAppends(t *testing.T) {
	v := Version{TS: Stamp{N: 7}, Node: "blue"}
	for _, tc := range []struct {
		v    kittest.Text
		want string
	}{
		{Op{Kind: opWrite, Key: "x", Value: "A", Node: "green"}, "write x=A on green"},
		{Op{Kind: opRead, Key: "x", Node: "blue"}, "read x on blue"},
		{Result{Version: v}, "@7 blue"},
		{Result{Value: `"q"`, Read: true}, `"\"q\"" @—`},
	} {
		kittest.AppendsItsText(t, tc.v, tc.want)
	}
}
