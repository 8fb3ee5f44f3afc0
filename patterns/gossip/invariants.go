package gossip

import (
	"fmt"
	"time"

	"clusterscope/engine"
)

// InvStampsForward: at every node, the (generation, version) it holds of
// each member never goes back while it runs. A restarted node starts from
// an empty map and is judged from its restart on.
const InvStampsForward = "stamps-never-go-back"

// keptRounds is how many rounds of a rumour's spread the chart keeps.
const keptRounds = 40

// keptSamples is how many bandwidth samples (one per gossip interval) the
// chart keeps.
const keptSamples = 60

func invariants() []engine.Invariant {
	c := &checker{}
	return []engine.Invariant{{
		Name:        InvStampsForward,
		Description: "At every node, the (generation, version) it holds of each member never decreases, in lexicographic order: gossip only ever replaces news with newer news.",
		Check:       c.check,
		View:        c.view,
	}}
}

// checker judges the stamps and, since it sees every step, records what
// the cluster panel draws: when each node first held the latest rumour,
// and the bytes gossip sent per interval.
type checker struct {
	stamps [][]Stamp // per node, per member: the highest stamp seen
	boots  []int     // per node: the incarnation those stamps belong to
	writes []int     // per node: its stamp writes when last read
	broken string
	at     []string

	spread  spread
	started []startedAt // per node: the rumour it started last, as last seen

	nextSample, lastSampleAt time.Duration
	lastBytes                int64
	bytes                    []float64 // bytes per node per second, per interval
}

// startedAt is a rumour a node started, in one of its incarnations.
type startedAt struct {
	rumour Field
	boots  int
}

// spread is the latest rumour and who has heard it when (true time).
type spread struct {
	origin   int // -1: none yet
	gen      int32
	rumour   Field
	at       time.Duration
	interval time.Duration
	fanout   int
	heard    []bool
	times    []time.Duration // when each node first held it, in order
}

func (c *checker) check(w *engine.World) (string, []string) {
	nodes := w.Nodes()
	if c.stamps == nil {
		c.stamps = make([][]Stamp, len(nodes))
		c.boots = make([]int, len(nodes))
		c.writes = make([]int, len(nodes))
		c.started = make([]startedAt, len(nodes))
		c.spread.origin = -1
	}
	c.sample(w, len(nodes))
	if c.broken != "" {
		return c.broken, c.at
	}
	i := w.HandledNode()
	n, ok := w.NodeProcess(i).(*Node)
	if !ok {
		return "", nil
	}
	if c.boots[i] != n.boots || len(c.stamps[i]) != len(n.entries) {
		c.boots[i], c.writes[i] = n.boots, -1
		c.stamps[i] = make([]Stamp, len(n.entries))
	}
	if c.writes[i] == n.writes {
		c.follow(w, i, n)
		return "", nil
	}
	// Seen every write before this event: only the members it wrote can
	// have changed. Otherwise (a check missed) compare them all.
	seen, all := c.stamps[i], c.writes[i] != n.writesBefore
	c.writes[i] = n.writes
	compare := func(j int) bool {
		s := n.stamps[j]
		if s == seen[j] {
			return true
		}
		if s.Less(seen[j]) {
			c.broken = fmt.Sprintf("%s's entry for %s went back from (generation %d, version %d) to (generation %d, version %d)",
				n.id, n.peers[j], seen[j].Gen, seen[j].Ver, s.Gen, s.Ver)
			c.at = []string{n.id, n.peers[j]}
			return false
		}
		seen[j] = s
		return true
	}
	if all {
		for j := range n.stamps {
			if !compare(j) {
				return c.broken, c.at
			}
		}
	} else {
		for _, j := range n.written {
			if !compare(int(j)) {
				return c.broken, c.at
			}
		}
	}
	c.follow(w, i, n)
	return "", nil
}

// follow keeps the spread of the latest rumour: a node that started one
// since the last look makes it the latest; a node that holds the latest
// for the first time is counted.
func (c *checker) follow(w *engine.World, i int, n *Node) {
	sp := &c.spread
	if st := (startedAt{n.started, n.boots}); n.started.Ver > 0 && st != c.started[i] {
		c.started[i] = st
		*sp = spread{origin: i, gen: n.gen, rumour: n.started, at: w.Now(), interval: interval(w.Param),
			fanout: w.Param(ParamFanout, defFanout), heard: make([]bool, len(w.Nodes())), times: sp.times[:0]}
	}
	if sp.origin < 0 || sp.heard[i] || int(sp.origin) >= len(n.entries) {
		return
	}
	if e := &n.entries[sp.origin]; e.known && e.gen == sp.gen && e.rumour.Ver >= sp.rumour.Ver {
		sp.heard[i] = true
		sp.times = append(sp.times, w.Now())
	}
}

// sample records the bytes sent per node per second over each gossip
// interval.
func (c *checker) sample(w *engine.World, nodes int) {
	now := w.Now()
	if now < c.nextSample {
		return
	}
	total := w.TrafficTotal().Bytes
	if dt := now - c.lastSampleAt; dt > 0 && c.lastSampleAt > 0 {
		c.bytes = append(c.bytes, float64(total-c.lastBytes)/float64(nodes)/dt.Seconds())
		if len(c.bytes) > 2*keptSamples {
			c.bytes = c.bytes[:copy(c.bytes, c.bytes[len(c.bytes)-keptSamples:])]
		}
	}
	c.lastBytes, c.lastSampleAt = total, now
	c.nextSample = now + interval(w.Param)
}

// rounds is the measured fraction of nodes that held the rumour by the
// end of each round since it started, and the expected fraction: as many
// rounds as have passed, up to three after the last node heard it.
func (sp *spread) rounds(now time.Duration, n int) (measured, expected []float64) {
	if sp.origin < 0 || sp.interval <= 0 {
		return nil, nil
	}
	k := int((now - sp.at) / sp.interval)
	if len(sp.times) == n {
		k = min(k, int((sp.times[n-1]-sp.at)/sp.interval)+3)
	}
	k = min(k, keptRounds)
	measured = make([]float64, 0, k+1)
	j := 0
	for r := 0; r <= k; r++ {
		end := sp.at + time.Duration(r)*sp.interval
		for j < len(sp.times) && sp.times[j] <= end {
			j++
		}
		measured = append(measured, float64(j)/float64(n))
	}
	return measured, ExpectedSpread(n, sp.fanout, k)
}
