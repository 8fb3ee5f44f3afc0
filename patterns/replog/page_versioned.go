package replog

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Widget titles of the Versioned Value page.
const (
	WVersioned = "versions"
	WSnapshots = "snapshots"
	WReport    = "report"
)

// Invariants of the Versioned Value page.
const (
	InvSnapshotRead      = "snapshot-read-consistent"
	InvReportTotal       = "report-total"
	InvVersionsIncrease  = "versions-increase"
	InvCompactionBelowSn = "compaction-below-open-snapshots"
)

var reportGapSetting = kit.Param{Name: ParamReportGap, Label: "report: wait between its reads (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defReportGap), Min: 0, Max: 60_000}

// versionedRoles: the servers, alice who moves money and philip who
// writes reports.
var versionedRoles = []kit.Role{
	{Name: engine.RoleNode},
	{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2), Names: func(i int) string {
		return [...]string{"alice", "philip", ""}[min(i, 2)]
	}},
}

// VersionedValue: a multi-version store on the replicated log. Versions
// are log indexes; a report reads at its snapshot's version while alice's
// transfers add newer ones; compaction stops at the oldest open snapshot.
func VersionedValue() *kit.Cluster {
	c := page(3, 3, []string{WVersioned, WSnapshots, WReport, WLog},
		[]kit.Variant{
			{Name: VarOverwriteInPlace, Label: "overwrite in place",
				Description: "A write replaces the value instead of adding a version, and a read at a version gets whatever the key holds now. A report that reads A before a transfer and B after it adds up to a total that never existed."},
			{Name: VarCompactIgnoresSnapshots, Label: "compaction ignores open snapshots",
				Description: "A compaction drops old versions up to where it was asked to, even below a snapshot a report still reads. The report's next read finds its version gone and is refused."},
		},
		nil, []kit.Param{reportGapSetting})
	c.Roles = versionedRoles
	c.MustLayout(c.Size)
	c.Settings = append(slices.Clone(c.Settings), reportGapSetting)
	c.Params[ParamReportGap] = defReportGap
	c.Actions = []kit.Action{
		{Name: actionTransfer, Label: "transfer", Target: kit.TargetClient, Params: []kit.Param{
			{Name: "from", Label: "from", Type: kit.ParamChoice, Choices: []string{accountA, accountB}},
			{Name: "to", Label: "to", Type: kit.ParamChoice, Choices: []string{accountB, accountA}},
			{Name: "amount", Label: "amount", Type: kit.ParamInt, Default: "10", Min: 1, Max: maxAmount},
		}},
		{Name: actionReport, Label: "start a report (snapshot)", Target: kit.TargetClient},
		{Name: actionReadAt, Label: "read at a version", Target: kit.TargetClient, Params: []kit.Param{
			{Name: "key", Label: "key", Type: kit.ParamString, Default: accountA},
			{Name: "at", Label: "version", Type: kit.ParamInt, Default: "1", Min: 0, Max: maxVersionArg},
			{Name: "node", Label: "send to", Type: kit.ParamNode},
		}},
		{Name: "write", Label: "write", Target: kit.TargetClient, Params: []kit.Param{
			{Name: "key", Label: "key", Type: kit.ParamString, Default: "x"},
			{Name: "value", Label: "value", Type: kit.ParamString},
		}},
		{Name: actionCompact, Label: "compact old versions", Target: kit.TargetNode, Params: []kit.Param{
			{Name: "below", Label: "below version", Type: kit.ParamInt, Default: "1000", Min: 0, Max: maxVersionArg},
		}},
		{Name: "force-election", Label: "start an election", Target: kit.TargetNode},
	}
	c.Build = func(cfg engine.Config) engine.Model {
		return engine.Model{
			NewProcess: newVersionedProcess,
			Invariants: func() []engine.Invariant { return append(versionedCheckers(), checkers(cfg, safety)...) },
		}
	}
	c.Porcupine, c.HistoryChecks = nil, nil
	c.Workload = versionedWorkload
	c.Settled = settledVersioned
	c.NodeFacts, c.ClientFacts = versionedNodeFacts, versionedClientFacts
	c.Faults = versionedFaults
	c.Smoke = kit.Smoke{Ready: `leader != ""`, Commands: []engine.Command{
		{Kind: engine.CmdClient, Node: "philip", Name: actionReport},
		{Kind: engine.CmdClient, Node: "alice", Name: actionTransfer, Args: map[string]string{"from": accountA, "to": accountB, "amount": "10"}},
	}}
	return c
}

