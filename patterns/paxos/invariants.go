package paxos

import (
	"fmt"
	"slices"
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// InvOneValueChosen is the pattern's promise, and what the lesson names
// as the ignore-accepted variant's first failure.
const InvOneValueChosen = "one-value-chosen"

// SettledDecides is the check after healing: every proposal decided.
const SettledDecides = "decides-after-heal"

func invariants() []engine.Invariant {
	return []engine.Invariant{
		{Name: InvOneValueChosen, Description: "At most one value is chosen per key: once a majority of acceptors accepted a value at one ballot, no majority accepts a different value at any ballot.", Check: oneValueChosen},
	}
}

// slotOf is acceptor id's state for key (nil: none): from memory when it
// is up, from its disk when it is crashed (the votes are there either
// way). It is not to be changed: the checker runs after every accept.
func slotOf(w *engine.World, id, key string) *slot {
	if a, ok := w.Process(id).(*Acceptor); ok {
		if i, ok := a.keys.find(key); ok {
			return a.slots[i]
		}
		return nil
	}
	v, ok := w.Storage(id).Get(diskPrefix + key)
	if !ok {
		return nil
	}
	if rec, ok := v.(slotRecord); ok {
		return &slot{Key: key, slotRecord: rec}
	}
	return nil
}

// voted reports whether s (nil: no state) holds a vote at ballot b.
func (s *slot) voted(b Ballot) bool {
	if s == nil {
		return false
	}
	for _, v := range s.Votes {
		if v.Ballot == b {
			return true
		}
	}
	return false
}

// voters lists the acceptors that accepted ballot b for key.
func voters(w *engine.World, acceptors []string, key string, b Ballot) []string {
	var out []string
	for _, id := range acceptors {
		if slotOf(w, id, key).voted(b) {
			out = append(out, id)
		}
	}
	return out
}

// countVoters is len(voters(...)) without the list: the checker counts
// at every accept and names the voters only when a value was chosen.
func countVoters(w *engine.World, acceptors []string, key string, b Ballot) int {
	n := 0
	for _, id := range acceptors {
		if slotOf(w, id, key).voted(b) {
			n++
		}
	}
	return n
}

// oneValueChosen looks at an acceptor that just accepted: if its vote made
// a majority at that ballot (the value is now chosen), no other ballot may
// have a majority for a different value. Only an accept can choose, so
// nothing else needs a look.
func oneValueChosen(w *engine.World) (string, []string) {
	i := w.HandledNode()
	if i < 0 {
		return "", nil
	}
	a, ok := w.NodeProcess(i).(*Acceptor)
	if !ok || a.fresh == nil {
		return "", nil
	}
	acceptors := w.Members(RoleAcceptor)
	key := a.fresh.Key
	b, value := a.fresh.accepted()
	if countVoters(w, acceptors, key, b) != len(acceptors)/2+1 {
		return "", nil // not chosen yet, or chosen (and checked) before
	}
	if !otherMajority(w, acceptors, key, value) {
		return "", nil // the usual case, found without making lists
	}
	by := voters(w, acceptors, key, b)
	for _, c := range chosen(w, acceptors, key) {
		if c.Value != value {
			return fmt.Sprintf("two values chosen for %s: %s at %s (accepted by %s) and %s at %s (accepted by %s)",
				key, c.Value, c.Ballot, strings.Join(c.By, ", "), value, b, strings.Join(by, ", ")), append(c.By, by...)
		}
	}
	return "", nil
}

// otherMajority reports whether some ballot that a vote for another value
// than value was cast at has a majority: whenever chosen lists a value
// other than value, it does (it may also when chosen lists none, as a
// ballot's value there is its first vote's).
func otherMajority(w *engine.World, acceptors []string, key, value string) bool {
	for _, id := range acceptors {
		s := slotOf(w, id, key)
		if s == nil {
			continue
		}
		for _, v := range s.Votes {
			if v.Value != value && countVoters(w, acceptors, key, v.Ballot) > len(acceptors)/2 {
				return true
			}
		}
	}
	return false
}

// Choice is a value chosen for a key: a majority of acceptors accepted it
// at one ballot.
type Choice struct {
	Ballot Ballot
	Value  string
	By     []string
}

// chosen lists every (ballot, value) of key that a majority accepted,
// lowest ballot first. With Paxos they all carry one value.
func chosen(w *engine.World, acceptors []string, key string) []Choice {
	// Every ballot voted at, with the value of its first vote found (a
	// ballot carries one value): a list, as a key sees a ballot or two.
	var voted []Choice
	for _, id := range acceptors {
		s := slotOf(w, id, key)
		if s == nil {
			continue
		}
		for _, v := range s.Votes {
			if !slices.ContainsFunc(voted, func(c Choice) bool { return c.Ballot == v.Ballot }) {
				voted = append(voted, Choice{Ballot: v.Ballot, Value: v.Value})
			}
		}
	}
	slices.SortFunc(voted, func(x, y Choice) int {
		if x.Ballot.Less(y.Ballot) {
			return -1
		}
		if y.Ballot.Less(x.Ballot) {
			return 1
		}
		return 0
	})
	var out []Choice
	for _, c := range voted {
		if c.By = voters(w, acceptors, key, c.Ballot); len(c.By) > len(acceptors)/2 {
			out = append(out, c)
		}
	}
	return out
}

// votedKeys lists every key some acceptor has state for, sorted.
func votedKeys(w *engine.World, acceptors []string) []string {
	var keys []string
	for _, id := range acceptors {
		if a, ok := w.Process(id).(*Acceptor); ok {
			keys = append(keys, a.keys.names...)
			continue
		}
		for _, k := range w.Storage(id).Keys() {
			if key, ok := strings.CutPrefix(k, diskPrefix); ok {
				keys = append(keys, key)
			}
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// Settled: once every fault is healed and the cluster ran on, every
// proposal a proposer took has been decided: no proposer is still trying.
func Settled(w *engine.World) kit.Verdict {
	for _, id := range w.Members(RoleProposer) {
		p, ok := w.Process(id).(*Proposer)
		if !ok {
			return kit.Verdict{Check: "up", Text: id + " is not up"}
		}
		for _, r := range p.rounds {
			if r.Phase != PhaseDecided {
				return kit.Verdict{Check: SettledDecides, Text: fmt.Sprintf("%s still has no decision for %s: at %s in phase %s after %d retries (%d in all)", id, r.Key, r.Ballot, r.Phase, r.Attempts, p.Retries)}
			}
		}
	}
	return kit.Verdict{Check: SettledDecides, OK: true, Text: "every proposal was decided"}
}
