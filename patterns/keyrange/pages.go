// Package keyrange is the Key-Range Partitions page. The sorted key space
// is cut into ranges [start, end) that data nodes (athens, byzantium,
// cyrene, and delphi on standby to join) own, and a coordinator keeps the
// range table on its own disk. There is one range at first; a range that
// grows past max-keys-per-range is split at its middle key, and the
// coordinator moves a range to the least loaded node so that the ranges
// spread. Every split or move bumps the range's epoch. Clients route by a
// cached copy of the table: a node refuses a request naming a range it does
// not hold at that epoch, or a key outside the range, and the client
// fetches the table again and retries. A range scan asks only the ranges
// that overlap it and merges their answers. The broken variant drops the
// node's epoch and range check on writes: a stale client's write lands in a
// range that no longer covers its key, where no read or scan looks.
package keyrange

import (
	"math/rand/v2"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Roles.
const (
	RoleCoordinator engine.Role = "coordinator"
	RoleData        engine.Role = "data"
)

// Coordinator is the coordinator's process name.
const Coordinator = "coordinator"

// VarNoEpochCheck is the broken variant: a node stores a write in the
// range the client named, without checking the range's epoch or bounds.
const VarNoEpochCheck = "no-epoch-check"

// VarInclusiveBoundary is the second broken variant: when a node cuts a
// range in two, the lower half keeps the keys up to and including the
// split key, though its range now ends before it.
const VarInclusiveBoundary = "inclusive-split-boundary"

// Settings.
const (
	ParamMaxKeys  = "max-keys-per-range"
	ParamAutoMove = "auto-move"
	defMaxKeys    = 4
)

// Client operations and node actions.
const (
	opPut     = "put"
	opGet     = "get"
	opScan    = "scan"
	opFill    = "fill"
	opRefresh = "refresh"
	actSplit  = "split"
	actMove   = "move"
)

// Widget titles.
const (
	WTable     = "range table"
	WKeyspace  = "key space"
	WWhere     = "where each key lives"
	WHeld      = "ranges held"
	WKeys      = "keys"
	WCached    = "cached range table"
	WCoord     = "coordinator's table"
	WCoordDisk = "on the coordinator's disk"
)

// fruits are the keys the sweeps, the fill operation and the stories use:
// distinct first letters, so the key space reads on the alphabet bar.
var fruits = []string{
	"apple", "apricot", "banana", "blueberry", "cherry", "cranberry", "date", "elderberry",
	"fig", "grape", "guava", "kiwi", "lemon", "lime", "mango", "melon", "nectarine", "olive",
	"orange", "papaya", "peach", "pear", "plum", "quince", "raspberry", "strawberry", "tangerine", "watermelon",
}

var settings = []kit.Param{
	{Name: ParamMaxKeys, Label: "max keys per range: a range with more is split at its middle key (0 = never split by size)", Type: kit.ParamInt, Default: strconv.Itoa(defMaxKeys), Min: 0, Max: 64},
	{Name: ParamAutoMove, Label: "auto-move: the coordinator moves a range from the most to the least loaded node (1 on, 0 off)", Type: kit.ParamInt, Default: "1", Min: 0, Max: 1},
}

var actions = []kit.Action{
	{Name: opPut, Label: "put", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "cherry"},
		{Name: "value", Label: "value", Type: kit.ParamString, Default: "red"},
	}},
	{Name: opGet, Label: "get", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "cherry"},
	}},
	{Name: opScan, Label: "range scan [start, end)", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "start", Label: "start (inclusive)", Type: kit.ParamString, Default: "a"},
		{Name: "end", Label: "end (exclusive; empty = to the end)", Type: kit.ParamString, Default: "c"},
	}},
	{Name: opFill, Label: "write many keys", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "count", Label: "how many keys", Type: kit.ParamInt, Default: "8", Min: 1, Max: len(fruits)},
		{Name: "order", Label: "in which order", Type: kit.ParamChoice, Choices: []string{orderAlpha, orderRandom}, Default: orderAlpha},
	}},
	{Name: opRefresh, Label: "refresh the cached range table", Target: kit.TargetClient},
	{Name: actSplit, Label: "split a range at a key (coordinator)", Target: kit.TargetNode, Params: []kit.Param{
		{Name: "range", Label: "range", Type: kit.ParamString, Default: "r1"},
		{Name: "at", Label: "split key (the right half starts here)", Type: kit.ParamString, Default: "m"},
	}},
	{Name: actMove, Label: "move a range (coordinator)", Target: kit.TargetNode, Params: []kit.Param{
		{Name: "range", Label: "range", Type: kit.ParamString, Default: "r1"},
		{Name: "to", Label: "to node", Type: kit.ParamChoice, Choices: []string{"byzantium", "cyrene", "athens", "delphi"}, Default: "byzantium"},
	}},
}

