package replog

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The State Watch page: the Consistent Core's three core nodes, delphi
// watching /servers/ on one of them (watch_client.go), data nodes that
// register /servers/<name> under leases (core_datanode.go), and alice, an
// admin who adds and removes server entries by hand.

const (
	defWatchDataNodes = 2
	maxWatchDataNodes = 6
)

var (
	historySizeSetting = kit.Param{Name: ParamHistorySize, Label: "event history kept per core node (indexes)", Type: kit.ParamInt, Default: strconv.Itoa(defHistorySize), Min: 1, Max: maxHistorySize}
	oneShotSetting     = kit.Param{Name: ParamOneShot, Label: "one-shot watches (ZooKeeper style: each fires once)", Type: kit.ParamInt, Default: "0", Min: 0, Max: 1}
)

// StateWatch is the page.
func StateWatch() *kit.Cluster {
	defaults := map[string]int{}
	for _, p := range settings {
		defaults[p.Name], _ = strconv.Atoi(p.Default)
	}
	defaults[ParamLeaseTTL] = defLeaseTTL
	defaults[ParamHistorySize] = defHistorySize
	defaults[ParamOneShot] = 0
	c := &kit.Cluster{
		// The watcher comes first: the page's node actions are its own.
		Roles: []kit.Role{
			{Name: RoleWatcher, Count: kit.Fixed(1), Names: func(i int) string { return kit.ServerName(i + 3) }},
			{Name: RoleCore, Count: kit.Fixed(3), Names: kit.ServerName},
			{Name: RoleData, Names: func(i int) string { return kit.ServerName(i + 4) }},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(1)},
		},
		Size: defWatchDataNodes, MinNodes: 1, MaxNodes: maxWatchDataNodes,
		Params:    defaults,
		Settings:  append(append([]kit.Param(nil), settings...), leaseTTLSetting, historySizeSetting, oneShotSetting),
		ParamDocs: []kit.Param{historySizeSetting, oneShotSetting, leaseTTLSetting},
		Variants: []kit.Variant{{Name: VarRewatchNow, Label: "re-watch without the last seen index",
			Description: "After its connection breaks (or a one-shot watch fires) the watcher registers its watch again from now, without the index after the last one it saw and without reading the prefix again. What changed while it was away never reaches it: a server whose lease expired meanwhile stays in its view, and it keeps routing to a dead node."}},
		Actions: []kit.Action{
			{Name: "disconnect", Label: "drop the watcher's connection", Target: kit.TargetNode, Params: []kit.Param{
				{Name: "ms", Label: "cut off for (ms)", Type: kit.ParamInt, Default: "1500", Min: 1, Max: maxDisconnectMs},
			}},
			{Name: "watch", Label: "watch another prefix", Target: kit.TargetNode, Params: []kit.Param{
				{Name: "prefix", Label: "prefix", Type: kit.ParamString, Default: defWatchPrefix},
			}},
			{Name: "write", Label: "write a key", Target: kit.TargetClient, Params: []kit.Param{
				{Name: "key", Label: "key", Type: kit.ParamString, Default: "/servers/gades"},
				{Name: "value", Label: "value", Type: kit.ParamString},
			}},
			{Name: "delete", Label: "delete a key", Target: kit.TargetClient, Params: []kit.Param{
				{Name: "key", Label: "key", Type: kit.ParamString, Default: "/servers/gades"},
			}},
		},
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{
				NewProcess: newWatchProcess,
				Invariants: func() []engine.Invariant {
					return append([]engine.Invariant{watchGapFree(), oneController()}, checkers(cfg, coreSafety)...)
				},
				View: watchClusterView,
			}
		},
		Emphasis:  []string{WRibbon, WViewDiff, WHistory, WWatches, WWatcher, WWatcherView},
		Workload:  watchWorkload,
		Settled:   settledWatch,
		Faults:    watchFaults,
		NodeFacts: watchNodeFacts, ClientFacts: watchClientFacts, ClusterFacts: watchClusterFacts,
		Smoke: kit.Smoke{Ready: `nodes.delphi.watching && servers == 2`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "/servers/gades", "value": "up"}},
		}},
	}
	c.MustLayout(c.Size)
	return c
}

func newWatchProcess(id string, role engine.Role) engine.Process {
	switch role {
	case engine.RoleClient:
		return newWatchAdmin(id)
	case RoleData:
		return newDataNode(id)
	case RoleWatcher:
		return newWatcher(id)
	}
	return newCoreNode(id)
}