func newVersionedProcess(id string, role engine.Role) engine.Process {
	if role == engine.RoleClient {
		return newVersionedClient(id)
	}
	n := newNode(id)
	n.mvOn = true
	return n
}

// versionedWorkload: mostly alice's transfers and philip's reports, so
// that reports and transfers overlap; now and then a read at a version or
// a write of another key.
func versionedWorkload(r *rand.Rand, nodes, clients []string) engine.Command {
	switch k := r.IntN(10); {
	case k < 5:
		from, to := accountA, accountB
		if r.IntN(2) == 0 {
			from, to = to, from
		}
		return engine.Command{Kind: engine.CmdClient, Node: "alice", Name: actionTransfer,
			Args: map[string]string{"from": from, "to": to, "amount": itoa(1 + r.IntN(20))}}
	case k < 8:
		return engine.Command{Kind: engine.CmdClient, Node: "philip", Name: actionReport}
	case k < 9:
		return engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Name: actionReadAt,
			Args: map[string]string{"key": string("AB"[r.IntN(2)]), "at": itoa(r.IntN(40)), "node": nodes[r.IntN(len(nodes))]}}
	}
	return engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "x", "value": itoa(r.IntN(1000))}}
}

// versionedFaults: a compaction asked for far above every version (the
// open snapshots must hold it back), a slow report, and the leader
// crashing while snapshots are open.
var versionedFaults = []kit.FaultGen{
	{Name: "compact", Draw: compactAtLeader},
	{Name: "slow-report", Draw: slowReport},
	{Name: "crash-leader", Draw: crashLeader},
}

func compactAtLeader(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	if n := upLeader(w); n != nil {
		return engine.Command{Kind: engine.CmdAction, Node: n.id, Name: actionCompact, Args: map[string]string{"below": itoa(n.applied + r.IntN(20))}}, true
	}
	return engine.Command{}, false
}

// slowReport sets the report's gap to 100–2000 ms, or back to its default.
func slowReport(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	v := defReportGap
	if r.IntN(3) > 0 {
		v = 100 + r.IntN(1901)
	}
	return engine.Command{Kind: engine.CmdParam, Name: ParamReportGap, Value: v}, true
}

// compactArg is the "below" argument of a compact action (validated).
func compactArg(args map[string]string) int {
	v, _ := strconv.Atoi(args["below"])
	return v
}

func validateCompact(args map[string]string) error {
	_, err := kit.IntArg(args, "below", 0, maxVersionArg)
	return err
}

// settledVersioned: all that replog's Settled asks, and every server holds
// the same newest value of every key.
func settledVersioned(w *engine.World) kit.Verdict {
	if v := Settled(w); !v.OK {
		return v
	}
	states := map[string]map[string]string{}
	for _, id := range w.Members(engine.RoleNode) {
		n := nodeOf(w, id)
		st := map[string]string{}
		for _, k := range n.mv.names {
			st[k] = n.mv.latest(k)
		}
		states[id] = st
	}
	if v := kit.Converged(states); !v.OK {
		return v
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "one leader; every node holds the same log and the same newest version of every key."}
}

// VersionedNodeFacts are a server's facts on the Versioned Value page.
type VersionedNodeFacts struct {
	Generation int               `fact:"generation" doc:"its generation (term)"`
	Leader     string            `fact:"leader" doc:"whom it believes leads its generation (\"\" if unknown)"`
	HWM        int               `fact:"hwm" doc:"its high-water mark (commit index)"`
	Applied    int               `fact:"applied" doc:"entries applied to its store: its newest version"`
	Values     map[string]string `fact:"values" doc:"each key's newest value in its store"`
	Versions   map[string]int    `fact:"versions" doc:"how many versions of each key it keeps"`
	Snapshots  int               `fact:"snapshots" doc:"snapshots open in its store"`
	Oldest     int               `fact:"oldestSnapshot" doc:"the read version of the oldest open snapshot (0 if none)"`
	Compacted  int               `fact:"compacted" doc:"versions below this were compacted (0: never)"`
}

