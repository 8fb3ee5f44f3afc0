package lessons

import (
	"maps"
	"sort"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/kit"
)

// A toy pattern for testing the scenario machinery on its own, without the
// real patterns (which change under their own authors): every node beats to
// every other node each 100ms and takes the smallest name it heard from in
// the last 300ms (itself included) as leader. The broken variant "selfish"
// makes every node lead. Clients write to a node and get an ack.

type beat struct{}

func (beat) Kind() string { return "Beat" }

type put struct{ Key, Value string }

func (put) Kind() string { return "Put" }

type putOK struct{ Op int }

func (putOK) Kind() string { return "PutOK" }

type toyNode struct {
	id     string
	heard  map[string]time.Duration
	leader string
	beats  int
	data   map[string]string
	last   string         // the key stored last
	ops    map[string]int // client side: pending op ids by key
}

func (n *toyNode) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		n.heard, n.data, n.ops = map[string]time.Duration{}, map[string]string{}, map[string]int{}
		if !contains(env.Peers(), env.ID()) {
			return // a client
		}
		env.SetTimer("tick", 100*time.Millisecond)
	case engine.EvTimer:
		for _, p := range env.Peers() {
			if p != env.ID() {
				env.Send(p, beat{})
			}
		}
		n.beats++
		if n.beats >= 3 { // listen a while before choosing
			n.decide(env)
		}
		env.SetTimer("tick", 100*time.Millisecond)
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case beat:
			n.heard[ev.From] = env.Now()
		case put:
			n.data[m.Key] = m.Value
			n.last = m.Key
			env.Send(ev.From, putOK{})
		case putOK:
			for k, id := range n.ops {
				env.Complete(id, "ok", engine.OpOK)
				delete(n.ops, k)
			}
		}
	case engine.EvRequest:
		r := ev.Request
		n.ops[r.Args["key"]] = env.Invoke(r.Name + " " + r.Args["key"] + "=" + r.Args["value"])
		env.Send(r.Args["node"], put{Key: r.Args["key"], Value: r.Args["value"]})
	}
}

func (n *toyNode) decide(env engine.Env) {
	old := n.leader
	n.leader = env.ID()
	if !env.Variant("selfish") {
		var live []string
		for p, t := range n.heard {
			if env.Now()-t <= 300*time.Millisecond {
				live = append(live, p)
			}
		}
		sort.Strings(live)
		if len(live) > 0 && live[0] < n.leader {
			n.leader = live[0]
		}
	}
	if n.leader != old {
		env.Note("%s follows %s", env.ID(), n.leader)
	}
}

func (n *toyNode) View() engine.ProcessView {
	toyViews.Add(1)
	role := "follower"
	if n.leader == n.id {
		role = "leader"
	}
	return engine.ProcessView{Role: role}
}

// toyFacts are a toy node's facts.
type toyFacts struct {
	Leader  string            `fact:"leader" doc:"whom it follows"`
	Beats   int64             `fact:"beats" doc:"beats sent"`
	Keys    int               `fact:"keys" doc:"keys stored"`
	LastKey string            `fact:"lastKey" doc:"the key stored last, once there is one"`
	Data    map[string]string `fact:"data" doc:"what it stores, by key"`
}

func toyFactsOf(w *engine.World, id string) (toyFacts, bool) {
	n, ok := w.Process(id).(*toyNode)
	if !ok {
		return toyFacts{}, false
	}
	return toyFacts{Leader: n.leader, Beats: int64(n.beats), Keys: len(n.data), LastKey: n.last, Data: maps.Clone(n.data)}, true
}

type toyClusterFacts struct {
	Leader string `fact:"leader" doc:"the first up node that leads"`
}

func toyCluster() *kit.Cluster {
	return &kit.Cluster{
		Nodes:    patterns.NodeNames(3),
		MinNodes: 1, MaxNodes: 5,
		Clients:  []string{"alice"},
		Params:   map[string]int{"beat-ms": 100},
		Variants: []kit.Variant{{Name: "selfish", Label: "every node leads"}},
		Actions: []kit.Action{{Name: "write", Target: "client", Params: []kit.Param{
			{Name: "key", Type: "string"}, {Name: "value", Type: "string"}, {Name: "node", Type: "node"}}}},
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{
				NewProcess: func(id string, role engine.Role) engine.Process { return &toyNode{id: id} },
				Invariants: func() []engine.Invariant {
					return []engine.Invariant{{Name: "one-leader", Check: func(w *engine.World) (string, []string) {
						var leaders []string
						for _, id := range w.Nodes() {
							if n, ok := w.Process(id).(*toyNode); ok && w.Status(id) == "up" && n.leader == id {
								leaders = append(leaders, id)
							}
						}
						if len(leaders) > 1 {
							return "two nodes lead at once", leaders
						}
						return "", nil
					}}}
				},
			}
		},
		NodeFacts: kit.ProcessFacts(toyFactsOf),
		ClusterFacts: kit.ClusterFacts(func(w *engine.World) toyClusterFacts {
			for _, id := range w.Nodes() {
				if n, ok := w.Process(id).(*toyNode); ok && w.Status(id) == "up" && n.leader == id {
					return toyClusterFacts{Leader: id}
				}
			}
			return toyClusterFacts{}
		}),
	}
}

var toyPattern = &patterns.Pattern{ID: "toy", Title: "Toy", Cluster: toyCluster()}

func toyLookup(id string) (*patterns.Pattern, bool) {
	if id == "toy" {
		return toyPattern, true
	}
	return patterns.ByID(id)
}
