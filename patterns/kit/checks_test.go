package kit

import (
	"testing"

	"clusterscope/engine"

	"github.com/anishathalye/porcupine"

	"github.com/stretchr/testify/assert"
)

// kvIn and kvOut are a test pattern's operations.
type kvIn struct {
	key, value string
	write      bool
}

func (in kvIn) KVKey() string           { return in.key }
func (in kvIn) KVWrite() (string, bool) { return in.value, in.write }
func (out kvOut) KVRead() string        { return string(out) }
func put(k, v string) kvIn              { return kvIn{k, v, true} }
func get(k string) kvIn                 { return kvIn{key: k} }

type kvOut string

// hist numbers operations as they are listed; each is [call, return].
type opSpec struct {
	client    string
	in        kvIn
	out       string
	call, ret int64
	status    engine.OpStatus // OK unless set
	pending   bool            // no answer: timed out or still waiting
}

func hist(specs ...opSpec) []engine.Operation {
	var h []engine.Operation
	for i, s := range specs {
		st := s.status
		switch {
		case s.pending:
			st = engine.OpPending
		case st == "":
			st = engine.OpOK
		}
		op := engine.Operation{ID: i, Client: s.client, Input: s.in, Call: s.call, Return: s.ret, Status: st}
		if !s.in.write && st == engine.OpOK {
			op.Output = kvOut(s.out)
		}
		h = append(h, op)
	}
	return h
}

func TestReadYourWrites(t *testing.T) {
	t.Run("alice reads her own write from a follower that has it", func(t *testing.T) {
		h := hist(
			opSpec{client: "alice", in: put("x", "1"), call: 0, ret: 10},
			opSpec{client: "alice", in: get("x"), out: "1", call: 20, ret: 30},
		)
		assert.True(t, ReadYourWrites.Run(h).OK)
	})
	t.Run("alice reads a lagging follower and misses her own write", func(t *testing.T) {
		h := hist(
			opSpec{client: "alice", in: put("x", "1"), call: 0, ret: 10},
			opSpec{client: "alice", in: get("x"), out: "", call: 20, ret: 30},
		)
		v := ReadYourWrites.Run(h)
		assert.False(t, v.OK)
		assert.Equal(t, []int{0, 1}, v.Ops)
		assert.Contains(t, v.Text, "alice wrote x=\"1\"")
	})
	t.Run("bob's newer write overwrote alice's: reading it is fine", func(t *testing.T) {
		h := hist(
			opSpec{client: "alice", in: put("x", "1"), call: 0, ret: 10},
			opSpec{client: "bob", in: put("x", "2"), call: 5, ret: 15},
			opSpec{client: "alice", in: get("x"), out: "2", call: 20, ret: 30},
		)
		assert.True(t, ReadYourWrites.Run(h).OK)
	})
	t.Run("an older value written again after alice's write is not a breach", func(t *testing.T) {
		h := hist(
			opSpec{client: "bob", in: put("x", "0"), call: 0, ret: 5},
			opSpec{client: "alice", in: put("x", "1"), call: 6, ret: 10},
			opSpec{client: "bob", in: put("x", "0"), call: 11, ret: 15},
			opSpec{client: "alice", in: get("x"), out: "0", call: 20, ret: 30},
		)
		assert.True(t, ReadYourWrites.Run(h).OK)
	})
	t.Run("a stale read after one write returned, while a later write is under way", func(t *testing.T) {
		h := hist(
			opSpec{client: "alice", in: put("x", "1"), call: 0, ret: 10},
			opSpec{client: "alice", in: put("x", "2"), call: 15, ret: 40},
			opSpec{client: "alice", in: get("x"), out: "", call: 20, ret: 30},
		)
		v := ReadYourWrites.Run(h)
		assert.False(t, v.OK)
		assert.Equal(t, []int{0, 2}, v.Ops)
	})
	t.Run("bob's stale read is not alice's concern", func(t *testing.T) {
		h := hist(
			opSpec{client: "alice", in: put("x", "1"), call: 0, ret: 10},
			opSpec{client: "bob", in: get("x"), out: "", call: 20, ret: 30},
		)
		assert.True(t, ReadYourWrites.Run(h).OK)
	})
}

