// Package clockbound is the Clock-Bound Wait page. Three servers, green,
// blue and amber, keep a multi-version store; philip writes, alice and bob
// read. A write is stamped from its server's clock, and the clocks are
// apart (the engine's clock offsets). The servers assume the clocks are
// never more than maxOffset apart and wait that uncertainty out: the
// writer holds a write until its clock has passed the stamp by maxOffset
// (commit-wait), or a reader moves up to a version that lies within
// maxOffset above its own timestamp (read-restart). Either way a read that
// starts after a write finished sees it: timestamp order agrees with
// real-time order.
package clockbound

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// VarNoWait is the broken variant: the servers take their clocks for
// true time, so there is no uncertainty to wait out.
const VarNoWait = "ignore-clock-uncertainty"

// Settings.
const (
	ParamMaxOffset = "max-offset-ms"
	ParamMode      = "mode"
	// ParamBound is the error bound every server claims for its clock in
	// ClockBound mode; boundParam(id) overrides it for one server.
	ParamBound = "error-bound-ms"
	// ParamStamps: stampsWall, a server stamps from its clock; stampsHybrid,
	// a hybrid clock: never below the highest stamp a request carried.
	ParamStamps  = "stamps"
	stampsWall   = 0
	stampsHybrid = 1
	defMaxOffset = 100
	defBound     = 50
	sameBound    = -1 // a server's own bound setting left to ParamBound
)

// boundParam is the setting of one server's claimed error bound.
func boundParam(id string) string { return "error-bound-" + id + "-ms" }

// The modes.
const (
	modeCommitWait  = 0
	modeReadRestart = 1
	modeClockBound  = 2 // TrueTime / AWS ClockBound: an interval [earliest, latest]
)

// Widget titles.
const (
	WClock  = "clock"
	WStore  = "versions"
	WWaits  = "commit-waits"
	WClocks = "clocks against true time"
	WParked = "reads waiting for a commit"
)

// serverNames: green takes philip's writes in the story; blue and amber
// serve the reads.
var serverNames = []string{"green", "blue", "amber"}

var clientNames = []string{"philip", "alice", "bob"}

func nameIn(names []string) func(int) string {
	return func(i int) string {
		if i < 0 || i >= len(names) {
			return ""
		}
		return names[i]
	}
}

func errNoAction(name string) error { return fmt.Errorf("no action %q on a server", name) }

var settings = append([]kit.Param{
	{Name: ParamMaxOffset, Label: "maxOffset (ms): how far apart the servers assume their clocks can be", Type: kit.ParamInt, Default: strconv.Itoa(defMaxOffset), Min: 0, Max: 10_000},
	{Name: ParamMode, Label: "mode (0 = commit-wait, 1 = read-restart, 2 = ClockBound API)", Type: kit.ParamInt, Default: "0", Min: 0, Max: 2},
	{Name: ParamStamps, Label: "stamps (0 = from the wall clock, 1 = hybrid: never below a stamp the client has seen)", Type: kit.ParamInt, Default: "0", Min: 0, Max: 1},
	{Name: ParamBound, Label: "ClockBound mode: the error bound (ms) each server claims for its clock", Type: kit.ParamInt, Default: strconv.Itoa(defBound), Min: 0, Max: 10_000},
}, boundSettings()...)

// boundSettings: each server's own claimed error bound, to widen one or
// to claim less than its clock is really off.
func boundSettings() []kit.Param {
	var out []kit.Param
	for _, id := range serverNames {
		out = append(out, kit.Param{Name: boundParam(id), Label: "ClockBound mode: " + id + "'s own claimed error bound (ms; -1 = the one above)",
			Type: kit.ParamInt, Default: strconv.Itoa(sameBound), Min: sameBound, Max: 10_000})
	}
	return out
}

var actions = []kit.Action{
	{Name: opWrite, Label: "write", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "title"},
		{Name: "value", Label: "value", Type: kit.ParamString, Default: "After Dawn"},
		{Name: "node", Label: "on server", Type: kit.ParamNode},
		{Name: "tell", Label: "once acknowledged, phone", Type: kit.ParamChoice, Choices: []string{noCall, "alice", "bob"}, Default: noCall},
		{Name: "tell-read", Label: "who then reads it on", Type: kit.ParamNode},
	}},
	{Name: opRead, Label: "read", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "key", Label: "key", Type: kit.ParamString, Default: "title"},
		{Name: "node", Label: "on server", Type: kit.ParamNode},
	}},
	{Name: opCall, Label: "phone another client", Target: kit.TargetClient, Params: []kit.Param{
		{Name: "to", Label: "call", Type: kit.ParamChoice, Choices: []string{"alice", "bob", "philip"}, Default: "alice"},
		{Name: "key", Label: "tell what it read of", Type: kit.ParamString, Default: "title"},
		{Name: "node", Label: "who then reads it on", Type: kit.ParamNode},
		{Name: "stamp", Label: "pass on the highest stamp seen (hybrid stamps)", Type: kit.ParamChoice, Choices: []string{"yes", noStamp}, Default: "yes"},
	}},
}

