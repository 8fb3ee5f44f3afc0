package replog

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The Consistent Core page: three core nodes run the replicated log and
// hold a tree of keys with leases (core_tree.go, core_server.go); data
// nodes beside them register under leases and race for /controller
// (core_datanode.go); alice reads and writes the tree as an admin.

// Widget titles of the Consistent Core page.
const (
	WTree       = "tree"
	WLeases     = "leases"
	WReads      = "reads"
	WDataState  = "data node"
	WDataLease  = "lease as it sees it"
	WWhoLeads   = "who acts as controller"
	WLeaderTree = "the tree at the core leader"
)

// InvOneController is the Consistent Core's own invariant.
const InvOneController = "one-controller"

const (
	defDataNodes         = 4
	maxDataNodes         = 8 // past about 10, porcupine stalls on /controller when many compare-and-sets time out in one run
	defCoreClientTimeout = 1500
)

var leaseTTLSetting = kit.Param{Name: ParamLeaseTTL, Label: "lease TTL (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defLeaseTTL), Min: 300, Max: 600_000}

// coreSafety are the replicated log's invariants that hold on the core.
var coreSafety = []string{InvOneLeader, InvOneVote, InvGenMonotonic, InvLogMatching, InvCommittedStable}

// ConsistentCore is the page.
func ConsistentCore() *kit.Cluster {
	defaults := map[string]int{}
	for _, p := range settings {
		defaults[p.Name], _ = strconv.Atoi(p.Default)
	}
	defaults[ParamLeaseTTL] = defLeaseTTL
	model := CoreModel
	c := &kit.Cluster{
		Roles: []kit.Role{
			{Name: RoleCore, Count: kit.Fixed(3)},
			{Name: RoleData, Names: func(i int) string { return kit.ServerName(i + 3) }},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(1)},
		},
		Size: defDataNodes, MinNodes: 2, MaxNodes: maxDataNodes,
		Params:    defaults,
		Settings:  append(append([]kit.Param(nil), settings...), leaseTTLSetting),
		ParamDocs: []kit.Param{leaseTTLSetting, setting(ParamClientTimeout)},
		Variants: []kit.Variant{{Name: VarReadsNoCheck, Label: "reads without the leadership check",
			Description: "The core leader answers reads and lease keep-alives from its own state at once, without first checking that a majority still follows it. A leader cut off with one data node goes on answering after the majority has elected another: the data node's lease looks alive and /controller still names it, while a second data node has taken /controller on the majority side."}},
		Actions: []kit.Action{
			{Name: "read", Label: "read a key", Target: kit.TargetClient, Params: []kit.Param{
				{Name: "key", Label: "key", Type: kit.ParamString, Default: keyController},
				{Name: "node", Label: "send to", Type: kit.ParamNode},
			}},
			{Name: "read-prefix", Label: "read a prefix", Target: kit.TargetClient, Params: []kit.Param{
				{Name: "prefix", Label: "prefix", Type: kit.ParamString, Default: "/servers/"},
				{Name: "node", Label: "send to", Type: kit.ParamNode},
			}},
			{Name: "write", Label: "write a key", Target: kit.TargetClient, Params: []kit.Param{
				{Name: "key", Label: "key", Type: kit.ParamString, Default: "/partitions/1"},
				{Name: "value", Label: "value", Type: kit.ParamString},
				{Name: "node", Label: "send to", Type: kit.ParamNode},
			}},
			{Name: "force-election", Label: "start an election", Target: kit.TargetNode},
		},
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{
				NewProcess: newCoreProcess,
				Invariants: func() []engine.Invariant {
					return append([]engine.Invariant{oneController()}, checkers(cfg, coreSafety)...)
				},
				View: coreClusterView,
			}
		},
		Porcupine: &model,
		Emphasis:  []string{WTree, WLeases, WDataState, WLog},
		Workload:  coreWorkload,
		Settled:   settledCore,
		Faults:    coreFaults,
		NodeFacts: coreNodeFacts, ClientFacts: coreClientFacts, ClusterFacts: coreClusterFacts,
		Smoke: kit.Smoke{Ready: `controller != ""`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "alice", Name: "read", Args: map[string]string{"key": keyController}},
		}},
	}
	c.MustLayout(c.Size)
	return c
}