func TestMonotonicReads(t *testing.T) {
	base := []opSpec{
		{client: "bob", in: put("x", "1"), call: 0, ret: 10},
		{client: "bob", in: put("x", "2"), call: 20, ret: 30},
	}
	t.Run("alice reads 1 then 2", func(t *testing.T) {
		h := hist(append(base,
			opSpec{client: "alice", in: get("x"), out: "1", call: 40, ret: 50},
			opSpec{client: "alice", in: get("x"), out: "2", call: 60, ret: 70})...)
		assert.True(t, MonotonicReads.Run(h).OK)
	})
	t.Run("alice reads 2 from the leader, then 1 from a lagging follower", func(t *testing.T) {
		h := hist(append(base,
			opSpec{client: "alice", in: get("x"), out: "2", call: 40, ret: 50},
			opSpec{client: "alice", in: get("x"), out: "1", call: 60, ret: 70})...)
		v := MonotonicReads.Run(h)
		assert.False(t, v.OK)
		assert.Equal(t, []int{2, 3}, v.Ops)
	})
	t.Run("overlapping reads may return in either order", func(t *testing.T) {
		h := hist(append(base,
			opSpec{client: "alice", in: get("x"), out: "2", call: 40, ret: 65},
			opSpec{client: "alice", in: get("x"), out: "1", call: 60, ret: 70})...)
		assert.True(t, MonotonicReads.Run(h).OK)
	})
	t.Run("a write that timed out may land late: reading it after the newer one is not certain to be a breach", func(t *testing.T) {
		h := hist(
			opSpec{client: "bob", in: put("x", "1"), call: 0, ret: 10, pending: true},
			opSpec{client: "bob", in: put("x", "2"), call: 20, ret: 30},
			opSpec{client: "alice", in: get("x"), out: "2", call: 40, ret: 50},
			opSpec{client: "alice", in: get("x"), out: "1", call: 60, ret: 70},
		)
		assert.True(t, MonotonicReads.Run(h).OK)
	})
}

func TestNoLostWrite(t *testing.T) {
	h := hist(
		opSpec{client: "alice", in: put("x", "1"), call: 0, ret: 10},
		opSpec{client: "bob", in: put("x", "2"), call: 20, ret: 30},
		opSpec{client: "bob", in: put("y", "9"), call: 20, ret: 0, status: engine.OpFail},
	)
	assert.True(t, NoLostWrite(h, map[string]string{"x": "2"}).OK, "the newest acknowledged write survives")
	v := NoLostWrite(h, map[string]string{"x": "1"})
	assert.False(t, v.OK, "bob's acknowledged x=2 was rolled back")
	assert.Equal(t, []int{1}, v.Ops)
	assert.False(t, NoLostWrite(h, map[string]string{}).OK, "both writes gone")
}

func TestConverged(t *testing.T) {
	same := map[string]string{"x": "1"}
	assert.True(t, Converged(map[string]map[string]string{"athens": same, "byzantium": {"x": "1"}}).OK)
	v := Converged(map[string]map[string]string{"athens": same, "byzantium": {"x": "1"}, "cyrene": {"x": "1", "y": "2"}})
	assert.False(t, v.OK)
	assert.Contains(t, v.Text, "cyrene holds y=\"2\"")
}

// A history whose single-register model cannot be split by key is checked
// by porcupine up to MaxUnknownOutcomes timed-out writes, and left
// unchecked (said so) past it; a key-partitioned model is always checked.
func TestLinearizableBoundedLeavesTooManyUnknownOutcomesUnchecked(t *testing.T) {
	register := porcupine.Model{
		Init: func() any { return 0 },
		Step: func(state, input, output any) (bool, any) {
			if input.(int) >= 0 {
				return true, input.(int)
			}
			return output == nil || output.(int) == state.(int), state
		},
	}
	history := func(unknown int) []engine.Operation {
		var h []engine.Operation
		for i := 0; i < unknown; i++ {
			h = append(h, engine.Operation{Client: "alice", Input: i + 1, Call: int64(10 * i), Status: engine.OpUnknown})
		}
		return append(h, engine.Operation{Client: "bob", Input: -1, Output: 1_000, Call: 1, Return: 2, Status: engine.OpOK})
	}
	c := &Cluster{Porcupine: &register}
	ok, checked := c.LinearizableBounded(history(MaxUnknownOutcomes))
	assert.True(t, checked)
	assert.False(t, ok, "bob read a value nobody wrote")
	ok, checked = c.LinearizableBounded(history(MaxUnknownOutcomes + 1))
	assert.False(t, checked)
	assert.True(t, ok)

	register.Partition = func(h []porcupine.Operation) [][]porcupine.Operation { return [][]porcupine.Operation{h} }
	_, checked = c.LinearizableBounded(history(MaxUnknownOutcomes + 1))
	assert.True(t, checked)
}