// ClockBoundWait is the Clock-Bound Wait page.
func ClockBoundWait() *kit.Cluster {
	c := &kit.Cluster{
		Roles: []kit.Role{
			{Name: engine.RoleNode, Names: nameIn(serverNames)},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(len(clientNames)), Names: nameIn(clientNames)},
		},
		Size: 3, MinNodes: 2, MaxNodes: len(serverNames),
		Params:    params(),
		Settings:  settings,
		ParamDocs: settings,
		Actions:   actions,
		Variants: []kit.Variant{{Name: VarNoWait, Label: "ignore the clock uncertainty",
			Description: "The servers take their clock readings for true time: maxOffset (and, in ClockBound mode, every claimed error bound) counts as zero. A writer acknowledges a write as soon as every replica holds it, with no commit-wait, and a reader never restarts on a version just above its timestamp. A server whose clock lags then reads below a write that finished before the read began."}},
		Build: func(engine.Config) engine.Model {
			return engine.Model{NewProcess: newProcess, Invariants: invariants, View: clusterView}
		},
		// Inside one data centre a message takes a millisecond or two,
		// far less than the clocks may be apart.
		DefaultDelay:  engine.NetSettings{MinDelay: engine.Duration(500 * time.Microsecond), MeanDelay: engine.Duration(2 * time.Millisecond)},
		Porcupine:     &kit.KVModel,
		BoundedClocks: true,
		// The story is drawn twice as often as a skew: it needs the clocks
		// apart and a write that completes behind the other faults.
		Faults:    []kit.FaultGen{skewWithinBound, writeThenPhoneTheLaggard, writeThenPhoneTheLaggard},
		Emphasis:  []string{WWaits, WStore, WClocks},
		Workload:  Workload,
		Settled:   Settled,
		NodeFacts: nodeFactSource, ClientFacts: clientFactSource,
		Smoke: kit.Smoke{Ready: `nodes.green.status == "up"`, Commands: []engine.Command{
			{Kind: engine.CmdClient, Node: "philip", Name: opWrite, Args: map[string]string{"key": "title", "value": "After Dawn", "node": "green"}},
		}},
	}
	c.MustLayout(c.Size)
	return c
}

func params() map[string]int {
	p := map[string]int{ParamMaxOffset: defMaxOffset, ParamMode: modeCommitWait, ParamStamps: stampsWall, ParamBound: defBound}
	for _, id := range serverNames {
		p[boundParam(id)] = sameBound
	}
	return p
}

func newProcess(id string, role engine.Role) engine.Process {
	if role == engine.RoleClient {
		return newClient(id)
	}
	return newServer(id)
}

// Workload is one random client operation for sweeps: philip writes,
// alice and bob read, two keys, any server; now and then a reader phones
// the other, who then reads; half of philip's writes end with a call to a
// reader, who then reads the key.
func Workload(r *rand.Rand, nodes, clients []string) engine.Command {
	key := []string{"title", "date"}[r.IntN(2)]
	node := nodes[r.IntN(len(nodes))]
	readers := clients[1:]
	if len(readers) == 0 {
		readers = clients
	}
	switch k := r.IntN(10); {
	case k < 4:
		args := map[string]string{"key": key, "value": strconv.Itoa(1 + r.IntN(99)), "node": node}
		if r.IntN(2) == 0 {
			// The story in small: the writer phones a reader the moment
			// the write is acknowledged, and the reader reads at once,
			// anywhere. A reader behind the writer's clock by more than
			// the write took is where ignoring the uncertainty shows.
			args["tell"], args["tell-read"] = readers[r.IntN(len(readers))], nodes[r.IntN(len(nodes))]
		}
		return engine.Command{Kind: engine.CmdClient, Node: clients[0], Name: opWrite, Args: args}
	case k < 9 || len(readers) < 2:
		return engine.Command{Kind: engine.CmdClient, Node: readers[r.IntN(len(readers))], Name: opRead, Args: map[string]string{"key": key, "node": node}}
	}
	i := r.IntN(2)
	return engine.Command{Kind: engine.CmdClient, Node: readers[i], Name: opCall, Args: map[string]string{"to": readers[1-i], "key": key, "node": node}}
}
