package engine

import (
	"reflect"
	"strconv"
	"testing"
	"time"
)

func TestPartitionSplitsGroups(t *testing.T) {
	s := newSim(t, Config{Nodes: five, Seed: 2})
	s.RunFor(ms(50), 0)
	apply(t, s, Command{Kind: CmdPartition, Groups: [][]string{{"athens", "byzantium"}, {"cyrene", "delphi", "ephesus"}}})
	cutAt := s.Trace().Len()
	s.RunFor(ms(100), 0)
	during := s.Trace().Since(cutAt)

	minority := map[string]bool{"athens": true, "byzantium": true}
	crossed, within, cutDrops := 0, 0, 0
	for _, e := range during {
		switch {
		case e.Kind == TrDeliver && minority[e.From] != minority[e.To]:
			crossed++
		case e.Kind == TrDeliver:
			within++
		case e.Kind == TrDrop && e.Text == "link cut":
			cutDrops++
		}
	}
	if crossed != 0 {
		t.Fatalf("%d messages crossed the partition", crossed)
	}
	if within == 0 || cutDrops == 0 {
		t.Fatalf("within groups %d delivered, %d lost at the cut: want both > 0", within, cutDrops)
	}

	apply(t, s, Command{Kind: CmdHeal})
	healAt := s.Trace().Len()
	s.RunFor(ms(50), 0)
	for _, e := range s.Trace().Since(healAt) {
		if e.Kind == TrDeliver && minority[e.From] != minority[e.To] {
			return
		}
	}
	t.Fatal("after heal nothing crosses between the groups")
}

func TestPartitionReplacesThePictureForNamedNodes(t *testing.T) {
	s := newSim(t, quiet(three...))
	apply(t, s, Command{Kind: CmdPartition, Groups: [][]string{{"athens", "byzantium"}, {"cyrene"}}})
	apply(t, s, Command{Kind: CmdPartition, Groups: [][]string{{"athens"}, {"byzantium", "cyrene"}}})
	var cut []string
	for _, l := range s.View().Cut {
		cut = append(cut, l.From+"→"+l.To)
	}
	want := []string{"athens→byzantium", "athens→cyrene", "byzantium→athens", "cyrene→athens"}
	if !reflect.DeepEqual(cut, want) {
		t.Fatalf("cut = %v, want %v", cut, want)
	}
}

func TestOneWayCut(t *testing.T) {
	s := newSim(t, Config{Nodes: three, Seed: 3})
	apply(t, s, Command{Kind: CmdCut, From: "athens", To: "byzantium"})
	s.RunFor(ms(100), 0)
	if n := countDelivered(s, "athens", "byzantium"); n != 0 {
		t.Fatalf("%d messages went athens → byzantium through the cut", n)
	}
	if countDelivered(s, "byzantium", "athens") == 0 || countDelivered(s, "athens", "cyrene") == 0 {
		t.Fatal("the cut stopped other directions too")
	}
	// byzantium's pings reach athens, but athens's pongs never come back.
	if got := echo(t, s, "byzantium").got; len(got) == 0 {
		t.Fatal("byzantium heard nobody")
	} else {
		for _, g := range got {
			if g[:len("athens")] == "athens" {
				t.Fatalf("byzantium heard %s from athens", g)
			}
		}
	}
	apply(t, s, Command{Kind: CmdHeal, From: "byzantium", To: "athens"})
	s.RunFor(ms(30), 0)
	if countDelivered(s, "athens", "byzantium") == 0 {
		t.Fatal("healing the pair did not restore athens → byzantium")
	}
}

func TestPartitionKillsMessagesInFlight(t *testing.T) {
	cfg := quiet(three...)
	cfg.Net = fixedNet(ms(50))
	s := newSim(t, cfg)
	act(t, s, "athens", "ping", "to", "byzantium", "n", "1")
	act(t, s, "athens", "ping", "to", "cyrene", "n", "2")
	sent := traceOf(s, TrSend)
	s.RunFor(ms(20), 0)
	apply(t, s, Command{Kind: CmdPartition, Groups: [][]string{{"athens", "cyrene"}, {"byzantium"}}})
	s.RunFor(ms(100), 0)

	drops := traceOf(s, TrDrop)
	if len(drops) != 1 || drops[0].Msg != sent[0].Msg || drops[0].Text != "link cut" || drops[0].At != 50_000 {
		t.Fatalf("drops = %+v, want ping #%d lost at the cut when due (50ms)", drops, sent[0].Msg)
	}
	if len(echo(t, s, "byzantium").got) != 0 {
		t.Fatal("byzantium got a message sent before the partition")
	}
	if got := echo(t, s, "cyrene").got; !reflect.DeepEqual(got, []string{"athens:Ping:2"}) {
		t.Fatalf("cyrene got %v, want the ping on the side that stayed linked", got)
	}
}