func newCoreProcess(id string, role engine.Role) engine.Process {
	switch role {
	case engine.RoleClient:
		return newCoreClient(id)
	case RoleData:
		return newDataNode(id)
	}
	return newCoreNode(id)
}

// ---- the admin client ----

// CoreClient is alice: she reads keys and prefixes and writes keys under
// /partitions/ (the keys data nodes own are theirs to write).
type CoreClient struct {
	id      string
	rc      kit.RetryingClient[CoreInput]
	counter int
}

func newCoreClient(id string) *CoreClient {
	c := &CoreClient{id: id}
	c.rc.Config = kit.ClientConfig[CoreInput]{
		Targeting: kit.TargetLeader,
		Timeout:   func(env engine.Env) time.Duration { return ms(env.Param(ParamClientTimeout, defCoreClientTimeout)) },
		MaxTries:  maxTries,
		RetryWait: retryWait,
		Request:   coreRequest,
		GiveUp:    coreGiveUp,
		Servers:   func(env engine.Env) []string { return env.Members(RoleCore) },
	}
	return c
}

// ValidateRequest refuses a malformed key or a key the data nodes own.
func (c *CoreClient) ValidateRequest(req engine.Request) error {
	var key string
	switch req.Name {
	case "read", "write":
		key = req.Args["key"]
		if key == "" {
			key = keyController
			if req.Name == "write" {
				key = "/partitions/1"
			}
		}
	case "read-prefix":
		key = req.Args["prefix"]
		if key == "" {
			key = "/"
		}
	default:
		return fmt.Errorf("unknown client operation %q (use read, read-prefix or write)", req.Name)
	}
	if err := checkCoreKey(key, req.Name == "read-prefix"); err != nil {
		return err
	}
	if req.Name == "write" && (key == keyController || strings.HasPrefix(key, "/servers/")) {
		return fmt.Errorf("%s belongs to the data nodes: it is written only under a data node's lease (write under /partitions/ instead)", key)
	}
	if node := req.Args["node"]; node != "" && c.rc.Servers() != nil && !contains(c.rc.Servers(), node) {
		return fmt.Errorf("no core node called %q (the core is %s)", node, strings.Join(c.rc.Servers(), ", "))
	}
	return nil
}

// checkCoreKey: a key is a path, /a/b; a prefix may end with /.
func checkCoreKey(key string, prefix bool) error {
	if !strings.HasPrefix(key, "/") {
		return fmt.Errorf("key %q must start with / (as /partitions/1)", key)
	}
	if strings.Contains(key, "//") {
		return fmt.Errorf("key %q has an empty path segment", key)
	}
	if strings.ContainsAny(key, " *=,") {
		return fmt.Errorf("key %q may not hold spaces, *, = or commas", key)
	}
	if !prefix && len(key) > 1 && strings.HasSuffix(key, "/") {
		return fmt.Errorf("key %q ends with /: that is a prefix (use read-prefix)", key)
	}
	return nil
}

func (c *CoreClient) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.rc.Start(env)
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		if m, ok := ev.Msg.(CoreReply); ok {
			if m.NotLeader {
				c.rc.Refused(env, ev.From, m.ID, m.Hint)
				return
			}
			op, ok := c.rc.Get(m.ID)
			if !ok {
				return // a duplicate, or given up
			}
			out := CoreOutput{OK: m.OK, Value: m.Value, Lease: m.Lease, Err: m.Err}
			c.rc.Answer(env, ev.From, m.ID, out, replyText(op.In, out))
		}
	case engine.EvTimer:
		c.rc.Timer(env, ev.Timer)
	}
}

