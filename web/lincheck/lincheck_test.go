package lincheck

import (
	"bytes"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
	"clusterscope/patterns/replog"
)

func put(id int, client, key, val string, call, ret int64) engine.Operation {
	return engine.Operation{ID: id, Client: client, Input: replog.KVInput{Op: "put", Key: key, Value: val}, Output: replog.KVOutput{}, Call: call, Return: ret, Status: engine.OpOK}
}

func get(id int, client, key, val string, call, ret int64) engine.Operation {
	return engine.Operation{ID: id, Client: client, Input: replog.KVInput{Op: "get", Key: key}, Output: replog.KVOutput{Value: val}, Call: call, Return: ret, Status: engine.OpOK}
}

func TestLinearizableHistory(t *testing.T) {
	h := []engine.Operation{
		put(0, "alice", "x", "1", 0, 10),
		get(1, "bob", "x", "1", 20, 30),
		{ID: 2, Client: "bob", Input: replog.KVInput{Op: "put", Key: "x", Value: "9"}, Call: 40, Status: engine.OpFail},
		{ID: 3, Client: "alice", Input: replog.KVInput{Op: "put", Key: "y", Value: "2"}, Call: 40, Status: engine.OpUnknown},
	}
	v := Check(&kit.KVModel, h, 0)
	if v.Result != Linearizable {
		t.Fatalf("result %s (%s), want ok", v.Result, v.Text)
	}
	if v.Checked != 3 {
		t.Errorf("checked %d operations, want 3 (the failed one left out)", v.Checked)
	}
	if len(v.Unordered) != 0 {
		t.Errorf("unordered %v in a linearizable history", v.Unordered)
	}
}

// A stale read: bob reads the old value after alice's write returned. The
// read cannot be placed; the other key's operations are not blamed.
func TestStaleReadIsUnordered(t *testing.T) {
	h := []engine.Operation{
		put(0, "alice", "x", "1", 0, 10),
		put(1, "alice", "y", "5", 0, 10),
		put(2, "alice", "x", "2", 20, 30),
		get(3, "bob", "x", "1", 40, 50),
		get(4, "bob", "y", "5", 40, 50),
	}
	v := Check(&kit.KVModel, h, 0)
	if v.Result != NotLinearizable {
		t.Fatalf("result %s, want illegal", v.Result)
	}
	if len(v.Unordered) != 1 || v.Unordered[0] != 3 {
		t.Errorf("unordered = %v, want [3] (the stale read)", v.Unordered)
	}
	if v.Blocking == nil || *v.Blocking != 3 {
		t.Errorf("blocking = %v, want 3", v.Blocking)
	}
	html, err := v.HTML()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte("<html")) || !bytes.Contains(html, []byte("get x")) {
		t.Errorf("visualization is not porcupine's page for this history (%d bytes)", len(html))
	}
}

func TestNoModel(t *testing.T) {
	if v := Check(nil, []engine.Operation{put(0, "a", "x", "1", 0, 1)}, 0); v.Result != NoModel {
		t.Errorf("nil model: %s", v.Result)
	}
	if v := Check(&kit.KVModel, nil, 0); v.Result != NoModel {
		t.Errorf("empty history: %s", v.Result)
	}
	if b, err := (Verdict{}).HTML(); b != nil || err != nil {
		t.Errorf("HTML of nothing = %d bytes, %v", len(b), err)
	}
}
