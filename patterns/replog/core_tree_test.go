package replog

import (
	"testing"
)

// The core's state machine: a lease's expiry deletes exactly the keys
// attached to it, a compare-and-set writes only over the value it
// expects, a write under a missing lease changes nothing, and a retried
// write gets its first answer without being applied again.
func TestCoreTreeLeasesCASAndRetries(t *testing.T) {
	tr := newCoreTree()
	r, _ := tr.apply(Entry{Op: coreGrant, Key: "delphi", Amount: 1000, Client: "delphi", ReqID: 1}, 2)
	if r.Lease != 2 {
		t.Fatalf("grant at index 2 gave lease %d", r.Lease)
	}
	tr.apply(Entry{Op: coreSet, Key: "/servers/delphi", Value: "up", Session: 2, Client: "delphi", ReqID: 2}, 3)
	tr.apply(Entry{Op: coreSet, Key: "/partitions/1", Value: "a", Client: "alice", ReqID: 3}, 4)
	if r, _ := tr.apply(Entry{Op: coreCAS, Key: "/controller", Value: "delphi", Session: 2, Client: "delphi", ReqID: 4}, 5); !r.OK {
		t.Fatalf("delphi's cas over an absent /controller failed: %+v", r)
	}
	if r, _ := tr.apply(Entry{Op: coreCAS, Key: "/controller", Value: "ephesus", Client: "ephesus", ReqID: 5}, 6); r.OK || r.Value != "delphi" {
		t.Fatalf("ephesus's cas over delphi's /controller: %+v, want a failure naming delphi", r)
	}
	if r, dup := tr.apply(Entry{Op: coreCAS, Key: "/controller", Value: "delphi", Session: 2, Client: "delphi", ReqID: 4}, 7); !dup || !r.OK {
		t.Fatalf("delphi's retried cas: %+v dup=%v, want its first answer, not applied again", r, dup)
	}
	if r, _ := tr.apply(Entry{Op: coreSet, Key: "/servers/gades", Value: "up", Session: 9, Client: "gades", ReqID: 6}, 8); r.OK || r.Err == "" {
		t.Fatalf("a write under a missing lease: %+v, want refused", r)
	}
	if v, _ := tr.get("/servers/gades"); v != "" {
		t.Fatalf("the refused write left /servers/gades=%q", v)
	}
	r, _ = tr.apply(Entry{Op: coreExpire, Session: 2}, 9)
	if r.Value != "/controller, /servers/delphi" {
		t.Fatalf("the expiry deleted %q", r.Value)
	}
	if got := tr.prefix("/"); got != "/partitions/1=a" {
		t.Fatalf("after the expiry the tree holds %q, want only /partitions/1=a", got)
	}
	if len(tr.leaseIDs) != 0 {
		t.Fatalf("leases left: %v", tr.leaseIDs)
	}
}