func (c *CoreClient) request(env engine.Env, req engine.Request) {
	var in CoreInput
	switch req.Name {
	case "read":
		in = CoreInput{Op: coreGet, Key: req.Args["key"]}
		if in.Key == "" {
			in.Key = keyController
		}
	case "read-prefix":
		in = CoreInput{Op: corePrefix, Key: req.Args["prefix"]}
		if in.Key == "" {
			in.Key = "/"
		}
	default:
		in = CoreInput{Op: coreSet, Key: req.Args["key"], Value: req.Args["value"]}
		if in.Key == "" {
			in.Key = "/partitions/1"
		}
		if in.Value == "" {
			c.counter++
			in.Value = c.id + strconv.Itoa(c.counter)
		}
	}
	c.rc.Invoke(env, in, req.Args["node"])
}

func (c *CoreClient) View() engine.ProcessView {
	return engine.ProcessView{Role: "client", Widgets: c.rc.Widgets()}
}

// coreWorkload: alice reads /controller or a prefix, or writes a partition.
func coreWorkload(r *rand.Rand, nodes, clients []string) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Args: map[string]string{}}
	switch r.IntN(3) {
	case 0:
		c.Name, c.Args["key"] = "read", keyController
	case 1:
		c.Name, c.Args["prefix"] = "read-prefix", "/servers/"
	default:
		c.Name, c.Args["key"], c.Args["value"] = "write", "/partitions/"+strconv.Itoa(1+r.IntN(3)), strconv.Itoa(r.IntN(1000))
	}
	return c
}

// ---- the checks ----

// oneController: at most one data node acts as controller at any moment.
func oneController() engine.Invariant {
	return engine.Invariant{Name: InvOneController,
		Description: "At most one data node acts as controller at a time: one whose last read of /controller named it under its lease, while that lease is still valid on its own clock.",
		Check: func(w *engine.World) (string, []string) {
			var acting []string
			for _, id := range w.Members(RoleData) {
				if d, ok := w.Process(id).(*DataNode); ok && w.Status(id) == engine.StatusUp && d.actingAt(w.Monotonic(id)) {
					acting = append(acting, id)
				}
			}
			if len(acting) < 2 {
				return "", nil
			}
			return fmt.Sprintf("%s act as controller at once: each read /controller as its own name under a lease it believes valid.", strings.Join(acting, " and ")), acting
		}}
}

// coreLeader is the core node that leads the highest generation, or nil.
func coreLeader(w *engine.World) *Node {
	var best *Node
	for _, id := range w.Members(RoleCore) {
		if n := nodeOf(w, id); n != nil && n.role == Leader && w.Status(id) == engine.StatusUp && (best == nil || n.gen > best.gen) {
			best = n
		}
	}
	return best
}

// settledCore: one core leader that every core node follows, every core
// tree alike, every data node registered, and exactly one controller.
func settledCore(w *engine.World) kit.Verdict {
	var leader *Node
	for _, id := range w.Members(RoleCore) {
		n := nodeOf(w, id)
		if n == nil || w.Status(id) != engine.StatusUp {
			return kit.Verdict{Check: "all-up", Text: fmt.Sprintf("%s is %s after healing.", id, w.Status(id))}
		}
		if n.role == Leader {
			if leader != nil {
				return kit.Verdict{Check: "one-leader", Text: fmt.Sprintf("%s and %s both lead after healing.", leader.id, id)}
			}
			leader = n
		}
	}
	if leader == nil {
		return kit.Verdict{Check: "one-leader", Text: "no core node leads after healing."}
	}
	for _, id := range w.Members(RoleCore) {
		n := nodeOf(w, id)
		if n.gen != leader.gen || n.applied != leader.applied {
			continue // a follower a heartbeat behind: the trees are compared at equal indexes only
		}
		if a, b := treeText(n.core.tree), treeText(leader.core.tree); a != b {
			return kit.Verdict{Check: "trees-agree", Text: fmt.Sprintf("%s's tree {%s} differs from the leader %s's {%s} at the same index %d.", id, a, leader.id, b, n.applied)}
		}
	}
	acting := 0
	for _, id := range w.Members(RoleData) {
		d, ok := w.Process(id).(*DataNode)
		if !ok || w.Status(id) != engine.StatusUp {
			return kit.Verdict{Check: "all-up", Text: fmt.Sprintf("%s is %s after healing.", id, w.Status(id))}
		}
		if d.state != dataRegistered {
			return kit.Verdict{Check: "registered", Text: fmt.Sprintf("%s is still %s after healing.", id, d.state)}
		}
		if v, _ := leader.core.tree.get("/servers/" + id); v == "" {
			return kit.Verdict{Check: "registered", Text: fmt.Sprintf("/servers/%s is missing from the leader's tree after healing.", id)}
		}
		if d.actingAt(w.Monotonic(id)) {
			acting++
		}
	}
	if acting != 1 && len(w.Members(RoleData)) > 0 {
		return kit.Verdict{Check: "one-controller-elected", Text: fmt.Sprintf("%d data nodes act as controller after healing; one should.", acting)}
	}
	return kit.Verdict{Check: "settled", OK: true, Text: fmt.Sprintf("%s leads the core; every data node is registered and one acts as controller.", leader.id)}
}

