package web

import (
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns"
	"clusterscope/patterns/kit"
)

// Test-only patterns that show the widget kit and the layouts, never in the
// catalog:
//
//   - test-widgets: a coordinator and its participants; every node's view
//     and the cluster view together use every widget kind.
//   - test-crowd: 200 gossiping nodes (3 core, the rest data nodes), for the
//     large-cluster layout and its frame-rate benchmark.
//
// Exported (in a test file) for the browser tests in web_test.

// gossip is the one message of both patterns.
type gossip struct{ Round int }

func (gossip) Kind() string { return "Gossip" }

// showNode sends gossip to fanout random peers every period and remembers
// what it needs to draw.
type showNode struct {
	id       string
	role     string
	period   time.Duration
	fanout   int
	full     bool // render every widget kind (test-widgets) or a small view (test-crowd)
	now      time.Duration
	sent     int
	got      int
	round    int
	leaseAt  time.Duration
	received []float64
}

func (n *showNode) Handle(env engine.Env, ev engine.Event) {
	n.now = env.Now()
	switch ev.Kind {
	case engine.EvStart:
		n.leaseAt = n.now + 800*time.Millisecond
		// A random first round: nodes that all gossip at the same instant
		// would send in bursts, with nothing in flight in between.
		env.SetTimer("gossip", time.Duration(1+env.Rand().Int64N(int64(n.period))))
	case engine.EvTimer:
		n.round++
		peers := env.Peers()
		for i := 0; i < n.fanout && len(peers) > 1; i++ {
			p := peers[env.Rand().IntN(len(peers))]
			if p != env.ID() {
				env.Send(p, gossip{Round: n.round})
				n.sent++
			}
		}
		if n.now > n.leaseAt {
			n.leaseAt = n.now + 800*time.Millisecond
		}
		n.received = append(n.received, float64(n.got))
		if len(n.received) > 30 {
			n.received = n.received[1:]
		}
		env.SetTimer("gossip", n.period)
	case engine.EvReceive:
		n.got++
	}
}

func us(d time.Duration) int64 { return d.Microseconds() }

func (n *showNode) View() engine.ProcessView {
	itoa := strconv.Itoa
	v := engine.ProcessView{Role: n.role}
	v.Widgets = append(v.Widgets, engine.FieldsWidget("State",
		engine.Field{Label: "sent", Value: itoa(n.sent)}, engine.Field{Label: "received", Value: itoa(n.got)}))
	if !n.full {
		return v
	}
	log := engine.LogWidget("Log",
		engine.LogEntry{Index: 4, Gen: 1, Text: "x=1", Synced: true, Applied: true},
		engine.LogEntry{Index: 5, Gen: 1, Text: "y=2", Synced: true, Applied: true},
		engine.LogEntry{Index: 6, Gen: 2, Text: "x=3", Synced: true},
		engine.LogEntry{Index: 7, Gen: 2, Text: "z=" + itoa(n.round)})
	log.Base, log.Segments = 4, []int{4, 6}
	log.Markers = []engine.Marker{{Name: "commit", Index: 6}}
	v.Widgets = append(v.Widgets, log,
		engine.KVWidget("Store", engine.KVPair{Key: "x", Value: "3"}, engine.KVPair{Key: "y", Value: "2"}),
		engine.ClockWidget("Clock", engine.ClockView{Value: strconv.FormatFloat(n.now.Seconds(), 'f', 3, 64) + "s", Uncertainty: "2ms"}),
		engine.VectorWidget("Vector", engine.KVPair{Key: "athens", Value: itoa(n.round)}, engine.KVPair{Key: "byzantium", Value: "2"}),
		engine.QueueWidget("Pending",
			engine.QueueItem{ID: "r" + itoa(n.round), Text: "put x", State: engine.StatePending, Expiry: us(n.now + 300*time.Millisecond)},
			engine.QueueItem{ID: "r0", Text: "get y", State: engine.StateBad}),
		engine.MeterWidget("Heartbeat", engine.Meter{Label: "since heard", Value: float64(n.round % 10), Max: 10}),
		engine.VersionsWidget("Versions", engine.KeyVersions{Key: "x", Versions: []engine.Version{
			{Value: "1", Stamp: "v1"},
			{Value: "3", Stamp: "v2", Sibling: true, Vector: []engine.KVPair{{Key: "athens", Value: "2"}}},
			{Value: "4", Stamp: "v2'", Sibling: true, Visible: true, Vector: []engine.KVPair{{Key: "cyrene", Value: "1"}}},
		}}),
		engine.DeadlineWidget("Lease", engine.Deadline{Label: "lease", Holder: n.id, Start: us(n.leaseAt - 800*time.Millisecond), At: us(n.leaseAt)}),
		engine.DiskWidget("Disk",
			engine.FileView{Name: "wal_1", Records: []string{"1 x=1", "2 y=2", "3 x=3", "4 z=4"}, Durable: 4, Bytes: 72, DurableBytes: 72, Label: "entries 1–4", Note: "sealed"},
			engine.FileView{Name: "wal_5", Records: []string{"5 x=5", "6 y=" + itoa(n.round), "7 z=7"}, Durable: 1, Torn: 3, Bytes: 54, DurableBytes: 18, Label: "entries 5–7", Note: "active", Active: true}),
		engine.GanttWidget("Requests", engine.GanttView{Now: us(n.now), Legend: []string{"queued", "work"}, Rows: []engine.GanttRow{
			{Label: "put x=After Dawn @1607.657", Note: "ok +100 ms", State: engine.StateOK, Spans: []engine.Span{
				{Name: "queued", From: us(n.now - 90*time.Millisecond), To: us(n.now - 60*time.Millisecond), Wait: true},
				{Name: "work", From: us(n.now - 60*time.Millisecond), To: us(n.now - 20*time.Millisecond), State: engine.StateBad}}},
			{Label: "get y", Spans: []engine.Span{
				{Name: "work", From: us(n.now - 40*time.Millisecond), State: engine.StateBad}}},
		}}),
	)
	return v
}

