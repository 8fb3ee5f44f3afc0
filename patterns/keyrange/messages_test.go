package keyrange

import (
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// Every message appends its summary into the trace's buffer, and history
// inputs and results their text.
func TestSummariesAndHistoryTextAppend(t *testing.T) {
	for _, tc := range []struct {
		m    kittest.Summarized
		want string
	}{
		{GetPartitionTable{}, "table?"},
		{PartitionTable{Version: 4, Ranges: []RangeInfo{{ID: 1, Owner: "athens"}, {ID: 2, Owner: "byzantium"}}}, "v4: r1@athens r2@byzantium"},
		{Put{ID: 3, Range: 1, Epoch: 2, Key: "carol", Value: "x"}, "#3 r1@2 carol=x"},
		{Get{ID: 4, Range: 2, Epoch: 3, Key: "carol"}, "#4 r2@3 carol"},
		{GetAllInRange{ID: 5, Range: 1, Epoch: 1, Start: "a", End: "c"}, "#5 r1@1 [a, c)"},
		{PutOk{ID: 6}, "#6 ok"},
		{GetOk{ID: 7, Value: "x", Found: true}, `#7 "x"`},
		{GetOk{ID: 8}, "#8 not found"},
		{RangeValues{ID: 9, Range: 2, Start: "bob", End: "", Pairs: []KV{{"bob", "1"}}}, "#9 r2 [bob, +∞): 1 keys"},
		{Refused{ID: 10, Range: 1, Why: whyStaleEpoch}, "#10 r1 stale epoch"},
		{Refused{ID: 11, Range: 2, Why: whyMoved, To: "cyrene"}, "#11 r2 range moved to cyrene"},
		{SplitTrigger{Range: 1, Epoch: 1, SplitKey: "bob", Keys: 5}, "r1@1 at bob (5 keys)"},
		{SplitPartition{Parent: 1, NewRange: 2, SplitKey: "bob", Epoch: 2}, "r1 at bob → r2 @2"},
		{SplitPartitionResponse{Parent: 1, NewRange: 2, Epoch: 2}, "r1 + r2 split"},
		{MovePartition{Range: 2, Epoch: 3, To: "byzantium"}, "r2@3 → byzantium"},
		{PartitionData{Range: 2, Epoch: 3, Start: "bob", Keys: map[string]cell{"bob": {}}}, "r2@3 [bob, +∞), 1 keys"},
		{PartitionInstalled{Range: 2, Epoch: 3}, "r2@3 installed"},
		{MoveFinished{Range: 2, Epoch: 3}, "r2@3 done"},
	} {
		kittest.AppendsItsSummary(t, tc.m, tc.want)
	}
	for _, tc := range []struct {
		v    kittest.Text
		want string
	}{
		{Op{Kind: opPut, Key: "carol", Value: "x"}, "put carol=x"},
		{Op{Kind: opGet, Key: "carol"}, "get carol"},
		{Result{}, "ok"},
		{Result{Read: true}, "not found"},
		{Result{Read: true, Found: true, Value: "x"}, `"x"`},
		{ScanOp{Start: "a", End: "c"}, "scan [a, c)"},
		{ScanResult{Pairs: []KV{{"alice", "1"}, {"bob", "2"}}, Ranges: 2}, "alice bob (2 ranges)"},
		{ScanResult{Ranges: 1}, "nothing (1 range)"},
	} {
		kittest.AppendsItsText(t, tc.v, tc.want)
	}
	var _ engine.StringAppender = Op{}
	var _ engine.SummaryAppender = Put{}
}