// VersionedClientFacts are a client's facts on the Versioned Value page.
type VersionedClientFacts struct {
	OK        int    `fact:"ok" doc:"its operations that succeeded"`
	Failed    int    `fact:"failed" doc:"its operations that failed (did not happen)"`
	Unknown   int    `fact:"unknown" doc:"its operations that timed out or gave up (may or may not have happened)"`
	Pending   int    `fact:"pending" doc:"its operations waiting for an answer"`
	Last      string `fact:"last" doc:"a short text of its last outcome"`
	Reports   int    `fact:"reports" doc:"reports it finished"`
	Reading   string `fact:"reading" doc:"what its report is doing (\"\" when none runs)"`
	Snapshot  int    `fact:"snapshot" doc:"its running report's read version (0 if none)"`
	ReportAt  int    `fact:"reportAt" doc:"the read version of its last finished report"`
	ReportSum int    `fact:"reportTotal" doc:"A + B in its last finished report"`
}

var versionedNodeFacts = kit.ProcessFacts(func(w *engine.World, id string) (VersionedNodeFacts, bool) {
	n := nodeOf(w, id)
	if n == nil || n.mv == nil {
		return VersionedNodeFacts{}, false
	}
	s := n.mv
	f := VersionedNodeFacts{Generation: n.gen, Leader: n.leader, HWM: n.hwm, Applied: n.applied, Snapshots: len(s.snaps),
		Compacted: s.compacted, Values: make(map[string]string, len(s.names)), Versions: make(map[string]int, len(s.names))}
	f.Oldest, _ = s.oldestSnapshot()
	for _, k := range s.names {
		f.Values[k], f.Versions[k] = s.latest(k), len(s.keys[k])
	}
	return f, true
})

var versionedClientFacts = kit.ProcessFacts(func(w *engine.World, id string) (VersionedClientFacts, bool) {
	c, _ := w.Process(id).(*VersionedClient)
	if c == nil {
		return VersionedClientFacts{}, false
	}
	f := VersionedClientFacts{OK: c.rc.OK, Failed: c.rc.Failed, Unknown: c.rc.Unknown, Pending: len(c.rc.Pending()), Last: c.rc.Last(),
		Reports: c.done, Reading: c.rep.phase, Snapshot: c.rep.at}
	if len(c.reports) > 0 {
		r := c.reports[len(c.reports)-1]
		f.ReportAt, f.ReportSum = r.at, r.total()
	}
	return f, true
})

// versionWidgets are the version ladders and the snapshot table (none off
// this page). The version a read at the oldest open snapshot returns is
// marked; without a snapshot, the newest.
func (n *Node) versionWidgets() []engine.Widget {
	s := n.mv
	if s == nil {
		return nil
	}
	at, open := s.oldestSnapshot()
	if !open {
		at = n.applied
	}
	keys := make([]engine.KeyVersions, 0, len(s.names))
	for _, k := range s.names {
		seen, _ := s.get(k, at, false)
		vs := s.keys[k]
		kv := engine.KeyVersions{Key: k, Versions: make([]engine.Version, len(vs))}
		for i, v := range vs {
			kv.Versions[i] = engine.Version{Value: v.value, Stamp: "v" + itoa(v.at), Visible: v.at == seen.at}
		}
		keys = append(keys, kv)
	}
	snaps := make([]string, len(s.snaps))
	for i, sn := range s.snaps {
		snaps[i] = sn.client + " @v" + itoa(sn.at)
	}
	oldest := "none open"
	if open {
		oldest = "v" + itoa(at)
	}
	return []engine.Widget{
		engine.VersionsWidget(WVersioned, keys...),
		engine.FieldsWidget(WSnapshots,
			engine.Field{Label: "newest version", Value: "v" + itoa(n.applied)},
			engine.Field{Label: "open snapshots", Value: orDash(strings.Join(snaps, ", "))},
			engine.Field{Label: "oldest snapshot (marked)", Value: oldest},
			engine.Field{Label: "compacted below", Value: "v" + itoa(s.compacted)}),
	}
}

