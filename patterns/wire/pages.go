// Package wire is what happens on the wire between a client and a server:
// the Request Pipeline page (alice keeps several requests in flight to
// athens, capped by a window, in one ordered stream) and the Request Batch
// page (alice and bob each gather requests into one message, sent when
// full or when the oldest has waited long enough). Both run against the
// same key-value server, whose single thread pays a cost per message plus
// a cost per request.
//
// Costs are modelled with what the engine has: link delay, bandwidth and a
// cost per message (the network settings; FIFO links for the pipeline's
// one connection) and the server's service time. Messages say their size
// (messages.go): a BatchRequest's grows with its entries but pays the
// frame header once, so on a slow link one batch beats as many singles.
package wire

import (
	"math/rand/v2"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Settings.
const (
	ParamWindow      = "max-in-flight"
	ParamQueue       = "receive-queue"
	ParamMessageCost = "message-cost-us"
	ParamRequestCost = "request-cost-us"
	ParamResend      = "resend-ms"
	ParamBatch       = "batch-size"
	ParamLinger      = "linger-ms"
	ParamLoad        = "load-per-s"
)

const (
	defWindow      = 5
	maxWindow      = 64
	defQueue       = 16
	defMessageCost = 1000
	defRequestCost = 0
	defResend      = 200
	defBatch       = 10
	defLinger      = 5
	defLoad        = 100
)

// Broken variants.
const (
	VarNoOrderCheck    = "no-order-check"
	VarUnboundedWindow = "unbounded-window"
	VarNoLinger        = "linger-infinite"
	VarByPosition      = "responses-by-position"
)

// actBurst is a client action: many requests at once.
const actBurst = "burst"

func param(name, label string, def, lo, hi int) kit.Param {
	return kit.Param{Name: name, Label: label, Type: kit.ParamInt, Default: strconv.Itoa(def), Min: lo, Max: hi}
}

var (
	pWindow = param(ParamWindow, "max in flight (1 = stop-and-wait)", defWindow, 1, maxWindow)
	pQueue  = param(ParamQueue, "athens's receive queue (messages; a full queue drops what arrives)", defQueue, 1, 1024)
	pResend = param(ParamResend, "resend after no answer for (ms)", defResend, 1, 60_000)
	pBatch  = param(ParamBatch, "batch size (requests)", defBatch, 1, 500)
	pLinger = param(ParamLinger, "linger (ms the oldest request may wait)", defLinger, 0, 10_000)
	pLoad   = param(ParamLoad, "offered load per client (requests/s, 0 = only what you send)", defLoad, 0, 2000)
	// The pipeline's load is alice's writes to x.
	pWrites = param(ParamLoad, "alice's offered load (writes/s, 0 = only what you send)", defLoad, 0, 2000)
)

func costs(msg, req int) []kit.Param {
	return []kit.Param{
		param(ParamMessageCost, "athens's cost per message (µs)", msg, 0, 1_000_000),
		param(ParamRequestCost, "athens's cost per request in a message (µs)", req, 0, 1_000_000),
	}
}

func named(names ...string) func(int) string {
	return func(i int) string {
		if i < len(names) {
			return names[i]
		}
		return ""
	}
}

func defaults(settings []kit.Param) map[string]int {
	m := map[string]int{}
	for _, p := range settings {
		m[p.Name], _ = strconv.Atoi(p.Default)
	}
	return m
}

func layout(c *kit.Cluster) *kit.Cluster {
	c.MustLayout(1)
	return c
}

// RequestPipeline is the pipeline page: alice sends to athens over one
// ordered connection (a FIFO link, 10 ms each way on average).
func RequestPipeline() *kit.Cluster {
	settings := append([]kit.Param{pWindow, pWrites, pQueue, pResend}, costs(defMessageCost, defRequestCost)...)
	model := PipelineModel
	return layout(&kit.Cluster{
		Roles: []kit.Role{
			{Name: engine.RoleNode, Names: named("athens")},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(1), Names: named("alice")},
		},
		Size: 1, MinNodes: 1, MaxNodes: 1,
		Params: defaults(settings), Settings: settings, ParamDocs: []kit.Param{pWindow, pWrites, pQueue, pResend, settings[4]},
		Variants: []kit.Variant{
			{Name: VarNoOrderCheck, Label: "pipelining without an order check",
				Description: "athens applies every request the moment it arrives, whatever came before it. When #3 is lost and #4 and #5 get through, they are applied; #3 is resent and applied after them, so x ends with #3's value."},
			{Name: VarUnboundedWindow, Label: "unbounded window",
				Description: "alice sends everything she has at once, however many requests are already in flight. A burst fills athens's receive queue and it drops requests, which must all be sent again."},
		},
		Actions: []kit.Action{
			{Name: actBurst, Label: "burst of writes to x", Target: kit.TargetClient, Params: []kit.Param{param("count", "how many", 10, 1, maxBurst)}},
			{Name: opPut, Label: "put", Target: kit.TargetClient, Params: []kit.Param{keyParam, {Name: "value", Label: "value (empty: the next number)", Type: kit.ParamString}}},
			getAction,
		},
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{NewProcess: newPipelineProcess, Invariants: pipelineInvariants}
		},
		Porcupine:    &model,
		DefaultDelay: engine.NetSettings{MinDelay: engine.Duration(5 * time.Millisecond), MeanDelay: engine.Duration(10 * time.Millisecond), FIFO: true},
		Emphasis:     []string{wWindow, wThroughput},
		Workload:     PipelineWorkload,
		Settled:      settled,
		Faults:       []kit.FaultGen{dropRequest},
		NodeFacts:    serverFactSource, ClientFacts: clientFactSource,
		Smoke: kit.Smoke{Ready: `nodes.athens.status == "up"`, Commands: []engine.Command{
			noLoad,
			{Kind: engine.CmdClient, Node: "alice", Name: actBurst, Args: map[string]string{"count": "10"}},
		}},
	})
}