func treeText(t *coreTree) string {
	var b strings.Builder
	for _, k := range t.keys {
		b.WriteString(k + "=" + t.kv[k].value + " ")
	}
	return b.String()
}

// coreFaults aim the sweep at the pattern's moment: the core leader cut
// off together with the data node that is controller: the majority elects
// another leader and expires the lease behind its back. (The sweep's own
// pauses already stall data nodes past their leases.)
//
// A shorter lease (for the leases granted from then on) lets the majority
// expire it, and another data node take /controller, within the few
// hundred milliseconds a random partition lasts.
var coreFaults = []kit.FaultGen{
	{Name: "isolate-leader-with-controller", Draw: isolateLeaderWithController},
	{Name: "short-lease-ttl", Draw: shortLeaseTTL},
}

// shortLeaseTTL sets the lease TTL to 400–800 ms, or back to its default.
func shortLeaseTTL(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	v := defLeaseTTL
	if r.IntN(3) > 0 {
		v = 400 + r.IntN(401)
	}
	return engine.Command{Kind: engine.CmdParam, Name: ParamLeaseTTL, Value: v}, true
}

func isolateLeaderWithController(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	leader := coreLeader(w)
	data := w.Members(RoleData)
	if leader == nil || len(data) == 0 {
		return engine.Command{}, false
	}
	with := data[r.IntN(len(data))]
	for _, id := range data {
		if d, ok := w.Process(id).(*DataNode); ok && d.acting {
			with = id
		}
	}
	var rest []string
	for _, id := range w.Nodes() {
		if id != leader.id && id != with {
			rest = append(rest, id)
		}
	}
	rest = append(rest, w.Members(engine.RoleClient)...)
	return engine.Command{Kind: engine.CmdPartition, Groups: [][]string{{leader.id, with}, rest}}, true
}

// ---- facts ----

// CoreNodeFacts are a server's facts on the Consistent Core page (core
// nodes fill the first group, data nodes the second).
type CoreNodeFacts struct {
	Generation int    `fact:"generation" doc:"a core node's generation (term)"`
	Leader     string `fact:"leader" doc:"whom a core node believes leads (\"\" if unknown)"`
	HWM        int    `fact:"hwm" doc:"a core node's high-water mark"`
	Keys       int    `fact:"keys" doc:"keys in a core node's tree"`
	Leases     int    `fact:"leases" doc:"leases in a core node's tree"`
	Controller string `fact:"controller" doc:"/controller in a core node's tree; the /controller value a data node last read"`
	Answered   int    `fact:"answered" doc:"reads and keep-alives a core node answered"`

	Registered bool `fact:"registered" doc:"a data node has registered /servers/<name> under its lease"`
	Lease      int  `fact:"lease" doc:"a data node's lease id (0: none)"`
	Acting     bool `fact:"acting" doc:"a data node acts as controller"`
}

var coreNodeFacts = kit.ProcessFacts(func(w *engine.World, id string) (CoreNodeFacts, bool) {
	switch p := w.Process(id).(type) {
	case *Node:
		if p.core == nil {
			return CoreNodeFacts{}, false
		}
		ctl, _ := p.core.tree.get(keyController)
		return CoreNodeFacts{Generation: p.gen, Leader: p.leader, HWM: p.hwm, Keys: len(p.core.tree.keys),
			Leases: len(p.core.tree.leaseIDs), Controller: ctl, Answered: p.core.answered}, true
	case *DataNode:
		return CoreNodeFacts{Controller: p.seen, Registered: p.state == dataRegistered, Lease: p.lease,
			Acting: p.actingAt(w.Monotonic(id))}, true
	}
	return CoreNodeFacts{}, false
})