// versionedCheckers: the page's promises. The snapshot-read check replays
// the committed log itself (an oracle that keeps no versions): a read at
// version v must return what applying entries 1..v leaves in the key.
func versionedCheckers() []engine.Invariant {
	o := &versionOracle{servers: &versionServers{}}
	return []engine.Invariant{
		{Name: InvSnapshotRead, Description: "A read at version v returns the value its key holds after applying the committed log entries up to v, whenever and wherever it is asked.",
			Check: o.snapshotReads},
		{Name: InvReportTotal, Description: "Every report adds A and B up to " + itoa(accountsTotal) + ": transfers move money between them and never create or destroy any.",
			Check: (&reportCheck{}).check},
		{Name: InvVersionsIncrease, Description: "On every node, each key's versions strictly increase.",
			Check: o.servers.versionsIncrease},
		{Name: InvCompactionBelowSn, Description: "No node has compacted above the read version of a snapshot it holds open.",
			Check: o.servers.compactionBelowSnapshots},
	}
}

// versionOracle replays committed entries into plain per-key histories.
type versionOracle struct {
	servers *versionServers
	upTo    int                  // entries replayed
	done    appliedSet           // client operations replayed (a retry in the log twice runs once)
	hist    map[string][]version // per key, oldest first (what a correct store holds)
	checked []int                // per node (by position), answered reads already checked
}

// extend replays committed entries up to the highest index any node has
// applied (applied entries are committed; every log agrees on them).
func (o *versionOracle) extend(w *engine.World) {
	if o.hist == nil {
		o.hist = map[string][]version{}
		for _, k := range []string{accountA, accountB} {
			o.hist[k] = []version{{at: 0, value: itoa(openingBalance)}}
		}
	}
	for _, n := range o.servers.all(w) {
		if n == nil || n.applied <= o.upTo || n.base > o.upTo {
			continue
		}
		for i := o.upTo + 1; i <= n.applied; i++ {
			o.replay(n.entry(i), i)
		}
		o.upTo = n.applied
	}
}

func (o *versionOracle) replay(e Entry, i int) {
	if e.Client != "" && !o.done.add(e.Client, e.ReqID) {
		return
	}
	last := func(k string) string {
		if h := o.hist[k]; len(h) > 0 {
			return h[len(h)-1].value
		}
		return ""
	}
	switch e.Op {
	case opPut:
		o.hist[e.Key] = append(o.hist[e.Key], version{at: i, value: e.Value})
	case opTransfer:
		from, to := counterSum(last(e.Key))-e.Amount, counterSum(last(e.Value))+e.Amount
		o.hist[e.Key] = append(o.hist[e.Key], version{at: i, value: itoa(from)})
		o.hist[e.Value] = append(o.hist[e.Value], version{at: i, value: itoa(to)})
	}
}

func (o *versionOracle) valueAt(key string, at int) string {
	h := o.hist[key]
	i, _ := slices.BinarySearchFunc(h, at+1, func(v version, t int) int { return v.at - t })
	if i == 0 {
		return ""
	}
	return h[i-1].value
}

func (o *versionOracle) snapshotReads(w *engine.World) (string, []string) {
	o.extend(w)
	if o.checked == nil {
		o.checked = make([]int, len(o.servers.ids))
	}
	for i, n := range o.servers.all(w) {
		if n == nil || n.mv == nil {
			continue
		}
		s, id := n.mv, n.id
		if s.answered < o.checked[i] {
			o.checked[i] = 0 // restarted
		}
		fresh := min(s.answered-o.checked[i], len(s.answers))
		o.checked[i] = s.answered
		for _, a := range s.answers[len(s.answers)-fresh:] {
			if want := o.valueAt(a.key, a.at); a.at <= o.upTo && a.value != want {
				return fmt.Sprintf("%s told %s that %s@%d = %s, but after the log's entries up to %d %s was %s: the read saw a later write.",
					id, a.client, a.key, a.at, orDash(a.value), a.at, a.key, orDash(want)), []string{id, a.client}
			}
		}
	}
	return "", nil
}

