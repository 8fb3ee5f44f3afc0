package replog

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// Every Consistent Core message appends the summary the event log and the
// space-time diagram show.
func TestCoreMessagesAppendTheirSummary(t *testing.T) {
	for _, tc := range []struct {
		m    kittest.Summarized
		want string
	}{
		{CoreRequest{ID: 3, Op: coreGet, Key: "/controller"}, "#3 get /controller"},
		{CoreRequest{ID: 4, Op: corePrefix, Key: "/servers/"}, "#4 get /servers/*"},
		{CoreRequest{ID: 5, Op: coreGrant, Key: "delphi", TTL: 1000}, "#5 lease for delphi ttl 1000ms"},
		{CoreRequest{ID: 6, Op: coreCAS, Key: "/controller", Value: "delphi", Lease: 4}, "#6 cas /controller ∅→delphi lease 4"},
		{CoreRequest{ID: 7, Op: coreSet, Key: "/servers/delphi", Value: "up", Lease: 4}, "#7 set /servers/delphi=up lease 4"},
		{CoreReply{ID: 3, OK: true, Value: "delphi", Lease: 4}, "#3 ok delphi lease 4"},
		{CoreReply{ID: 6, Value: "ephesus"}, "#6 cas failed, holds ephesus"},
		{CoreReply{ID: 7, Err: "no lease 4"}, "#7 refused: no lease 4"},
		{CoreReply{ID: 8, NotLeader: true, Hint: "byzantium"}, "#8 not leader, try byzantium"},
		{LeaderCheck{Gen: 2, Round: 9}, "gen 2 round 9"},
		{LeaderCheckAck{Gen: 3, Round: 9}, "gen 3 round 9"},
		{KeepAlive{Lease: 4, Seq: 12}, "lease 4 #12"},
		{KeepAliveReply{Lease: 4, Seq: 12, OK: true}, "lease 4 #12 ok"},
		{KeepAliveReply{Lease: 4, Seq: 13}, "lease 4 #13 expired"},
		{KeepAliveReply{Lease: 4, Seq: 14, NotLeader: true}, "lease 4 #14 not leader"},
	} {
		kittest.AppendsItsSummary(t, tc.m, tc.want)
	}
}
