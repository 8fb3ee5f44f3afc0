package engine

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The wire's test subject: a node that dials, sends numbered frames of a
// chosen size on a connection or as datagrams, and writes down what
// reaches it and on which connection.

type frame struct{ N, Bytes int }

// bare is a frame that does not say its size.
type bare struct{ N int }

func (frame) Kind() string      { return "Frame" }
func (f frame) Size() int       { return f.Bytes }
func (f frame) Summary() string { return "n=" + strconv.Itoa(f.N) }
func (bare) Kind() string       { return "Frame" }

type wireNode struct {
	conns  map[string]ConnID // by peer: the last connection dialled
	got    []string          // "conn:N" (conn 0: a datagram)
	at     []time.Duration   // when each of got arrived
	closed []ConnClosed
}

func (n *wireNode) Handle(env Env, ev Event) {
	switch ev.Kind {
	case EvStart:
		n.conns = map[string]ConnID{}
	case EvReceive:
		switch m := ev.Msg.(type) {
		case frame:
			n.got = append(n.got, fmt.Sprintf("%d:%d", ev.Conn, m.N))
			n.at = append(n.at, env.Now())
		case bare:
			n.got = append(n.got, fmt.Sprintf("%d:%d", ev.Conn, m.N))
			n.at = append(n.at, env.Now())
		case ConnClosed:
			n.closed = append(n.closed, m)
		}
	case EvRequest:
		a := ev.Request.Args
		count, _ := strconv.Atoi(a["count"])
		size, _ := strconv.Atoi(a["size"])
		switch ev.Request.Name {
		case "dial":
			n.conns[a["to"]] = env.Dial(a["to"])
		case "send": // to, count, size: frames 1..count on the connection to to
			for i := 1; i <= count; i++ {
				env.SendOn(n.conns[a["to"]], frame{N: i, Bytes: size})
			}
		case "datagram": // the same without a connection (no size: a bare frame)
			for i := 1; i <= count; i++ {
				if a["size"] == "" {
					env.Send(a["to"], bare{N: i})
				} else {
					env.Send(a["to"], frame{N: i, Bytes: size})
				}
			}
		case "close":
			env.Close(n.conns[a["to"]])
		}
	}
}

func (n *wireNode) View() ProcessView { return ProcessView{} }