// RequestBatch is the batch page: alice and bob each batch their requests
// to athens, whose cost per message is what a batch saves.
func RequestBatch() *kit.Cluster {
	settings := append([]kit.Param{pBatch, pLinger, pLoad, pQueue, pResend}, costs(2000, 50)...)
	model := kit.KVModel
	return layout(&kit.Cluster{
		Roles: []kit.Role{
			{Name: engine.RoleNode, Names: named("athens")},
			{Name: engine.RoleClient, Client: true, Count: kit.Fixed(2), Names: named("alice", "bob")},
		},
		Size: 1, MinNodes: 1, MaxNodes: 1,
		Params: defaults(settings), Settings: settings, ParamDocs: []kit.Param{pBatch, pLinger, pLoad, settings[5], settings[6]},
		Variants: []kit.Variant{
			{Name: VarNoLinger, Label: "linger = ∞",
				Description: "The batcher sends only full batches. Under a heavy load that is fine; under a light one a batch never fills, and the requests in it are never sent."},
			{Name: VarByPosition, Label: "responses matched by position",
				Description: "The batcher gives the i-th answer of the response to the i-th request of the batch without reading the answer's id. athens lists refused requests apart, so after a refused one every future gets its neighbour's answer."},
		},
		Actions: []kit.Action{
			{Name: actBurst, Label: "burst of requests", Target: kit.TargetClient, Params: []kit.Param{
				param("count", "how many", 10, 1, maxBurst),
				param("invalid", "which one is invalid (0 = none)", 0, 0, maxBurst)}},
			{Name: opPut, Label: "put", Target: kit.TargetClient, Params: []kit.Param{keyParam, {Name: "value", Label: "value (empty is refused as invalid)", Type: kit.ParamString, Default: "1"}}},
			getAction,
		},
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{NewProcess: newBatchProcess, Invariants: batchInvariants}
		},
		Porcupine:    &model,
		DefaultDelay: engine.NetSettings{MinDelay: engine.Duration(2 * time.Millisecond), MeanDelay: engine.Duration(5 * time.Millisecond), FIFO: true},
		Emphasis:     []string{wRates, wLatency},
		Workload:     BatchWorkload,
		Settled:      settled,
		Faults:       []kit.FaultGen{dropBatch},
		NodeFacts:    serverFactSource, ClientFacts: clientFactSource,
		Smoke: kit.Smoke{Ready: `nodes.athens.status == "up"`, Commands: []engine.Command{
			noLoad,
			{Kind: engine.CmdClient, Node: "alice", Name: actBurst, Args: map[string]string{"count": "10", "invalid": "4"}},
		}},
	})
}