func TestDropNextRule(t *testing.T) {
	s := newSim(t, quiet(three...))
	apply(t, s, Command{Kind: CmdDropNext, From: "athens", To: "byzantium", MsgKind: "Ping", Count: 2})
	for i := 1; i <= 3; i++ {
		act(t, s, "athens", "ping", "to", "byzantium", "n", strconv.Itoa(i))
		act(t, s, "athens", "ping", "to", "cyrene", "n", strconv.Itoa(i)) // other destination
	}
	s.Stabilize(1000)
	// Pongs byzantium → athens are another kind and direction: untouched.
	if got := echo(t, s, "byzantium").got; !reflect.DeepEqual(got, []string{"athens:Ping:3"}) {
		t.Fatalf("byzantium got %v, want only the third ping", got)
	}
	if got := echo(t, s, "cyrene").got; len(got) != 3 {
		t.Fatalf("cyrene got %v, want all three", got)
	}
	var ruled []uint64
	for _, d := range traceOf(s, TrDrop) {
		if d.Text == "drop rule" {
			ruled = append(ruled, d.Msg)
		}
	}
	sends := traceOf(s, TrSend)
	if want := []uint64{sends[0].Msg, sends[2].Msg}; !reflect.DeepEqual(ruled, want) {
		t.Fatalf("rule dropped %v, want the first two athens→byzantium pings %v", ruled, want)
	}

	// A rule without a kind or source matches anything to its target.
	apply(t, s, Command{Kind: CmdDropNext, To: "cyrene"})
	act(t, s, "byzantium", "ping", "to", "cyrene", "n", "9")
	act(t, s, "athens", "ping", "to", "cyrene", "n", "10")
	s.Stabilize(1000)
	if got := echo(t, s, "cyrene").got; got[len(got)-1] != "athens:Ping:10" || len(got) != 4 {
		t.Fatalf("cyrene got %v, want byzantium's ping dropped and athens's delivered", got)
	}
}

func TestDuplicateProbability(t *testing.T) {
	cfg := quiet(three...)
	cfg.Net = &NetSettings{MinDelay: Duration(time.Millisecond), MeanDelay: Duration(2 * time.Millisecond), DupPct: 100}
	s := newSim(t, cfg)
	act(t, s, "athens", "ping", "to", "byzantium", "n", "1")
	s.Stabilize(1000)
	// The ping arrives twice, each copy is answered, each pong arrives twice.
	if got := echo(t, s, "byzantium").got; !reflect.DeepEqual(got, []string{"athens:Ping:1", "athens:Ping:1"}) {
		t.Fatalf("byzantium got %v, want the ping twice", got)
	}
	if got := echo(t, s, "athens").got; len(got) != 4 {
		t.Fatalf("athens got %v, want four pongs", got)
	}
	dups := traceOf(s, TrDuplicate)
	first := traceOf(s, TrSend)[0]
	if len(dups) != 3 || dups[0].Text != "copy of #"+strconv.FormatUint(first.Msg, 10) || dups[0].Msg == first.Msg {
		t.Fatalf("duplicates = %+v", dups)
	}

	s2 := newSim(t, quiet(three...))
	act(t, s2, "athens", "ping", "to", "byzantium", "n", "1")
	s2.Stabilize(1000)
	if len(traceOf(s2, TrDuplicate)) != 0 || len(echo(t, s2, "byzantium").got) != 1 {
		t.Fatal("the default network duplicates")
	}
}

