package paxos

import (
	"testing"

	"github.com/anishathalye/porcupine"
)

// The register model accepts answers that all name one value per key, the
// first proposal's to take effect, and refuses two answers that disagree
// or an answer naming a value chosen before anyone proposed it.
func TestRegisterModel(t *testing.T) {
	op := func(client int, key, value, got string, call, ret int64) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: Op{Key: key, Value: value}, Output: Result{Value: got}, Call: call, Return: ret}
	}
	cases := []struct {
		name string
		ops  []porcupine.Operation
		ok   bool
	}{
		{"both told the first value", []porcupine.Operation{op(0, "name", "alice", "alice", 0, 10), op(1, "name", "bob", "alice", 5, 20)}, true},
		{"concurrent, both told the later caller's value", []porcupine.Operation{op(0, "name", "alice", "bob", 0, 10), op(1, "name", "bob", "bob", 5, 20)}, true},
		{"two values told", []porcupine.Operation{op(0, "name", "alice", "alice", 0, 10), op(1, "name", "bob", "bob", 15, 20)}, false},
		{"a value nobody proposed first", []porcupine.Operation{op(0, "name", "alice", "bob", 0, 10), op(1, "name", "bob", "bob", 15, 20)}, false},
		{"keys apart", []porcupine.Operation{op(0, "name", "alice", "alice", 0, 10), op(1, "lock", "bob", "bob", 15, 20)}, true},
	}
	for _, c := range cases {
		if got := porcupine.CheckOperations(registerModel, c.ops); got != c.ok {
			t.Errorf("%s: linearizable %v, want %v", c.name, got, c.ok)
		}
	}
}

// Summaries read as the event log shows them.
func TestSummaries(t *testing.T) {
	a, b := Ballot{N: 2, P: 0, Node: "athens"}, Ballot{N: 1, P: 1, Node: "byzantium"}
	for got, want := range map[string]string{
		Prepare{Key: "name", Ballot: a}.Summary():                                      "name [2,athens]",
		Promise{Key: "name", Ballot: a, Promised: b}.Summary():                         "name [2,athens] refused: promised [1,byzantium]",
		Promise{Key: "name", Ballot: a, OK: true}.Summary():                            "name [2,athens] ok, nothing accepted",
		Promise{Key: "name", Ballot: a, OK: true, Accepted: b, Value: "bob"}.Summary(): "name [2,athens] ok, accepted bob@[1,byzantium]",
		Accept{Key: "name", Ballot: a, Value: "bob"}.Summary():                         "name=bob [2,athens]",
		Accepted{Key: "name", Ballot: a, OK: true}.Summary():                           "name [2,athens] ok",
		Accepted{Key: "name", Ballot: b, Promised: a}.Summary():                        "name [1,byzantium] refused: promised [2,athens]",
		Commit{Key: "name", Ballot: b, Value: "bob"}.Summary():                         "name=bob [1,byzantium]",
		Ballot{}.String(): "—",
	} {
		if got != want {
			t.Errorf("summary %q, want %q", got, want)
		}
	}
}
