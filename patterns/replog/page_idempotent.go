package replog

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Widget titles of the Idempotent Receiver page.
const (
	WSessions = "session table"
	WRuns     = "requests run here"
)

// Invariants of the Idempotent Receiver page.
const (
	InvAppliedOnce   = "applied-at-most-once"
	InvSameResponse  = "retry-gets-original-response"
	actionIncrement  = "increment"
	kindResponse     = "ClientResponse"
	maxLostResponses = 2
)

var ttlSetting = kit.Param{Name: ParamSessionTTL, Label: "session TTL (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defSessionTTL), Min: 100, Max: 600_000}

// IdempotentReceiver: clients tag requests with (session, number), the
// replicated session table answers retries with the saved response, and a
// session without heartbeats expires by a log entry.
func IdempotentReceiver() *kit.Cluster {
	c := page(3, 3, []string{WSessions, WRuns, WStore},
		[]kit.Variant{
			{Name: VarNoDedup, Label: "no dedup",
				Description: "Nodes run every request they apply, even one whose number the session table already holds. A retry after a lost reply increments the counter a second time."},
			{Name: VarLeaderMemoryTable, Label: "session table only in the leader's memory",
				Description: "The leader remembers the responses it gave, but only in its own memory: nothing goes through the log. A retry at the same leader is answered from memory; after a failover the new leader has never heard of the request and runs it again."},
		},
		nil, []kit.Param{ttlSetting})
	c.Settings = append(slices.Clone(c.Settings), ttlSetting)
	c.Params[ParamSessionTTL] = defSessionTTL
	c.Actions = []kit.Action{
		{Name: actionIncrement, Label: "increment", Target: kit.TargetClient, Params: []kit.Param{
			{Name: "counter", Label: "counter", Type: kit.ParamString, Default: "c"},
			{Name: "node", Label: "send to", Type: kit.ParamNode},
		}},
		{Name: "force-election", Label: "start an election", Target: kit.TargetNode},
	}
	c.Build = func(cfg engine.Config) engine.Model {
		return engine.Model{
			NewProcess: newSessionProcess,
			Invariants: func() []engine.Invariant { return append(sessionCheckers(), checkers(cfg, safety)...) },
		}
	}
	model := CounterModel
	c.Porcupine = &model
	c.HistoryChecks = nil
	c.Workload = sessionWorkload
	c.Settled = settledSessions
	c.NodeFacts, c.ClientFacts = sessionNodeFacts, sessionClientFacts
	c.Faults = sessionFaults
	c.Smoke = kit.Smoke{Ready: `leader != ""`, Commands: []engine.Command{
		{Kind: engine.CmdClient, Node: "alice", Name: actionIncrement, Args: map[string]string{"counter": "c"}},
	}}
	return c
}

func newSessionProcess(id string, role engine.Role) engine.Process {
	if role == engine.RoleClient {
		return newSessionClient(id)
	}
	return newNode(id)
}

// sessionWorkload: alice or bob increments counter c or d, now and then
// at a named server.
func sessionWorkload(r *rand.Rand, nodes, clients []string) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Name: actionIncrement,
		Args: map[string]string{"counter": string(rune('c' + r.IntN(2)))}}
	if r.IntN(4) == 0 {
		c.Args["node"] = nodes[r.IntN(len(nodes))]
	}
	return c
}

// sessionFaults aim the sweep at the Idempotent Receiver's moments: a
// response lost after its request ran (the client retries), the leader
// crashing after it ran a request (the retry reaches a new one), and a
// client silent for longer than a short TTL (its session expires under a
// retry still to come).
var sessionFaults = []kit.FaultGen{
	{Name: "lose-response", Draw: loseResponse},
	{Name: "crash-leader", Draw: crashLeader},
	{Name: "stall-client", Draw: stallClient},
	{Name: "short-session-ttl", Draw: shortSessionTTL},
}

// stallClient resumes a paused client, or pauses one (the sweep's healing
// brings back servers only).
func stallClient(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	clients := w.Members(engine.RoleClient)
	if len(clients) == 0 {
		return engine.Command{}, false
	}
	id := clients[r.IntN(len(clients))]
	if w.Status(id) == engine.StatusPaused {
		return engine.Command{Kind: engine.CmdResume, Node: id}, true
	}
	return engine.Command{Kind: engine.CmdPause, Node: id}, true
}

