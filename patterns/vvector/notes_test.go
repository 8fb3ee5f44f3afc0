package vvector

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// withVector is s as a coordinator makes it: its vector written once.
func withVector(s Sibling) Sibling {
	s.vector = string(s.appendVector(nil))
	return s
}

// A merge's note reads the same whether it is written from the versions'
// own strings (one kept, at most one replaced) or put together in full.
func TestMergeNoteIsTheOutcome(t *testing.T) {
	milk := withVector(sib("milk", "athens", 2, VV{"athens": 1}, 10))
	eggs := withVector(sib("eggs", "byzantium", 1, VV{}, 20))
	bread := withVector(sib("bread", "cyrene", 1, VV{"athens": 2}, 5))
	bare := bread
	bare.vector = "" // made without its text: the full way
	cases := [][2][]Sibling{
		{{milk}, nil},
		{{bread}, {milk}},
		{{bare}, {milk}},
		{{bread}, {milk, eggs}},
		{{milk, eggs}, nil},
		{{milk, eggs}, {bread}},
		{nil, {milk}},
	}
	for _, r := range []rule{byContext, byStamp, bySum} {
		for _, c := range cases {
			n := &Node{id: "athens", rule: r}
			env := &kittest.NoteEnv{}
			n.noteMerge(env, "x", "byzantium", "replication", c[0], c[1])
			want := "athens merges x from byzantium (replication): " + n.outcome(c[0], c[1])
			if env.Text != want {
				t.Errorf("rule %d, kept %v, dropped %v:\n got %q\nwant %q", r, dots(c[0]), dots(c[1]), env.Text, want)
			}
		}
	}
}

// A write's note reads the same whether it is written from the client's
// text of its context and the versions' vectors or put together in full.
func TestWriteNoteIsTheOutcome(t *testing.T) {
	ctx := VV{"athens": 1, "byzantium": 2}
	w := withVector(sib("milk,eggs", "athens", 3, ctx, 10))
	old := withVector(sib("milk", "athens", 1, VV{}, 5))
	other := withVector(sib("bread", "cyrene", 1, VV{}, 7))
	cases := [][2][]Sibling{
		{{w}, nil},
		{{w}, {old}},
		{{w}, {old, other}},
		{{w, other}, {old}},
		{{other}, {w}},
	}
	for _, r := range []rule{byContext, byStamp, bySum} {
		for _, c := range cases {
			m := ClientPut{ID: 4, Key: "x", Value: w.Value, Ctx: ctx}
			full := &kittest.NoteEnv{}
			(&Node{id: "athens", rule: r}).noteWrite(full, "alice", m, w, c[0], c[1])
			m.ctxText = ctx.String()
			quick := &kittest.NoteEnv{}
			(&Node{id: "athens", rule: r}).noteWrite(quick, "alice", m, w, c[0], c[1])
			if quick.Text != full.Text {
				t.Errorf("rule %d, kept %v, dropped %v:\n got %q\nwant %q", r, dots(c[0]), dots(c[1]), quick.Text, full.Text)
			}
		}
	}
}
