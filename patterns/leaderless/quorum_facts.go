package leaderless

import (
	"github.com/anishathalye/porcupine"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	kvNodeFactSource = kit.ProcessFacts(kvNodeFactsOf)
	quorumFactSource = kit.ClusterFacts(quorumFactsOf)
)

// KVNodeFacts are a quorum KV replica's facts.
type KVNodeFacts struct {
	Values    map[string]string `fact:"values" doc:"what this replica holds, key by key"`
	Versions  map[string]string `fact:"versions" doc:"the version of each key it holds (v2:athens: version 2, numbered by athens)"`
	Hints     int               `fact:"hints" doc:"writes it keeps for a home replica it stood in for (sloppy quorum), not yet handed over"`
	Repairs   int               `fact:"repairs" doc:"reads it coordinated that wrote the newest value back before answering (read repair)"`
	HandedOff int               `fact:"handedOff" doc:"hints it handed over to their home replica"`
	Pending   int               `fact:"pending" doc:"client requests it coordinates that have not completed"`
	Completed int               `fact:"completed" doc:"client requests it completed with Success since it started"`
	Timeouts  int               `fact:"timeouts" doc:"client requests that expired (Timeout) since it started"`
}

// QuorumFacts are the quorum KV's cluster facts.
type QuorumFacts struct {
	Linearizable bool           `fact:"linearizable" doc:"porcupine finds one order of the client operations so far that explains every answer"`
	Quorum       map[string]int `fact:"quorum" doc:"the settings: quorum.n, quorum.w, quorum.r, quorum.readRepair, quorum.sloppy, quorum.handoff (1 on), and quorum.overlap, the replicas that answered both the last read and the last write of its key"`
}

func kvNodeFactsOf(w *engine.World, id string) (KVNodeFacts, bool) {
	n, ok := w.Process(id).(*Node)
	if !ok {
		return KVNodeFacts{}, false
	}
	values := make(map[string]string, len(n.store))
	versions := make(map[string]string, len(n.store))
	for k, s := range n.store {
		values[k], versions[k] = s.Value, s.Version.String()
	}
	return KVNodeFacts{Values: values, Versions: versions, Hints: len(n.hints), Repairs: n.Repairs, HandedOff: n.HandedOff,
		Pending: len(n.pending), Completed: n.Completed, Timeouts: n.Timeouts}, true
}

func quorumFactsOf(w *engine.World) QuorumFacts {
	s := settingsOf(w.Param)
	b := func(on bool) int {
		if on {
			return 1
		}
		return 0
	}
	overlap := 0
	if wr, rd := lastWriteAndRead(w); wr != nil && rd != nil {
		read := answered(rd, phaseRead)
		for _, id := range answered(wr, phaseWrite) {
			for _, x := range read {
				if x == id {
					overlap++
				}
			}
		}
	}
	return QuorumFacts{Linearizable: porcupine.CheckOperations(kit.KVModel, kit.PorcupineOps(w.History())), Quorum: map[string]int{"n": s.N, "w": s.W, "r": s.R, "readRepair": b(s.ReadRepair), "sloppy": b(s.Sloppy), "handoff": b(s.Handoff), "overlap": overlap}}
}
