package twopc

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// Summaries read as the event log and the space-time diagram show them.
func TestSummaries(t *testing.T) {
	tr := Transfer{From: "B1", To: "C1", Amount: 30}
	for _, tc := range []struct {
		m    kittest.Summarized
		want string
	}{
		{Begin{ID: 2, Txn: "T3", Transfer: tr}, "T3 B1→C1 30"},
		{Outcome{Txn: "T3", Committed: true}, "T3 committed"},
		{Outcome{Txn: "T3", Reason: "cyrene voted no"}, "T3 aborted: cyrene voted no"},
		{Prepare{Txn: "T3", Transfer: tr, Updates: []Update{{Account: "B1", Delta: -30}}}, "T3 B1-30"},
		{Prepare{Txn: "T3", Transfer: tr, Updates: []Update{{Account: "C1", Delta: 30}}}, "T3 C1+30"},
		{Vote{Txn: "T3", Yes: true}, "T3 yes"},
		{Vote{Txn: "T3", Reason: "B1 holds 20, less than 30"}, "T3 no: B1 holds 20, less than 30"},
		{Commit{Txn: "T3"}, "T3"},
		{Abort{Txn: "T3"}, "T3"},
		{Ack{Txn: "T3", Committed: true}, "T3 committed"},
		{Ack{Txn: "T3"}, "T3 aborted"},
	} {
		kittest.AppendsItsSummary(t, tc.m, tc.want)
	}
	kittest.AppendsItsText(t, Op{Transfer: tr}, "transfer B1→C1 30")
	kittest.AppendsItsText(t, Result{Txn: "T3", Committed: true}, "T3 committed")
	kittest.AppendsItsText(t, Result{Txn: "T3", Reason: "no vote from cyrene in time"}, "T3 aborted: no vote from cyrene in time")
}

// Every message of one transaction has its colour, and the next
// transaction's differs.
func TestMessagesAreColouredByTransaction(t *testing.T) {
	p, a, v, w := Prepare{Txn: "T12"}, Ack{Txn: "T12"}, Vote{Txn: "T12"}, Vote{Txn: "T13"}
	if p.Hue() != a.Hue() || v.Hue() == w.Hue() {
		t.Fatal("hues do not follow the transaction")
	}
}