// reportCheck runs reportTotals when a client may have changed: a
// client's reports change only in its own Handle, so after a server's
// step (the checks ran the round before) the last answer stands.
type reportCheck struct {
	looked bool
	text   string
	at     []string
}

func (r *reportCheck) check(w *engine.World) (string, []string) {
	if !r.looked || w.HandledNode() < 0 {
		r.text, r.at = reportTotals(w)
		r.looked = true
	}
	return r.text, r.at
}

// reportTotals looks at each client's newest report.
func reportTotals(w *engine.World) (string, []string) {
	for _, id := range w.Members(engine.RoleClient) {
		c, _ := w.Process(id).(*VersionedClient)
		if c == nil || len(c.reports) == 0 {
			continue
		}
		if r := c.reports[len(c.reports)-1]; r.total() != accountsTotal {
			return fmt.Sprintf("%s's report at v%d adds up to %d (A=%d, B=%d), not %d: money appeared or vanished between its two reads.",
				id, r.at, r.total(), r.a, r.b, accountsTotal), []string{id}
		}
	}
	return "", nil
}

// versionServers is one run's checkers' list of its servers. A run's
// nodes are fixed when it is built: the ids are read once (World.Nodes
// copies them) and each server is then found by position.
type versionServers struct {
	ids   []string
	nodes []*Node // scratch: the servers as all last read them

	// per server: the store versions-increase last found in order, and
	// its changes then (the check looks again only after a change)
	orderedStore   []*versionStore
	orderedChanges []int
}

// all is every server by position, nil while it is down. The slice is
// reused by the next call.
func (v *versionServers) all(w *engine.World) []*Node {
	if v.ids == nil {
		v.ids = w.Nodes()
		v.nodes = make([]*Node, len(v.ids))
		v.orderedStore, v.orderedChanges = make([]*versionStore, len(v.ids)), make([]int, len(v.ids))
	}
	for i := range v.ids {
		v.nodes[i], _ = w.NodeProcess(i).(*Node)
	}
	return v.nodes
}

// versionNodes are the live servers that keep a version store.
func (v *versionServers) versionNodes(w *engine.World) iter.Seq2[string, *Node] {
	return func(yield func(string, *Node) bool) {
		for _, n := range v.all(w) {
			if n != nil && n.mv != nil && !yield(n.id, n) {
				return
			}
		}
	}
}

func (v *versionServers) versionsIncrease(w *engine.World) (string, []string) {
	for i, n := range v.all(w) {
		if n == nil || n.mv == nil {
			continue
		}
		s := n.mv
		if s == v.orderedStore[i] && s.changes == v.orderedChanges[i] {
			continue // nothing put or compacted since the store was last found in order
		}
		// Versions are only ever added at the top (or replaced there), and
		// the check runs after every change: the top pair of each key is
		// the only one that can have gone wrong since the last look.
		for _, k := range s.names {
			if vs := s.keys[k]; len(vs) > 1 && vs[len(vs)-1].at <= vs[len(vs)-2].at {
				return fmt.Sprintf("%s keeps %s at v%d after v%d: versions must increase.", n.id, k, vs[len(vs)-1].at, vs[len(vs)-2].at), []string{n.id}
			}
		}
		v.orderedStore[i], v.orderedChanges[i] = s, s.changes
	}
	return "", nil
}

func (v *versionServers) compactionBelowSnapshots(w *engine.World) (string, []string) {
	for id, n := range v.versionNodes(w) {
		if old, ok := n.mv.oldestSnapshot(); ok && n.mv.compacted > old {
			return fmt.Sprintf("%s compacted below v%d while %s's snapshot at v%d is open.", id, n.mv.compacted, n.mv.snaps[0].client, old), []string{id}
		}
	}
	return "", nil
}