// shortSessionTTL sets the TTL to 200–800 ms, or back to its default.
func shortSessionTTL(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	v := defSessionTTL
	if r.IntN(3) > 0 {
		v = 200 + r.IntN(601)
	}
	return engine.Command{Kind: engine.CmdParam, Name: ParamSessionTTL, Value: v}, true
}

// loseResponse drops the next one or two responses to a client.
func loseResponse(r *rand.Rand, w *engine.World) (engine.Command, bool) {
	return engine.Command{Kind: engine.CmdDropNext, MsgKind: kindResponse, Count: 1 + r.IntN(maxLostResponses)}, true
}

// sessionCheckers: each request runs at most once on a node, and every
// answer a node gives to a request is the one it gave first.
func sessionCheckers() []engine.Invariant {
	return []engine.Invariant{
		{Name: InvAppliedOnce, Description: "Each (session, request number) is run at most once by any node's state machine: a retry is answered, not run again.",
			Check: func(w *engine.World) (string, []string) {
				for _, id := range w.Nodes() {
					if n := nodeOf(w, id); n != nil && n.sessions != nil && n.sessions.twice != nil {
						k := *n.sessions.twice
						return fmt.Sprintf("%s ran request #%d of session %d %d times: one request, more than one increment.", id, k.req, k.session, n.sessions.runs[k].runs), []string{id}
					}
				}
				return "", nil
			}},
		{Name: InvSameResponse, Description: "A retried request gets exactly the response its first run produced.",
			Check: func(w *engine.World) (string, []string) {
				for _, id := range w.Nodes() {
					if n := nodeOf(w, id); n != nil && n.sessions != nil && n.sessions.changed != nil {
						k := *n.sessions.changed
						return fmt.Sprintf("%s answered request #%d of session %d with a response other than its first (%s).", id, k.req, k.session, n.sessions.runs[k].first), []string{id}
					}
				}
				return "", nil
			}},
	}
}

// settledSessions: all that replog's Settled asks, and every node holds
// the same counters and the same sessions.
func settledSessions(w *engine.World) kit.Verdict {
	if v := Settled(w); !v.OK {
		return v
	}
	var first *Node
	for _, id := range w.Members(engine.RoleNode) {
		n := nodeOf(w, id)
		if first == nil {
			first = n
			continue
		}
		if !maps.Equal(n.kv, first.kv) {
			return kit.Verdict{Check: "counters-agree", Text: fmt.Sprintf("%s's counters %v differ from %s's %v.", id, n.kv, first.id, first.kv)}
		}
		if !slices.Equal(n.sessions.ids, first.sessions.ids) {
			return kit.Verdict{Check: "sessions-agree", Text: fmt.Sprintf("%s's sessions %v differ from %s's %v.", id, n.sessions.ids, first.id, first.sessions.ids)}
		}
	}
	return kit.Verdict{Check: "settled", OK: true, Text: "one leader; every node holds the same log, counters and session table."}
}

// SessionNodeFacts are a server's facts on the Idempotent Receiver page.
type SessionNodeFacts struct {
	Generation int            `fact:"generation" doc:"its generation (term)"`
	Leader     string         `fact:"leader" doc:"whom it believes leads its generation (\"\" if unknown)"`
	HWM        int            `fact:"hwm" doc:"its high-water mark (commit index)"`
	Applied    int            `fact:"applied" doc:"entries applied to its state machine"`
	Counters   map[string]int `fact:"counters" doc:"each counter's value in its state machine"`
	Sessions   int            `fact:"sessions" doc:"sessions in its session table"`
	Saved      int            `fact:"saved" doc:"responses saved in its session table, all sessions together"`
	Hits       int            `fact:"hits" doc:"requests it answered from a saved response instead of running them"`
	RunTwice   int            `fact:"runTwice" doc:"requests its state machine ran more than once"`
}