// ---- the admin ----

// WatchAdmin is alice: she adds and removes entries under /servers/ by
// hand (a server outside the data cluster), which the watcher must see.
type WatchAdmin struct{ CoreClient }

func newWatchAdmin(id string) *WatchAdmin { return &WatchAdmin{*newCoreClient(id)} }

// ValidateRequest refuses a malformed key, and the keys the data nodes
// keep under their leases.
func (a *WatchAdmin) ValidateRequest(req engine.Request) error {
	if req.Name != "write" && req.Name != "delete" {
		return fmt.Errorf("unknown client operation %q (use write or delete)", req.Name)
	}
	key := req.Args["key"]
	if key == "" {
		return fmt.Errorf("%s: give a key (as /servers/gades)", req.Name)
	}
	if err := checkCoreKey(key, false); err != nil {
		return err
	}
	if strings.HasSuffix(key, "/") {
		return fmt.Errorf("key %q ends with /: give a whole key", key)
	}
	if key == keyController {
		return fmt.Errorf("%s belongs to the data nodes: it is written only under a data node's lease", key)
	}
	return nil
}

func (a *WatchAdmin) Handle(env engine.Env, ev engine.Event) {
	if ev.Kind != engine.EvRequest {
		a.CoreClient.Handle(env, ev)
		return
	}
	req := ev.Request
	in := CoreInput{Op: coreDelete, Key: req.Args["key"]}
	if req.Name == "write" {
		in = CoreInput{Op: coreSet, Key: req.Args["key"], Value: req.Args["value"]}
		if in.Value == "" {
			a.counter++
			in.Value = a.id + strconv.Itoa(a.counter)
		}
	}
	a.rc.Invoke(env, in, "")
}

// watchWorkload: alice adds or removes one of three hand-made entries.
func watchWorkload(r *rand.Rand, nodes, clients []string) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Args: map[string]string{}}
	c.Args["key"] = "/servers/" + []string{"gades", "hatra", "ithaca"}[r.IntN(3)]
	if r.IntN(2) == 0 {
		c.Name, c.Args["value"] = "write", strconv.Itoa(r.IntN(1000))
	} else {
		c.Name = "delete"
	}
	return c
}

// ---- faults ----

// watchFaults aim the sweep at the pattern's moment: the watcher cut off
// for a while, long enough for alice's changes and lease expiries to
// happen behind its back (a short TTL makes expiries come sooner).
var watchFaults = []kit.FaultGen{
	{Name: "drop-watcher-connection", Draw: dropWatcherConnection},
	{Name: "short-lease-ttl", Draw: shortLeaseTTL},
	{Name: "history-size", Draw: drawHistorySize},
}

func dropWatcherConnection(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	ws := w.Members(RoleWatcher)
	if len(ws) == 0 {
		return engine.Command{}, false
	}
	return engine.Command{Kind: engine.CmdAction, Node: ws[r.IntN(len(ws))], Name: "disconnect",
		Args: map[string]string{"ms": strconv.Itoa(200 + r.IntN(1800))}}, true
}

// drawHistorySize makes the history short now and then, so reconnects
// meet HistoryCompacted and the watcher's re-read is exercised.
func drawHistorySize(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	return engine.Command{Kind: engine.CmdParam, Name: ParamHistorySize, Value: []int{1, 2, 4, defHistorySize}[r.IntN(4)]}, true
}

// ---- facts ----

// WatchNodeFacts are a server's facts on the State Watch page: core
// nodes, the watcher and data nodes each fill their own.
type WatchNodeFacts struct {
	Generation int    `fact:"generation" doc:"a core node's generation (term)"`
	Leader     string `fact:"leader" doc:"whom a core node believes leads (\"\" if unknown)"`
	Applied    int    `fact:"applied" doc:"a core node's last applied index"`
	Watches    int    `fact:"watches" doc:"watches a core node keeps"`
	Oldest     int    `fact:"oldest" doc:"the oldest index a core node can replay a watch from (0: it has dropped nothing)"`

	State       string            `fact:"state" doc:"the watcher's state: offline, reading, registering, watching, refused"`
	Watching    bool              `fact:"watching" doc:"the watcher's watch is registered"`
	Server      string            `fact:"server" doc:"the core node the watcher is connected to (\"\" when offline)"`
	LastSeen    int               `fact:"lastSeen" doc:"the last index the watcher has seen"`
	Events      int               `fact:"events" doc:"watch events the watcher received"`
	Reads       int               `fact:"reads" doc:"times the watcher read its prefix"`
	Compactions int               `fact:"compactions" doc:"HistoryCompacted answers the watcher got"`
	View        string            `fact:"view" doc:"the watcher's view, \"key=value, ...\""`
	Sees        map[string]string `fact:"sees" doc:"the watcher's view by key (a missing key reads \"\")"`

	Registered bool `fact:"registered" doc:"a data node has registered /servers/<name> under its lease"`
	Lease      int  `fact:"lease" doc:"a data node's lease id (0: none)"`
}