// getAction reads a key through the client's sender or batcher (both pages).
var getAction = kit.Action{Name: opGet, Label: "get", Target: kit.TargetClient, Params: []kit.Param{keyParam}}

// keyParam is the key a put or get names.
var keyParam = kit.Param{Name: "key", Label: "key", Type: kit.ParamString, Default: "x"}

// noLoad turns the offered load off, so that the smoke test's requests are
// the only ones and their answers end what is pending.
var noLoad = engine.Command{Kind: engine.CmdParam, Name: ParamLoad, Value: 0}

func newPipelineProcess(id string, role engine.Role) engine.Process {
	if role == engine.RoleClient {
		return newSender(id)
	}
	return newServer(id)
}

func newBatchProcess(id string, role engine.Role) engine.Process {
	if role == engine.RoleClient {
		return newBatcher(id)
	}
	return newServer(id)
}

// PipelineWorkload is one random operation of alice's for sweeps: mostly
// bursts of writes (so that many are in flight), and reads of x.
func PipelineWorkload(r *rand.Rand, nodes, clients []string) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Args: map[string]string{}}
	switch k := r.IntN(10); {
	case k < 5:
		c.Name, c.Args["count"] = actBurst, strconv.Itoa(2+r.IntN(7))
	case k < 8:
		c.Name, c.Args["key"] = opGet, "x"
	default:
		c.Name, c.Args["key"] = opPut, "x"
	}
	return c
}

// BatchWorkload is one random operation for sweeps: single puts and gets
// (which a batch must not keep waiting) and bursts, a third of them with
// an invalid request inside.
func BatchWorkload(r *rand.Rand, nodes, clients []string) engine.Command {
	c := engine.Command{Kind: engine.CmdClient, Node: clients[r.IntN(len(clients))], Args: map[string]string{}}
	switch k := r.IntN(10); {
	case k < 4:
		n := 2 + r.IntN(14)
		c.Name, c.Args["count"] = actBurst, strconv.Itoa(n)
		if r.IntN(3) == 0 {
			c.Args["invalid"] = strconv.Itoa(1 + r.IntN(n))
		}
	case k < 7:
		c.Name, c.Args["key"] = opGet, keys[r.IntN(len(keys))]
	default:
		c.Name, c.Args["key"], c.Args["value"] = opPut, keys[r.IntN(len(keys))], strconv.Itoa(r.IntN(100))
	}
	return c
}

// dropRequest loses the next request (or its response) between a client
// and athens: the loss a pipeline must recover from in order. Sweeps draw
// link faults between servers only, and here there is one server.
var dropRequest = dropNext("drop-request", "Request", "Response")

// dropBatch loses the next batch or its response.
var dropBatch = dropNext("drop-batch", "BatchRequest", "BatchResponse")

func dropNext(name, request, response string) kit.FaultGen {
	return kit.FaultGen{Name: name, Draw: func(r *rand.Rand, w *engine.World) (engine.Command, bool) {
		clients, servers := w.Members(engine.RoleClient), w.Members(engine.RoleNode)
		if len(clients) == 0 || len(servers) == 0 {
			return engine.Command{}, false
		}
		c, s := clients[r.IntN(len(clients))], servers[0]
		if r.IntN(4) == 0 {
			return engine.Command{Kind: engine.CmdDropNext, From: s, To: c, MsgKind: response, Count: 1}, true
		}
		return engine.Command{Kind: engine.CmdDropNext, From: c, To: s, MsgKind: request, Count: 1}, true
	}}
}
