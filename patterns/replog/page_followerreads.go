package replog

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Widget titles of the Follower Reads page.
const (
	WVersion = "version and leader contact"
	WParked  = "parked reads"
	WSession = "session"
	WApplied = "applied versions, of the leader's"
)

// Invariants of the Follower Reads page (the session guarantees are
// history checks: read-your-writes, monotonic reads).
const (
	// InvStalenessBound: a server answers a follower read only while it was
	// in touch with the leader within the max lag.
	InvStalenessBound = "staleness-within-max-lag"
	// InvParkedAnswered: no read stays parked once its version is applied.
	InvParkedAnswered = "parked-reads-answered"
)

var followerReadSettings = []kit.Param{
	{Name: ParamMaxLag, Label: "max lag (ms): refuse reads after this long without the leader", Type: kit.ParamInt, Default: strconv.Itoa(defMaxLag), Min: 1, Max: 600_000},
	{Name: ParamReadTimeout, Label: "follower wait timeout (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defReadTimeout), Min: 1, Max: 600_000},
	{Name: ParamReadLeader, Label: "reads go to (0 = nearest server, 1 = leader)", Type: kit.ParamInt, Default: "0", Min: 0, Max: 1},
}

// FollowerReads: reads answered by the nearest server once it has applied
// the client's session version; writes through the leader.
func FollowerReads() *kit.Cluster {
	c := page(3, 3, []string{WVersion, WParked, WSession},
		[]kit.Variant{
			{Name: VarIgnoreMinVersion, Label: "ignore the minimum version",
				Description: "A server answers a follower read at once from whatever it has applied, whatever version the client asked for. A client that has just written can read from a follower that has not applied its write yet, and sees the value from before it."},
			{Name: VarStaleServes, Label: "a partitioned follower keeps serving",
				Description: "A server answers follower reads however long ago it last heard from the leader. A follower cut off from the leader keeps handing out its old state, staler by the second."},
		},
		append([]string{InvStalenessBound, InvParkedAnswered, InvReadsCommitted}, without(safety, InvReadsCommitted)...),
		followerReadSettings)
	c.Settings = append(slices.Clone(c.Settings), followerReadSettings...)
	for _, p := range followerReadSettings {
		c.Params[p.Name], _ = strconv.Atoi(p.Default)
	}
	build := c.Build
	c.Build = func(cfg engine.Config) engine.Model {
		m := build(cfg)
		m.NewProcess = newFollowerReadsProcess
		m.View = appliedVersions
		return m
	}
	// Follower reads are not linearizable, by design: porcupine would flag
	// every stale answer. The session guarantees are what they promise.
	c.Porcupine = nil
	c.Actions = followerReadActions()
	c.NodeFacts, c.ClientFacts = frNodeFactSource, frClientFactSource
	c.Workload = followerReadWorkload
	c.Faults = followerReadFaults
	c.Smoke = kit.Smoke{Ready: `leader != ""`, Commands: []engine.Command{
		{Kind: engine.CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "x", "value": "1"}},
		{Kind: engine.CmdClient, Node: "alice", Name: "read", Args: map[string]string{"key": "x"}},
	}}
	return c
}

// nearest is the read form's default target: the client's nearest server.
const nearest = "nearest"

// followerReadActions: a read goes to the nearest server unless the
// learner picks one.
func followerReadActions() []kit.Action {
	out := slices.Clone(actions)
	for i, a := range out {
		if a.Name != "read" {
			continue
		}
		choices := []string{nearest}
		for j := range maxServers {
			choices = append(choices, kit.ServerName(j))
		}
		a.Params = []kit.Param{a.Params[0], {Name: "node", Label: "send to", Type: kit.ParamChoice, Choices: choices, Default: nearest}}
		out[i] = a
	}
	return out
}

func newFollowerReadsProcess(id string, role engine.Role) engine.Process {
	if role == engine.RoleClient {
		return newReadSessionClient(id)
	}
	return newNode(id)
}