// CoreClientFacts are alice's facts.
type CoreClientFacts struct {
	OK      int    `fact:"ok" doc:"its operations that succeeded"`
	Unknown int    `fact:"unknown" doc:"its operations that timed out (may or may not have happened)"`
	Pending int    `fact:"pending" doc:"its operations waiting for an answer"`
	Last    string `fact:"last" doc:"a short text of its last outcome"`
}

var coreClientFacts = kit.ProcessFacts(func(w *engine.World, id string) (CoreClientFacts, bool) {
	c, ok := w.Process(id).(*CoreClient)
	if !ok {
		return CoreClientFacts{}, false
	}
	return CoreClientFacts{OK: c.rc.OK, Unknown: c.rc.Unknown, Pending: len(c.rc.Pending()), Last: c.rc.Last()}, true
})

// CoreClusterFacts are the page's cluster facts.
type CoreClusterFacts struct {
	Leader     string `fact:"leader" doc:"the core node leading the highest generation (\"\" if none)"`
	Generation int    `fact:"generation" doc:"that leader's generation"`
	Controller string `fact:"controller" doc:"/controller in that leader's tree"`
	Acting     int    `fact:"acting" doc:"how many data nodes act as controller"`
	ActingAs   string `fact:"actingNodes" doc:"the data nodes acting as controller, comma-separated"`
	Servers    int    `fact:"servers" doc:"keys under /servers/ in the leader's tree"`
}

var coreClusterFacts = kit.ClusterFacts(coreClusterFactsOf)

func coreClusterFactsOf(w *engine.World) CoreClusterFacts {
	var f CoreClusterFacts
	if l := coreLeader(w); l != nil {
		f.Leader, f.Generation = l.id, l.gen
		f.Controller, _ = l.core.tree.get(keyController)
		for _, k := range l.core.tree.keys {
			if strings.HasPrefix(k, "/servers/") {
				f.Servers++
			}
		}
	}
	var acting []string
	for _, id := range w.Members(RoleData) {
		if d, ok := w.Process(id).(*DataNode); ok && w.Status(id) == engine.StatusUp && d.actingAt(w.Monotonic(id)) {
			acting = append(acting, id)
		}
	}
	f.Acting, f.ActingAs = len(acting), strings.Join(acting, ",")
	return f
}

// ---- views ----

