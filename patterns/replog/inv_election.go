package replog

import (
	"fmt"

	"clusterscope/engine"
)

// Election invariants: one leader and one vote per generation, and
// generations that never go back.

func (t *tracker) oneLeader(w *engine.World) (string, []string) {
	t.refresh(w)
	if t.nodesChanged {
		t.noteLeaders()
	}
	return t.twoLeaders, t.twoLeadersAt
}

// noteLeaders records the first node seen leading each generation, and the
// first second one.
func (t *tracker) noteLeaders() {
	for i, n := range t.nodeCache {
		if n == nil || n.role != Leader || t.ledGen[i] == n.gen {
			continue
		}
		t.ledGen[i] = n.gen
		if other, ok := t.leaders[n.gen]; ok && other != n.id {
			if t.twoLeaders == "" {
				t.twoLeaders = fmt.Sprintf("%s and %s both lead generation %d", other, n.id, n.gen)
				t.twoLeadersAt = []string{other, n.id}
			}
			continue
		}
		t.leaders[n.gen] = n.id
	}
}

func (t *tracker) oneVote(w *engine.World) (string, []string) {
	t.refresh(w)
	if !t.nodesChanged {
		return "", nil
	}
	for i, n := range t.nodeCache {
		if n == nil || n.votedFor == "" || (t.seenVote[i].gen == n.gen && t.seenVote[i].vote == n.votedFor) {
			continue
		}
		t.seenVote[i] = vote{n.gen, n.votedFor}
		m := t.votes[n.id]
		if m == nil {
			m = map[int]string{}
			t.votes[n.id] = m
		}
		if prev, ok := m[n.gen]; ok && prev != n.votedFor {
			return fmt.Sprintf("%s voted for %s and then for %s in generation %d", n.id, prev, n.votedFor, n.gen), []string{n.id, prev, n.votedFor}
		}
		m[n.gen] = n.votedFor
	}
	return "", nil
}

func (t *tracker) genMonotonic(w *engine.World) (string, []string) {
	t.refresh(w)
	if !t.nodesChanged {
		return "", nil
	}
	for i, n := range t.nodeCache {
		if n == nil {
			continue
		}
		if prev := t.lastGen[i]; n.gen < prev {
			t.lastGen[i] = n.gen
			return fmt.Sprintf("%s's generation went back from %d to %d", n.id, prev, n.gen), []string{n.id}
		}
		t.lastGen[i] = n.gen
	}
	return "", nil
}