// appliedVersions is the cluster panel: every server's applied version
// against the leader's.
func appliedVersions(w *engine.World) []engine.Widget {
	ids := w.Members(engine.RoleNode)
	top := 1
	for _, id := range ids {
		if n := nodeOf(w, id); n != nil && n.role == Leader && w.Status(id) == engine.StatusUp {
			top = max(top, n.applied)
		}
	}
	meters := make([]engine.Meter, 0, len(ids))
	for _, id := range ids {
		n := nodeOf(w, id)
		if n == nil {
			meters = append(meters, engine.Meter{Label: id + " (down)", Max: float64(top)})
			continue
		}
		meters = append(meters, engine.Meter{Label: id, Value: float64(n.applied), Max: float64(max(top, n.applied))})
	}
	return []engine.Widget{engine.MeterWidget(WApplied, meters...)}
}

// followerReadWorkload: each client writes its own key through the
// leader and reads it back from the nearest server, now and then from a
// named one. A key of one's own (a user's profile, alice's book title) is
// what sessions are for: a stale read of it is a stale read of one's own
// write, which the sweep then reports as such.
func followerReadWorkload(r *rand.Rand, nodes, clients []string) engine.Command {
	i := r.IntN(len(clients))
	c := engine.Command{Kind: engine.CmdClient, Node: clients[i], Args: map[string]string{"key": string(rune('x' + i%3))}}
	if r.IntN(2) == 0 {
		c.Name = "write"
		c.Args["value"] = strconv.Itoa(r.IntN(1_000_000))
		return c
	}
	c.Name = "read"
	if r.IntN(4) == 0 {
		c.Args["node"] = nodes[r.IntN(len(nodes))]
	}
	return c
}

// followerReadFaults: a follower the leader's messages reach late (it
// lags, so a read right after a write finds it behind), and a follower cut
// off from the other servers while the clients can still reach it (the
// case the max lag is for). Left to chance, a follower is behind for one
// round trip after each write, and a read seldom lands in it.
var followerReadFaults = []kit.FaultGen{
	{Name: "slow-follower-link", Draw: slowFollowerLink},
	{Name: "isolate-follower", Draw: isolateFollower},
}

// slowFollowerLink delays what the leader sends one follower by 50 to
// 400 ms (healing restores the link).
func slowFollowerLink(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	leader, followers := "", []string(nil)
	for _, id := range w.Members(engine.RoleNode) {
		if n := nodeOf(w, id); n != nil && w.Status(id) == engine.StatusUp {
			if n.role == Leader {
				leader = id
			} else {
				followers = append(followers, id)
			}
		}
	}
	if leader == "" || len(followers) == 0 {
		return engine.Command{}, false
	}
	d := engine.Duration(time.Duration(50+r.IntN(351)) * time.Millisecond)
	return engine.Command{Kind: engine.CmdNetwork, From: leader, To: followers[r.IntN(len(followers))],
		Net: &engine.NetSettings{MinDelay: d, MeanDelay: d}}, true
}

func isolateFollower(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	var followers []string
	for _, id := range w.Members(engine.RoleNode) {
		if n := nodeOf(w, id); n != nil && n.role == Follower && w.Status(id) == engine.StatusUp {
			followers = append(followers, id)
		}
	}
	if len(followers) == 0 {
		return engine.Command{}, false
	}
	cut := followers[r.IntN(len(followers))]
	alone := append([]string{cut}, w.Members(engine.RoleClient)...)
	var rest []string
	for _, id := range w.Members(engine.RoleNode) {
		if id != cut {
			rest = append(rest, id)
		}
	}
	return engine.Command{Kind: engine.CmdPartition, Groups: [][]string{alone, rest}}, true
}

// FRNodeFacts are a server's facts on the Follower Reads page.
type FRNodeFacts struct {
	Generation int    `fact:"generation" doc:"its generation (term)"`
	Leader     string `fact:"leader" doc:"whom it believes leads its generation (\"\" if unknown)"`
	HWM        int    `fact:"hwm" doc:"its high-water mark (commit index)"`
	Applied    int    `fact:"applied" doc:"its applied version: entries applied to its key-value store"`
	Parked     int    `fact:"parked" doc:"reads parked here, waiting for their version"`
	Served     int    `fact:"served" doc:"follower reads it answered"`
	Refused    int    `fact:"refused" doc:"follower reads it refused (out of touch) or gave up (wait timed out)"`
}