// showcaseView is test-widgets' cluster panel.
func showcaseView(w *engine.World) []engine.Widget {
	nodes := w.Nodes()
	var cells []engine.GridCell
	var got []float64
	var rows []engine.TableRow
	for i, id := range nodes {
		st := engine.StateOK
		if w.Status(id) != "up" {
			st = engine.StateBad
		}
		n, _ := w.Process(id).(*showNode)
		text := ""
		if n != nil {
			text = strconv.Itoa(n.got)
			got = append(got, float64(n.got))
		}
		cells = append(cells, engine.GridCell{ID: id, Text: text, State: st})
		state := []engine.State{engine.StateOK, engine.StatePending, engine.StateWarn, engine.StateInactive}[i%4]
		rows = append(rows, engine.Row(engine.Cell{Text: "tx" + strconv.Itoa(i+1)}, engine.Cell{Text: id}, engine.Cell{Text: string(state), State: state}))
	}
	return []engine.Widget{
		engine.TableWidget("Transactions", []string{"txn", "coordinator", "state"}, rows...),
		engine.RangesWidget("Partition table",
			engine.Range{Name: "p1", Start: "", End: "m", Owner: nodes[0], Replicas: nodes[:min(3, len(nodes))], Epoch: 2, State: engine.StateOK},
			engine.Range{Name: "p2", Start: "m", End: "", Owner: nodes[len(nodes)-1], Replicas: nodes[max(0, len(nodes)-3):], Epoch: 1, State: engine.StatePending}),
		engine.SeriesWidget("Received per node", engine.Series{Name: "received", Values: got}),
		engine.GridWidget("Nodes", cells...),
		engine.DeadlineWidget("Cluster deadline", engine.Deadline{Label: "checkpoint", Start: 0, At: us(2 * time.Second)}),
	}
}

// crowdView is test-crowd's cluster panel: one cell per node, coloured by
// how much gossip reached it.
func crowdView(w *engine.World) []engine.Widget {
	var cells []engine.GridCell
	total := 0
	for i := range w.Nodes() {
		st := engine.StateInactive
		if n, ok := w.NodeProcess(i).(*showNode); ok {
			total += n.got
			switch {
			case n.got > 6:
				st = engine.StateOK
			case n.got > 0:
				st = engine.StatePending
			}
		}
		cells = append(cells, engine.GridCell{ID: w.Nodes()[i], State: st})
	}
	return []engine.Widget{engine.GridWidget("Gossip reached", cells...),
		engine.FieldsWidget("Totals", engine.Field{Label: "received", Value: strconv.Itoa(total)})}
}

func showcasePattern(id, title string, roles []kit.Role, size int, period time.Duration, fanout int, full bool, view func(*engine.World) []engine.Widget) *patterns.Pattern {
	cl := &kit.Cluster{
		Roles: roles, Size: size, MinNodes: 1, MaxNodes: size,
		Build: func(cfg engine.Config) engine.Model {
			return engine.Model{
				NewProcess: func(id string, role engine.Role) engine.Process {
					return &showNode{id: id, role: string(role), period: period, fanout: fanout, full: full}
				},
				View: view,
			}
		},
	}
	l, err := cl.Layout(size)
	if err != nil {
		panic(err)
	}
	cl.Nodes = l.Servers
	return &patterns.Pattern{ID: id, Title: title, Track: "T9", Intent: "Shows the widget kit (tests only).", Cluster: cl}
}

// bookNames names a role's processes with the book's server names from the
// k-th on, so every server of a showcase has one (athens, ..., n008...).
func bookNames(k int) func(int) string {
	return func(i int) string { return kit.ServerName(k + i) }
}

// ShowcasePatterns are the test-only patterns above.
func ShowcasePatterns() []*patterns.Pattern {
	crowd := showcasePattern("test-crowd", "Test Crowd", []kit.Role{
		{Name: "core", Count: kit.Fixed(3)},
		{Name: "data", Names: bookNames(3)},
	}, 197, 200*time.Millisecond, 2, false, crowdView)
	// Slower links than a LAN's, so some of the gossip is always in flight.
	crowd.Cluster.DefaultDelay = engine.NetSettings{MinDelay: engine.Duration(10 * time.Millisecond), MeanDelay: engine.Duration(30 * time.Millisecond)}
	return []*patterns.Pattern{
		showcasePattern("test-widgets", "Test Widgets", []kit.Role{
			{Name: "coordinator", Count: kit.Fixed(1)},
			{Name: "participant", Names: bookNames(1)},
		}, 3, 150*time.Millisecond, 1, true, showcaseView),
		crowd,
	}
}