const (
	orderAlpha  = "alphabetical"
	orderRandom = "random"
)

var variants = []kit.Variant{
	{Name: VarNoEpochCheck, Label: "no epoch / range check on writes",
		Description: "A data node stores a write in the range the client named, as long as it holds that range, without checking the client's epoch against the range's or that the key lies inside the range. A client whose cached table predates a split sends a key of the new right half to the parent range; the node stores it there, where no read or scan of that key ever looks: an acknowledged write is lost."},
	{Name: VarInclusiveBoundary, Label: "split key kept in the lower half",
		Description: "When a data node splits a range at a key, it cuts its keys with ≤ where < is meant: the lower half keeps the split key itself, although its range now ends just before it, and the upper half, whose range starts at it, does not get it. Reads and scans of the split key go to the upper half and find nothing: the key's acknowledged write is lost at the split."},
}

// KeyRangePartitions is the Key-Range Partitions page.
func KeyRangePartitions() *kit.Cluster {
	c := &kit.Cluster{
		Roles: []kit.Role{
			{Name: RoleCoordinator, Count: kit.Fixed(1), Names: func(i int) string {
				if i == 0 {
					return Coordinator
				}
				return ""
			}},
			{Name: RoleData, Standby: kit.Fixed(1)},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2)},
		},
		Size: 3, MinNodes: 2, MaxNodes: 5,
		Params:    map[string]int{ParamMaxKeys: defMaxKeys, ParamAutoMove: 1},
		Settings:  settings,
		ParamDocs: settings,
		Actions:   actions,
		Variants:  variants,
		Build: func(engine.Config) engine.Model {
			return engine.Model{NewProcess: newProcess, Invariants: invariants, View: clusterView}
		},
		Porcupine:     &kvModel,
		HistoryChecks: []kit.HistoryCheck{scansSeeEveryKeyOnce},
		Emphasis:      []string{WKeyspace, WHeld, WCached, WCoord},
		Workload:      Workload,
		Settled:       Settled,
		Faults:        []kit.FaultGen{moveFault, splitFault},
		NodeFacts:     nodeFactSource, ClientFacts: clientFactSource, ClusterFacts: clusterFactSource,
		Smoke: kit.Smoke{Ready: `nodes.athens.ranges == 1`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "alice", Name: opPut, Args: map[string]string{"key": "cherry", "value": "red"}},
		}},
	}
	c.MustLayout(c.Size)
	return c
}

func newProcess(id string, role engine.Role) engine.Process {
	switch role {
	case engine.RoleClient:
		return newClient(id)
	case RoleCoordinator:
		return newCoordinator(id)
	}
	return newNode(id)
}

// Workload is one random client operation for sweeps: half of them puts of
// one of the fruit keys (enough keys to split the space several times),
// the rest gets and scans.
func Workload(r *rand.Rand, nodes, clients []string) engine.Command {
	client := clients[r.IntN(len(clients))]
	key := fruits[r.IntN(len(fruits))]
	switch k := r.IntN(10); {
	case k < 5:
		return engine.Command{Kind: engine.CmdClient, Node: client, Name: opPut, Args: map[string]string{"key": key, "value": strconv.Itoa(1 + r.IntN(99))}}
	case k < 8:
		return engine.Command{Kind: engine.CmdClient, Node: client, Name: opGet, Args: map[string]string{"key": key}}
	}
	a, b := byte('a'+r.IntN(26)), byte('a'+r.IntN(26))
	if a > b {
		a, b = b, a
	}
	end := string(b + 1)
	if b == 'z' && r.IntN(2) == 0 {
		end = ""
	}
	return engine.Command{Kind: engine.CmdClient, Node: client, Name: opScan, Args: map[string]string{"start": string(a), "end": end}}
}