func newWire(t *testing.T, net *NetSettings) *Sim {
	t.Helper()
	s, err := New(Config{Nodes: []string{"athens", "byzantium", "cyrene"}, Seed: 7, Net: net},
		Model{NewProcess: func(string, Role) Process { return &wireNode{} }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wire(t *testing.T, s *Sim, id string) *wireNode {
	t.Helper()
	return s.World().Process(id).(*wireNode)
}

// jittery is a non-FIFO link whose delays vary a lot: datagrams overtake
// each other on it.
var jittery = &NetSettings{MinDelay: Duration(time.Millisecond), MeanDelay: Duration(20 * time.Millisecond)}

func sentOrder(conn ConnID, n int) []string {
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprintf("%d:%d", conn, i))
	}
	return want
}

func TestConnectionDeliversInSendOrderOnANonFIFOLink(t *testing.T) {
	s := newWire(t, jittery)
	act(t, s, "athens", "datagram", "to", "byzantium", "count", "30")
	s.Stabilize(1000)
	b := wire(t, s, "byzantium")
	if reflect.DeepEqual(b.got, sentOrder(0, 30)) {
		t.Fatal("datagrams on this link arrived in order: the test needs a link that reorders")
	}
	b.got = nil
	act(t, s, "athens", "dial", "to", "byzantium")
	id := wire(t, s, "athens").conns["byzantium"]
	act(t, s, "athens", "send", "to", "byzantium", "count", "30")
	s.Stabilize(1000)
	if !reflect.DeepEqual(b.got, sentOrder(id, 30)) {
		t.Fatalf("on connection #%d byzantium got %v, want 1..30 in order", id, b.got)
	}
}

func TestResetLosesWhatIsInFlightAndTellsBothEnds(t *testing.T) {
	s := newWire(t, fixedNet(5*time.Millisecond))
	act(t, s, "athens", "dial", "to", "byzantium")
	old := wire(t, s, "athens").conns["byzantium"]
	act(t, s, "athens", "send", "to", "byzantium", "count", "3")
	apply(t, s, Command{Kind: CmdReset, From: "byzantium", To: "athens"})
	s.Stabilize(100)

	if got := wire(t, s, "byzantium").got; len(got) != 0 {
		t.Fatalf("byzantium got %v from a connection reset while they were in flight", got)
	}
	resets := 0
	for _, e := range traceOf(s, TrDrop) {
		if e.MsgKind == "Frame" && e.Text == "connection reset" {
			resets++
		}
	}
	if resets != 3 {
		t.Fatalf("%d frames dropped as \"connection reset\", want 3", resets)
	}
	for id, peer := range map[string]string{"athens": "byzantium", "byzantium": "athens"} {
		want := []ConnClosed{{Conn: old, Peer: peer, Reason: "reset"}}
		if got := wire(t, s, id).closed; !reflect.DeepEqual(got, want) {
			t.Fatalf("%s was told %+v, want %+v", id, got, want)
		}
	}

	// The old connection is gone for good; a new one works.
	act(t, s, "athens", "send", "to", "byzantium", "count", "1")
	s.Stabilize(100)
	if got := wire(t, s, "byzantium").got; len(got) != 0 {
		t.Fatalf("a frame sent on the reset connection arrived: %v", got)
	}
	act(t, s, "athens", "dial", "to", "byzantium")
	fresh := wire(t, s, "athens").conns["byzantium"]
	act(t, s, "athens", "send", "to", "byzantium", "count", "2")
	s.Stabilize(100)
	if fresh == old || !reflect.DeepEqual(wire(t, s, "byzantium").got, sentOrder(fresh, 2)) {
		t.Fatalf("after a reconnect (#%d, was #%d) byzantium got %v", fresh, old, wire(t, s, "byzantium").got)
	}
}

func TestResetOfAPairWithoutAConnectionIsRefused(t *testing.T) {
	s := newWire(t, nil)
	act(t, s, "athens", "dial", "to", "byzantium")
	before := len(s.Log())
	for _, c := range []Command{
		{Kind: CmdReset, From: "athens", To: "cyrene"},
		{Kind: CmdReset, From: "athens", To: "sparta"},
		{Kind: CmdReset, From: "athens"},
	} {
		if err := s.Apply(c); err == nil {
			t.Errorf("%v was accepted", c)
		}
	}
	err := s.Apply(Command{Kind: CmdReset, From: "athens", To: "cyrene"})
	if err == nil || !strings.Contains(err.Error(), "no open connection between athens and cyrene") {
		t.Fatalf("error %v should say there is no connection", err)
	}
	if len(s.Log()) != before || len(s.World().Conns()) != 1 || !s.World().Conns()[0].Open {
		t.Fatalf("a refused reset changed the run: log %d→%d, conns %+v", before, len(s.Log()), s.World().Conns())
	}
}

func TestABigMessageDelaysTheOnesBehindIt(t *testing.T) {
	// 1000 bytes/s and 1ms of propagation: 10,000 bytes take 10s to send.
	net := &NetSettings{MinDelay: Duration(time.Millisecond), MeanDelay: Duration(time.Millisecond), Bandwidth: 1000}
	s := newWire(t, net)
	act(t, s, "athens", "datagram", "to", "byzantium", "count", "1", "size", "10000")
	act(t, s, "athens", "datagram", "to", "byzantium", "count", "1", "size", "100")
	act(t, s, "athens", "datagram", "to", "cyrene", "count", "1", "size", "100")
	s.Stabilize(100)
	b, c := wire(t, s, "byzantium"), wire(t, s, "cyrene")
	want := []time.Duration{10*time.Second + time.Millisecond, 10*time.Second + 101*time.Millisecond}
	if !reflect.DeepEqual(b.at, want) {
		t.Fatalf("byzantium got the big and the small message at %v, want %v (the small one waits its turn)", b.at, want)
	}
	if want := []time.Duration{101 * time.Millisecond}; !reflect.DeepEqual(c.at, want) {
		t.Fatalf("cyrene got hers at %v, want %v: another link does not wait", c.at, want)
	}

	// A per-message cost queues messages the same way.
	s = newWire(t, &NetSettings{MinDelay: Duration(time.Millisecond), MeanDelay: Duration(time.Millisecond), PerMsg: Duration(10 * time.Millisecond)})
	act(t, s, "athens", "datagram", "to", "byzantium", "count", "3")
	s.Stabilize(100)
	want = []time.Duration{11 * time.Millisecond, 21 * time.Millisecond, 31 * time.Millisecond}
	if got := wire(t, s, "byzantium").at; !reflect.DeepEqual(got, want) {
		t.Fatalf("with 10ms a message byzantium got three at %v, want %v", got, want)
	}
}

func TestLinksAndNodesCountWhatTheyCarry(t *testing.T) {
	s := newWire(t, fixedNet(5*time.Millisecond))
	act(t, s, "athens", "datagram", "to", "byzantium", "count", "2", "size", "1000")
	act(t, s, "athens", "datagram", "to", "cyrene", "count", "1")
	w := s.World()
	if got, want := w.LinkStats("athens", "byzantium"), (LinkStats{Sent: 2, Bytes: 2000, InFlight: 2, BytesInFlight: 2000}); got != want {
		t.Fatalf("athens→byzantium in flight: %+v, want %+v", got, want)
	}
	s.Stabilize(100)
	if got, want := w.LinkStats("athens", "byzantium"), (LinkStats{Sent: 2, Delivered: 2, Bytes: 2000}); got != want {
		t.Fatalf("athens→byzantium delivered: %+v, want %+v", got, want)
	}
	// A frame without a size counts 64 bytes.
	if got, want := w.NodeStats("athens").Out, (LinkStats{Sent: 3, Delivered: 3, Bytes: 2064}); got != want {
		t.Fatalf("athens sent %+v, want %+v", got, want)
	}
	if got := w.NodeStats("byzantium").In.Delivered; got != 2 {
		t.Fatalf("byzantium received %d, want 2", got)
	}
	if w.LinkStats("athens", "sparta") != (LinkStats{}) {
		t.Fatal("an unknown link has counts")
	}
}

func TestNegativeBandwidthOrCostIsRefused(t *testing.T) {
	for _, net := range []NetSettings{
		{MinDelay: DefaultNet.MinDelay, MeanDelay: DefaultNet.MeanDelay, Bandwidth: -1},
		{MinDelay: DefaultNet.MinDelay, MeanDelay: DefaultNet.MeanDelay, PerMsg: Duration(-time.Millisecond)},
	} {
		if _, err := New(Config{Nodes: []string{"athens"}, Net: &net}, echoModel()); err == nil {
			t.Errorf("a cluster with %+v was built", net)
		}
		s := newWire(t, nil)
		err := s.Apply(Command{Kind: CmdNetwork, Net: &net})
		if err == nil || !(strings.Contains(err.Error(), "bandwidth") || strings.Contains(err.Error(), "cost")) {
			t.Errorf("network %+v: error %v should name the bad setting", net, err)
		}
		if len(s.Log()) != 0 {
			t.Error("a refused network command was logged")
		}
	}
}

func TestACrashedPeerRefusesTheOldConnectionAfterItRestarts(t *testing.T) {
	s := newWire(t, fixedNet(5*time.Millisecond))
	act(t, s, "athens", "dial", "to", "byzantium")
	old := wire(t, s, "athens").conns["byzantium"]
	apply(t, s, Command{Kind: CmdCrash, Node: "byzantium"})
	s.Stabilize(100)
	if got := wire(t, s, "athens").closed; len(got) != 0 {
		t.Fatalf("athens heard of the crash at once (%+v): a crashed peer sends nothing", got)
	}
	apply(t, s, Command{Kind: CmdRestart, Node: "byzantium"})
	act(t, s, "athens", "send", "to", "byzantium", "count", "1")
	s.Stabilize(100)
	if got := wire(t, s, "byzantium").got; len(got) != 0 {
		t.Fatalf("the restarted byzantium took %v on a connection it no longer has", got)
	}
	want := []ConnClosed{{Conn: old, Peer: "byzantium", Reason: "reset by byzantium"}}
	if got := wire(t, s, "athens").closed; !reflect.DeepEqual(got, want) {
		t.Fatalf("athens was told %+v, want %+v", got, want)
	}
	if n := len(s.World().Conns()); n != 0 {
		t.Fatalf("%d connections kept after both ends heard they are gone", n)
	}
}

func TestAConnectionBreaksRatherThanSkipAMessage(t *testing.T) {
	s := newWire(t, fixedNet(5*time.Millisecond))
	act(t, s, "athens", "dial", "to", "byzantium")
	act(t, s, "athens", "send", "to", "byzantium", "count", "3")
	msgs := s.InFlight()
	if err := s.Apply(Command{Kind: CmdDuplicate, Msg: msgs[0].ID}); err == nil {
		t.Error("a frame on a connection was duplicated")
	}
	if err := s.Apply(Command{Kind: CmdDeliver, Msg: msgs[2].ID}); err == nil {
		t.Error("the third frame was delivered before the first two")
	}
	apply(t, s, Command{Kind: CmdDeliver, Msg: msgs[0].ID})
	s.Step()
	apply(t, s, Command{Kind: CmdDrop, Msg: msgs[1].ID})
	s.Stabilize(100)
	id := wire(t, s, "athens").conns["byzantium"]
	if got, want := wire(t, s, "byzantium").got, sentOrder(id, 1); !reflect.DeepEqual(got, want) {
		t.Fatalf("byzantium got %v, want only %v: frame 3 must not arrive after a gap", got, want)
	}
	if got := wire(t, s, "byzantium").closed; len(got) != 1 || !strings.HasPrefix(got[0].Reason, "reset") {
		t.Fatalf("byzantium was told %+v, want the reset", got)
	}
}

func TestClosingDeliversWhatWasSentThenTellsThePeer(t *testing.T) {
	s := newWire(t, jittery)
	act(t, s, "athens", "dial", "to", "byzantium")
	id := wire(t, s, "athens").conns["byzantium"]
	act(t, s, "athens", "send", "to", "byzantium", "count", "5")
	act(t, s, "athens", "close", "to", "byzantium")
	// byzantium answers on the connection before it hears of the close.
	wire(t, s, "byzantium").conns["athens"] = id
	act(t, s, "byzantium", "send", "to", "athens", "count", "1")
	s.Stabilize(1000)
	b := wire(t, s, "byzantium")
	if !reflect.DeepEqual(b.got, sentOrder(id, 5)) {
		t.Fatalf("byzantium got %v, want all five frames sent before the close, in order", b.got)
	}
	if want := []ConnClosed{{Conn: id, Peer: "athens", Reason: "closed by athens"}}; !reflect.DeepEqual(b.closed, want) {
		t.Fatalf("byzantium was told %+v, want %+v", b.closed, want)
	}
	if a := wire(t, s, "athens"); len(a.got) != 0 || len(a.closed) != 0 {
		t.Fatalf("athens, which closed, still got %v and was told %+v", a.got, a.closed)
	}
}