// coreView is a core node's panel: its place in the log, the log strip,
// the tree and the leases.
func (n *Node) coreView() engine.ProcessView {
	c := n.core
	v := engine.ProcessView{Role: n.role, Badge: "gen " + itoa(n.gen), Widgets: make([]engine.Widget, 0, 5)}
	v.Widgets = append(v.Widgets, engine.FieldsWidget(WState,
		engine.Field{Label: "role", Value: n.role},
		engine.Field{Label: "generation", Value: itoa(n.gen)},
		engine.Field{Label: "leader", Value: orDash(n.leader)},
		engine.Field{Label: "high-water mark", Value: itoa(n.hwm)},
	))
	lw := engine.Widget{Type: "log", Title: WLog}
	from := max(0, len(n.log)-16)
	lw.Entries = make([]engine.LogEntry, 0, len(n.log)-from)
	for i := from; i < len(n.log); i++ {
		lw.Entries = append(lw.Entries, engine.LogEntry{Index: n.base + i + 1, Gen: n.log[i].Gen, Text: n.log[i].Text(), Synced: true, Applied: n.base+i+1 <= n.applied})
	}
	lw.Markers = []engine.Marker{{Name: "hwm", Index: n.hwm}}
	v.Widgets = append(v.Widgets, lw)
	v.Widgets = append(v.Widgets, treeWidget(WTree, c.tree))
	if len(c.tree.leaseIDs) > 0 {
		if n.role == Leader && c.heardGen == n.gen {
			ds := make([]engine.Deadline, 0, len(c.tree.leaseIDs))
			for _, id := range c.tree.leaseIDs {
				l := c.tree.leases[id]
				heard := c.heard[id]
				ds = append(ds, engine.Deadline{Label: "lease " + itoa(id), Holder: l.holder,
					Start: (n.now - (c.mono - heard)).Microseconds(), At: (n.now + heard + l.ttl - c.mono).Microseconds()})
			}
			v.Widgets = append(v.Widgets, engine.DeadlineWidget(WLeases, ds...))
		} else {
			rows := make([]engine.TableRow, 0, len(c.tree.leaseIDs))
			for _, id := range c.tree.leaseIDs {
				l := c.tree.leases[id]
				rows = append(rows, engine.Row(engine.Cell{Text: itoa(id)}, engine.Cell{Text: l.holder}, engine.Cell{Text: l.ttl.String()}))
			}
			v.Widgets = append(v.Widgets, engine.TableWidget(WLeases, []string{"lease", "holder", "TTL"}, rows...))
		}
	}
	if n.role == Leader {
		check := "none out"
		if c.checking {
			check = "round " + itoa(c.round) + " out"
		}
		v.Widgets = append(v.Widgets, engine.FieldsWidget(WReads,
			engine.Field{Label: "leadership check", Value: check},
			engine.Field{Label: "reads waiting", Value: itoa(len(c.waiting))},
			engine.Field{Label: "answered", Value: itoa(c.answered)}))
	}
	v.Widgets = append(v.Widgets, n.watchWidgets()...)
	return v // no arrow to the leader: in the narrow core column its label hid the clocks; the role badge says who leads
}

func treeWidget(title string, t *coreTree) engine.Widget {
	rows := make([]engine.TableRow, 0, len(t.keys))
	for _, k := range t.keys {
		e := t.kv[k]
		lease := "—"
		if e.lease > 0 {
			lease = itoa(e.lease)
		}
		st := engine.State("")
		if k == keyController {
			st = engine.StateFocus
		}
		rows = append(rows, engine.Row(engine.Cell{Text: k, State: st}, engine.Cell{Text: e.value}, engine.Cell{Text: lease}, engine.Cell{Text: itoa(e.version)}))
	}
	return engine.TableWidget(title, []string{"key", "value", "lease", "version"}, rows...)
}

// coreClusterView: the tree as the core leader holds it, and who acts as
// controller (which no single node knows).
func coreClusterView(w *engine.World) []engine.Widget {
	out := make([]engine.Widget, 0, 2)
	if l := coreLeader(w); l != nil {
		out = append(out, treeWidget(WLeaderTree+" ("+l.id+")", l.core.tree))
	}
	data := w.Members(RoleData)
	rows := make([]engine.TableRow, 0, len(data))
	acting := 0
	for _, id := range data {
		d, ok := w.Process(id).(*DataNode)
		if !ok {
			rows = append(rows, engine.Row(engine.Cell{Text: id}, engine.Cell{Text: string(w.Status(id)), State: engine.StateInactive}, engine.Cell{Text: "—"}, engine.Cell{Text: "—"}, engine.Cell{Text: "no"}))
			continue
		}
		act := w.Status(id) == engine.StatusUp && d.actingAt(w.Monotonic(id))
		cell := engine.Cell{Text: "no"}
		if act {
			acting++
			cell = engine.Cell{Text: "♛ yes", State: engine.StateOK}
		}
		rows = append(rows, engine.Row(engine.Cell{Text: id}, engine.Cell{Text: d.state}, engine.Cell{Text: leaseText(d.lease)},
			engine.Cell{Text: quoteEmpty(d.seen)}, cell))
	}
	if acting > 1 {
		for i := range rows {
			if rows[i].Cells[4].State == engine.StateOK {
				rows[i].Cells[4].State = engine.StateBad
			}
		}
	}
	out = append(out, engine.TableWidget(WWhoLeads, []string{"data node", "state", "lease", "/controller read", "acts"}, rows...))
	return out
}