var watchNodeFacts = kit.ProcessFacts(func(w *engine.World, id string) (WatchNodeFacts, bool) {
	switch p := w.Process(id).(type) {
	case *Node:
		if p.core == nil {
			return WatchNodeFacts{}, false
		}
		f := WatchNodeFacts{Generation: p.gen, Leader: p.leader, Applied: p.applied}
		if ws := p.core.watch; ws != nil {
			f.Watches = len(ws.regs)
			if ws.dropped > 0 {
				f.Oldest = ws.dropped + 1
			}
		}
		return f, true
	case *Watcher:
		f := WatchNodeFacts{State: p.state, Watching: p.state == watcherWatching, LastSeen: p.lastSeen, Events: p.events,
			Reads: p.reads, Compactions: p.compactions, Sees: make(map[string]string, len(p.view))}
		if p.conn != 0 {
			f.Server = p.server
		}
		pairs := make([]string, 0, len(p.viewKeys))
		for _, k := range p.viewKeys {
			pairs = append(pairs, k+"="+p.view[k])
			f.Sees[k] = p.view[k]
		}
		f.View = strings.Join(pairs, ", ")
		return f, true
	case *DataNode:
		return WatchNodeFacts{Registered: p.state == dataRegistered, Lease: p.lease}, true
	}
	return WatchNodeFacts{}, false
})

// watchClientFacts are alice's facts, as on the Consistent Core page.
var watchClientFacts = kit.ProcessFacts(func(w *engine.World, id string) (CoreClientFacts, bool) {
	a, ok := w.Process(id).(*WatchAdmin)
	if !ok {
		return CoreClientFacts{}, false
	}
	return CoreClientFacts{OK: a.rc.OK, Unknown: a.rc.Unknown, Pending: len(a.rc.Pending()), Last: a.rc.Last()}, true
})

// WatchClusterFacts are the page's cluster facts.
type WatchClusterFacts struct {
	Leader      string `fact:"leader" doc:"the core node leading the highest generation (\"\" if none)"`
	Servers     int    `fact:"servers" doc:"keys under /servers/ in that leader's tree"`
	Core        string `fact:"core" doc:"the leader's keys under the watcher's prefix, \"key=value, ...\""`
	ViewMatches bool   `fact:"viewMatches" doc:"every watcher's view equals the leader's keys under its prefix"`
}

var watchClusterFacts = kit.ClusterFacts(func(w *engine.World) WatchClusterFacts {
	var f WatchClusterFacts
	l := coreLeader(w)
	if l == nil {
		return f
	}
	f.Leader = l.id
	for _, k := range l.core.tree.keys {
		if strings.HasPrefix(k, "/servers/") {
			f.Servers++
		}
	}
	f.ViewMatches = true
	for _, id := range w.Members(RoleWatcher) {
		p, ok := w.Process(id).(*Watcher)
		if !ok {
			f.ViewMatches = false
			continue
		}
		f.Core = strings.Join(l.core.tree.pairs(p.prefix), ", ")
		got := make([]string, 0, len(p.viewKeys))
		for _, k := range p.viewKeys {
			got = append(got, k+"="+p.view[k])
		}
		if strings.Join(got, ", ") != f.Core {
			f.ViewMatches = false
		}
	}
	return f
})

// ---- views ----

// watchClusterView: the tree as the core leader holds it (the checker's
// ribbon and view table follow, from the invariant's own view).
func watchClusterView(w *engine.World) []engine.Widget {
	if l := coreLeader(w); l != nil {
		return []engine.Widget{treeWidget(WLeaderTree+" ("+l.id+")", l.core.tree)}
	}
	return nil
}