// FRClientFacts are a client's facts on the Follower Reads page.
type FRClientFacts struct {
	OK      int    `fact:"ok" doc:"its operations that succeeded"`
	Failed  int    `fact:"failed" doc:"its operations that failed (did not happen)"`
	Unknown int    `fact:"unknown" doc:"its operations that timed out or gave up (may or may not have happened)"`
	Pending int    `fact:"pending" doc:"its operations waiting for an answer"`
	Last    string `fact:"last" doc:"a short text of its last outcome"`
	Session int    `fact:"session" doc:"its session version: the highest version its writes and reads have seen"`
}

var (
	frNodeFactSource = kit.ProcessFacts(func(w *engine.World, id string) (FRNodeFacts, bool) {
		n := nodeOf(w, id)
		if n == nil {
			return FRNodeFacts{}, false
		}
		return FRNodeFacts{Generation: n.gen, Leader: n.leader, HWM: n.hwm, Applied: n.applied,
			Parked: len(n.fr.parked), Served: n.fr.served, Refused: n.fr.refused}, true
	})
	frClientFactSource = kit.ProcessFacts(func(w *engine.World, id string) (FRClientFacts, bool) {
		c, _ := w.Process(id).(*ReadSessionClient)
		if c == nil {
			return FRClientFacts{}, false
		}
		return FRClientFacts{OK: c.rc.OK, Failed: c.rc.Failed, Unknown: c.rc.Unknown, Pending: len(c.rc.Pending()), Last: c.rc.Last(), Session: c.session}, true
	})
)

// followerReadCheckers are the page's own invariants; each keeps how many
// reads it has seen answered per server, so it judges each answer once.
type followerReadCheck struct {
	served map[string]int
}

func (f *followerReadCheck) staleness(w *engine.World) (string, []string) {
	for _, id := range w.Members(engine.RoleNode) {
		n := nodeOf(w, id)
		if n == nil || n.fr.served == f.served[id] {
			continue
		}
		f.served[id] = n.fr.served
		last := n.fr.last
		if last.ServedWithoutLead {
			return fmt.Sprintf("%s answered %s's read at version %d without ever hearing from a leader", id, last.Client, last.Version), []string{id, last.Client}
		}
		if last.Lag > last.MaxLag {
			return fmt.Sprintf("%s answered %s's read at version %d %v after it was last in touch with the leader, beyond the max lag %v",
				id, last.Client, last.Version, last.Lag.Round(1000), last.MaxLag), []string{id, last.Client}
		}
	}
	return "", nil
}

func parkedAnswered(w *engine.World) (string, []string) {
	for _, id := range w.Members(engine.RoleNode) {
		n := nodeOf(w, id)
		if n == nil {
			continue
		}
		for _, p := range n.fr.parked {
			if p.req.MinVersion <= n.applied {
				return fmt.Sprintf("%s has applied version %d but still holds %s's read, which needs only version %d", id, n.applied, p.client, p.req.MinVersion), []string{id, p.client}
			}
		}
	}
	return "", nil
}

// followerReadInvariant builds one of the page's invariants by name.
func followerReadInvariant(name string) (engine.Invariant, bool) {
	inv := engine.Invariant{Name: name}
	switch name {
	case InvStalenessBound:
		inv.Description = "A server answers a follower read only if it was in touch with the leader (a leader: with a majority) within the max lag, by its own clock."
		inv.Check = (&followerReadCheck{served: map[string]int{}}).staleness
	case InvParkedAnswered:
		inv.Description = "No read stays parked on a server that has applied the version it waits for."
		inv.Check = parkedAnswered
	default:
		return inv, false
	}
	return inv, true
}