func TestDuplicateCommand(t *testing.T) {
	s := newSim(t, quiet(three...))
	apply(t, s, Command{Kind: CmdManual, On: true})
	act(t, s, "athens", "ping", "to", "byzantium", "n", "7")
	id := s.InFlight()[0].ID
	apply(t, s, Command{Kind: CmdDuplicate, Msg: id})
	s.Step()
	if got := echo(t, s, "byzantium").got; !reflect.DeepEqual(got, []string{"athens:Ping:7"}) {
		t.Fatalf("byzantium got %v after the copy", got)
	}
	if m, ok := s.message(id); !ok || !m.held {
		t.Fatal("the original did not stay in flight")
	}
	apply(t, s, Command{Kind: CmdDeliver, Msg: id})
	s.Step()
	if got := echo(t, s, "byzantium").got; len(got) != 2 {
		t.Fatalf("byzantium got %v, want the ping twice", got)
	}
}

func TestManualDeliveryInReverseOrder(t *testing.T) {
	s := newSim(t, quiet(three...))
	apply(t, s, Command{Kind: CmdManual, On: true})
	for i := 1; i <= 3; i++ {
		act(t, s, "athens", "ping", "to", "byzantium", "n", strconv.Itoa(i))
	}
	if s.RunFor(time.Second, 0) != 0 {
		t.Fatal("held messages were delivered without the learner")
	}
	held := s.InFlight()
	if len(held) != 3 {
		t.Fatalf("in flight %+v, want three held pings", held)
	}
	for i := len(held) - 1; i >= 0; i-- {
		if !held[i].Held {
			t.Fatalf("message %+v is not held", held[i])
		}
		apply(t, s, Command{Kind: CmdDeliver, Msg: held[i].ID})
		if _, ok := s.Step(); !ok {
			t.Fatal("deliver queued nothing")
		}
	}
	want := []string{"athens:Ping:3", "athens:Ping:2", "athens:Ping:1"}
	if got := echo(t, s, "byzantium").got; !reflect.DeepEqual(got, want) {
		t.Fatalf("byzantium got %v, want %v", got, want)
	}
	// The pongs are held too; drop one, release the rest.
	pongs := s.InFlight()
	if len(pongs) != 3 {
		t.Fatalf("in flight %+v, want three pongs", pongs)
	}
	apply(t, s, Command{Kind: CmdDrop, Msg: pongs[0].ID})
	apply(t, s, Command{Kind: CmdManual, On: false})
	s.Stabilize(100)
	if got := echo(t, s, "athens").got; len(got) != 2 {
		t.Fatalf("athens got %v, want two pongs", got)
	}
}

func TestManualDeliveryChecksTheLinkAtDelivery(t *testing.T) {
	s := newSim(t, quiet(three...))
	apply(t, s, Command{Kind: CmdManual, On: true})
	act(t, s, "athens", "ping", "to", "byzantium", "n", "1")
	id := s.InFlight()[0].ID
	apply(t, s, Command{Kind: CmdCut, From: "athens", To: "byzantium"})
	apply(t, s, Command{Kind: CmdDeliver, Msg: id})
	s.Step()
	if len(echo(t, s, "byzantium").got) != 0 {
		t.Fatal("a held message crossed a cut made after it was sent")
	}
	if d := traceOf(s, TrDrop); len(d) != 1 || d[0].Msg != id || d[0].Text != "link cut" {
		t.Fatalf("drops = %+v", d)
	}
}

func TestNetworkDelayBounds(t *testing.T) {
	cfg := Config{Nodes: five, Seed: 5, Net: &NetSettings{MinDelay: Duration(ms(20)), MeanDelay: Duration(ms(30))}}
	s := newSim(t, cfg)
	s.RunFor(ms(300), 0)
	sentAt := map[uint64]int64{}
	for _, e := range traceOf(s, TrSend) {
		sentAt[e.Msg] = e.At
	}
	lo, hi, n := int64(1<<62), int64(0), 0
	var sum int64
	for _, e := range traceOf(s, TrDeliver) {
		d := e.At - sentAt[e.Msg]
		lo, hi, sum, n = min(lo, d), max(hi, d), sum+d, n+1
	}
	if n < 100 || lo < 20_000 || hi > 40_000 {
		t.Fatalf("%d deliveries took %dµs..%dµs, want within 20ms..40ms", n, lo, hi)
	}
	if mean := sum / int64(n); mean < 28_000 || mean > 32_000 {
		t.Fatalf("mean delay %dµs, want about 30ms", mean)
	}
}

