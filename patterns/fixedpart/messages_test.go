package fixedpart

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// Every message sums itself up for the space-time diagram, and appends
// the same text into the trace's buffer.
func TestMessagesAppendTheirSummary(t *testing.T) {
	table := Table{Version: 4, Owners: []string{"athens", "byzantium"}, MovedBy: []int{0, 0}, Move: Move{ID: 2, Part: 1, From: "byzantium", To: "delphi"}}
	for _, c := range []struct {
		m    kittest.Summarized
		want string
	}{
		{Heartbeat{Version: 3}, "alive @v3"},
		{Heartbeat{Boot: true}, "register @v0"},
		{GetTable{}, "table?"},
		{TableUpdate{Table: table}, "table v4, moving p1 byzantium → delphi"},
		{TableUpdate{Table: Table{Version: 1, Owners: []string{"athens"}}}, "table v1"},
		{MovePartition{Move: Move{ID: 2, Part: 1, From: "byzantium", To: "delphi"}, Version: 4}, "p1 → delphi (move 2)"},
		{PartitionData{Move: 2, Part: 1, KV: map[string]string{"a": "1", "b": "2"}}, "p1: 2 keys"},
		{PartitionCopied{Move: 2, Part: 1, Keys: 2}, "p1 copied, 2 keys"},
		{Put{ID: 7, Part: 5, Version: 3, Key: "apple", Value: "1"}, "#7 p5 apple=1 @v3"},
		{Get{ID: 8, Part: 5, Version: 3, Key: "apple"}, "#8 p5 apple @v3"},
		{PutOk{ID: 7}, "#7 ok"},
		{GetOk{ID: 8, Value: "1"}, `#8 "1"`},
		{GetOk{ID: 9}, "#9 (nothing)"},
		{NotOwner{ID: 7, Part: 5, Version: 2, Reason: reasonFrozen}, "#7 not owner of p5: frozen for a move @v2"},
	} {
		kittest.AppendsItsSummary(t, c.m, c.want)
	}
	kittest.AppendsItsText(t, Op{Kind: opPut, Key: "apple", Value: "1"}, "put apple=1")
	kittest.AppendsItsText(t, Op{Kind: opGet, Key: "apple"}, "get apple")
	kittest.AppendsItsText(t, Result{Value: "1"}, `"1"`)
	kittest.AppendsItsText(t, Result{}, "(nothing)")
	kittest.AppendsItsText(t, Written{}, "ok")
}
