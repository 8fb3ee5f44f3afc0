package fixedpart

import (
	"github.com/anishathalye/porcupine"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

var (
	nodeFactSource    = kit.ProcessFacts(nodeFactsOf)
	clientFactSource  = kit.ProcessFacts(clientFactsOf)
	clusterFactSource = kit.ClusterFacts(clusterFactsOf)
)

// NodeFacts are a server's facts (the controller's or a data node's).
type NodeFacts struct {
	Version int             `fact:"version" doc:"the table version it knows (the controller: its own)"`
	Serving int             `fact:"serving" doc:"a data node: how many partitions it serves now"`
	Keys    int             `fact:"keys" doc:"a data node: how many keys it holds in the partitions it serves"`
	Parts   map[string]int  `fact:"parts" doc:"a data node: its keys per partition it holds in any state (p3: 4)"`
	Stray   int             `fact:"stray" doc:"a data node: writes it took for a partition it did not own (the broken variant)"`
	Down    map[string]bool `fact:"down" doc:"the controller: the data nodes it has marked down"`
}

// ClientFacts are a client's facts.
type ClientFacts struct {
	Version int    `fact:"version" doc:"the version of its cached table (0: none yet)"`
	Refused int    `fact:"refused" doc:"NotOwner refusals it got"`
	OK      int    `fact:"answered" doc:"its operations answered"`
	Unknown int    `fact:"gaveUp" doc:"its operations it gave up on (timed out: a put may still have happened, a get did not)"`
	Pending int    `fact:"pending" doc:"its operations waiting"`
	Last    string `fact:"last" doc:"its last outcome, short"`
}

// ClusterFacts are the controller's table as its disk holds it.
type ClusterFacts struct {
	Version      int               `fact:"version" doc:"the partition table's version (0: not assigned yet)"`
	Owner        map[string]string `fact:"owner" doc:"each partition's owner (p3: athens)"`
	Held         map[string]int    `fact:"held" doc:"partitions each data node owns in the table"`
	Moving       string            `fact:"moving" doc:"the partition on its way (\"\": none)"`
	Moves        int               `fact:"moves" doc:"partitions moved so far"`
	KeysMoved    int               `fact:"keysMoved" doc:"keys carried by those moves"`
	Linearizable bool              `fact:"linearizable" doc:"porcupine finds one order of the client operations so far that explains every answer"`
	// The scheme comparison of the last join (all 0 before one).
	KeysAtJoin    int `fact:"keysAtJoin" doc:"the last join: the keys stored when it came (a write acknowledged by then)"`
	HashModNMoved int `fact:"hashModNMoved" doc:"the last join: how many of those keys hash(key) mod N would move, N going to N+1"`
	FixedMoved    int `fact:"fixedMoved" doc:"the last join: how many of them fixed partitions move (the controller's even-out rebalance)"`
	RangesMoved   int `fact:"rangesMoved" doc:"the last join: how many of them key ranges would move (P ranges, the busiest node's newest range to the idlest)"`
}

func nodeFactsOf(w *engine.World, id string) (NodeFacts, bool) {
	switch n := w.Process(id).(type) {
	case *Controller:
		f := NodeFacts{Version: n.disk.Table.Version}
		for k, v := range n.down {
			if v {
				if f.Down == nil {
					f.Down = map[string]bool{}
				}
				f.Down[k] = true
			}
		}
		return f, true
	case *DataNode:
		f := NodeFacts{Version: n.version, Stray: n.Stray}
		for p, pt := range n.parts {
			if f.Parts == nil {
				f.Parts = map[string]int{}
			}
			f.Parts[partName(p)] = len(pt.KV)
			if pt.State == stateOwned {
				f.Serving++
				f.Keys += len(pt.KV)
			}
		}
		return f, true
	}
	return NodeFacts{}, false
}

func clientFactsOf(w *engine.World, id string) (ClientFacts, bool) {
	c, ok := w.Process(id).(*Client)
	if !ok {
		return ClientFacts{}, false
	}
	return ClientFacts{Version: c.table.Version, Refused: c.Refused, OK: c.OK, Unknown: c.Unknown + c.Failed, Pending: c.ops.Len(), Last: c.last()}, true
}

func clusterFactsOf(w *engine.World) ClusterFacts {
	d, _ := controllerOf(w)
	t := d.Table
	f := ClusterFacts{Version: t.Version, Moves: d.Moves, KeysMoved: d.KeysMoved,
		Linearizable: porcupine.CheckOperations(kit.KVModel, kit.PorcupineOps(w.History()))}
	if !t.Assigned() {
		return f
	}
	if rows := (&schemeCache{}).rowsFor(w, d.Joins); len(rows) > 0 {
		r := rows[len(rows)-1]
		f.KeysAtJoin, f.HashModNMoved, f.FixedMoved, f.RangesMoved = r.Keys, r.HashModN, r.Fixed, r.Ranges
	}
	f.Owner, f.Held = map[string]string{}, map[string]int{}
	for p, o := range t.Owners {
		f.Owner[partName(p)] = o
		f.Held[o]++
	}
	if t.Move.ID != 0 {
		f.Moving = partName(t.Move.Part)
	}
	return f
}