// burst sends 40 numbered pings athens → byzantium at once and returns the
// order byzantium got them in.
func burst(t *testing.T, fifo bool) []string {
	cfg := quiet(three...)
	cfg.Net = &NetSettings{MinDelay: Duration(time.Millisecond), MeanDelay: Duration(10 * time.Millisecond), FIFO: fifo}
	s := newSim(t, cfg)
	for i := 1; i <= 40; i++ {
		act(t, s, "athens", "ping", "to", "byzantium", "n", strconv.Itoa(i))
	}
	s.Stabilize(1000)
	return echo(t, s, "byzantium").got
}

func inOrder(got []string) bool {
	for i, g := range got {
		if g != "athens:Ping:"+strconv.Itoa(i+1) {
			return false
		}
	}
	return true
}

func TestFIFOKeepsOrder(t *testing.T) {
	if got := burst(t, true); len(got) != 40 || !inOrder(got) {
		t.Fatalf("FIFO link delivered %v", got)
	}
	if got := burst(t, false); len(got) != 40 || inOrder(got) {
		t.Fatalf("a non-FIFO link with 1-19ms jitter kept 40 messages in order: %v", got)
	}
}

func TestDropPercentage(t *testing.T) {
	for _, pct := range []float64{0, 30, 100} {
		cfg := quiet(three...)
		cfg.Net = &NetSettings{MinDelay: Duration(time.Millisecond), MeanDelay: Duration(time.Millisecond), DropPct: pct}
		s := newSim(t, cfg)
		apply(t, s, Command{Kind: CmdNetwork, From: "byzantium", Net: fixedNet(time.Millisecond)}) // pongs always arrive
		for i := 0; i < 1000; i++ {
			act(t, s, "athens", "ping", "to", "byzantium", "n", "1")
		}
		s.Stabilize(10_000)
		lost := 0
		for _, d := range traceOf(s, TrDrop) {
			if d.Text != "lost by the network" || d.From != "athens" {
				t.Fatalf("unexpected drop %+v", d)
			}
			lost++
		}
		if got := float64(lost) / 10; got < pct-5 || got > pct+5 {
			t.Errorf("drop %g%%: lost %g%%", pct, got)
		}
		if len(echo(t, s, "athens").got) != 1000-lost {
			t.Errorf("drop %g%%: the return link lost pongs", pct)
		}
	}
}

func TestSendToUnknownProcess(t *testing.T) {
	s := newSim(t, quiet(three...))
	act(t, s, "athens", "ping", "to", "atlantis", "n", "1")
	d := traceOf(s, TrDrop)
	if len(d) != 1 || d[0].To != "atlantis" || d[0].Text != "no such process" || len(s.InFlight()) != 0 {
		t.Fatalf("drops %+v, in flight %+v", d, s.InFlight())
	}
}

// MaxDelay bounds every delivery on a link: checkers that reason about
// "within the network's bounds" use it instead of copying the formula.
func TestMaxDelayBoundsEveryDelivery(t *testing.T) {
	net := NetSettings{MinDelay: Duration(2 * time.Millisecond), MeanDelay: Duration(7 * time.Millisecond)}
	s := newSim(t, Config{Nodes: three, Seed: 9, Net: &net})
	s.RunFor(2*time.Second, 0)
	sent := map[uint64]int64{}
	longest := int64(0)
	for _, e := range s.Trace().Events() {
		switch e.Kind {
		case TrSend:
			sent[e.Msg] = e.At
		case TrDeliver:
			longest = max(longest, e.At-sent[e.Msg])
		}
	}
	if longest == 0 || time.Duration(longest)*time.Microsecond > net.MaxDelay() {
		t.Fatalf("longest delivery %dµs, MaxDelay %v", longest, net.MaxDelay())
	}
	if time.Duration(longest)*time.Microsecond < net.MaxDelay()*3/4 {
		t.Fatalf("longest delivery %dµs is far below MaxDelay %v: the bound is loose", longest, net.MaxDelay())
	}
}
