package emergent

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// Every message sums itself up for the space-time diagram, and appends
// the same text into the trace's buffer.
func TestMessagesAppendTheirSummary(t *testing.T) {
	m := Membership{Version: 6, Publisher: "byzantium", Members: []Member{{ID: "athens", Age: 1, Down: true}, {ID: "byzantium", Age: 2}, {ID: "cyrene", Age: 3}}}
	for _, c := range []struct {
		m    kittest.Summarized
		want string
	}{
		{JoinRequest{}, "let me in"},
		{MembershipUpdate{M: m}, "v6 by byzantium, 2 members"},
		{MembershipAck{Version: 6}, "have v6"},
		{Heartbeat{Version: 6, Publisher: "byzantium"}, "alive @v6"},
		{HeartbeatAck{Version: 6}, "ack @v6"},
		{HeartbeatAck{Version: 6, Endorse: true}, "ack @v6, my coordinator"},
		{HeartbeatAck{Version: 6, Lease: true}, "ack @v6, host your partitions"},
	} {
		kittest.AppendsItsSummary(t, c.m, c.want)
	}
}