// SessionClientFacts are a client's facts on the Idempotent Receiver page.
type SessionClientFacts struct {
	OK      int    `fact:"ok" doc:"its operations that succeeded"`
	Unknown int    `fact:"unknown" doc:"its operations that timed out, gave up or were refused for an expired session (may or may not have happened)"`
	Pending int    `fact:"pending" doc:"its operations waiting for an answer"`
	Last    string `fact:"last" doc:"a short text of its last outcome"`
	Session int    `fact:"session" doc:"its session id (0 while it has none)"`
	Expired int    `fact:"expired" doc:"its requests refused with SessionExpired"`
}

var sessionNodeFacts = kit.ProcessFacts(func(w *engine.World, id string) (SessionNodeFacts, bool) {
	n := nodeOf(w, id)
	if n == nil || n.sessions == nil {
		return SessionNodeFacts{}, false
	}
	s := n.sessions
	f := SessionNodeFacts{Generation: n.gen, Leader: n.leader, HWM: n.hwm, Applied: n.applied,
		Counters: make(map[string]int, len(n.kv)), Sessions: len(s.ids), Hits: s.hits}
	for k, v := range n.kv {
		f.Counters[k] = counterValue(v)
	}
	for _, t := range s.table {
		f.Saved += len(t.saved)
	}
	for _, r := range s.runs {
		if r.runs > 1 {
			f.RunTwice++
		}
	}
	return f, true
})

var sessionClientFacts = kit.ProcessFacts(func(w *engine.World, id string) (SessionClientFacts, bool) {
	c, _ := w.Process(id).(*SessionClient)
	if c == nil {
		return SessionClientFacts{}, false
	}
	return SessionClientFacts{OK: c.rc.OK, Unknown: c.rc.Unknown, Pending: len(c.rc.Pending()), Last: c.rc.Last(),
		Session: c.session, Expired: c.expired}, true
})

// sessionWidgets are the session table and the apply-count chips (none
// off this page).
func (n *Node) sessionWidgets() []engine.Widget {
	s := n.sessions
	if s == nil {
		return nil
	}
	rows := make([]engine.TableRow, 0, len(s.ids))
	for _, id := range s.ids {
		t := s.table[id]
		saved := slices.Sorted(maps.Keys(t.saved))
		text := ""
		for i, r := range saved {
			if i > 0 {
				text += ", "
			}
			text += "#" + itoa(r) + "→" + t.saved[r]
		}
		rows = append(rows, engine.Row(engine.Cell{Text: "s" + itoa(id) + " " + t.client},
			engine.Cell{Text: orDash(text)}, engine.Cell{Text: itoa(t.acked)}, engine.Cell{Text: orDash(t.lookup), State: t.state}))
	}
	out := []engine.Widget{engine.TableWidget(WSessions, []string{"session", "saved", "acked", "lookup"}, rows...)}
	chips := make([]engine.TableRow, 0, len(s.recent))
	for _, k := range s.recent {
		r := s.runs[k]
		st := engine.StateOK
		if r.runs > 1 {
			st = engine.StateBad
		}
		chips = append(chips, engine.Row(engine.Cell{Text: "s" + itoa(k.session) + " #" + itoa(k.req)},
			engine.Cell{Text: r.first}, engine.Cell{Text: itoa(r.runs) + "×", State: st}))
	}
	out = append(out, engine.TableWidget(WRuns, []string{"request", "first answer", "run"}, chips...))
	if len(s.memory) > 0 {
		keys := slices.SortedFunc(maps.Keys(s.memory), func(a, b sreq) int {
			if a.session != b.session {
				return a.session - b.session
			}
			return a.req - b.req
		})
		mem := make([]engine.KVPair, 0, len(keys))
		for _, k := range keys {
			mem = append(mem, engine.KVPair{Key: "s" + itoa(k.session) + " #" + itoa(k.req), Value: s.memory[k]})
		}
		out = append(out, engine.KVWidget("saved in the leader's memory only", mem...))
	}
	out = append(out, engine.FieldsWidget("dedup", engine.Field{Label: "retries answered from the table", Value: itoa(s.hits)},
		engine.Field{Label: "session TTL", Value: s.ttl.String()}))
	return out
}
