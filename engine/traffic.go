package engine

import (
	"slices"
	"strings"
	"time"
)

// What a protocol costs: messages and bytes put on the network, per node,
// per directed link and per message kind, for the whole run and for the
// last second of virtual time. Per link the whole-run counts are the links'
// own (LinkStats); per kind they are kept here, in a slice indexed by the
// kind's trace symbol. The last second is read from the sends it holds,
// kept in a queue that reuses its storage, so counting allocates nothing
// per message once the queue has grown to a second's worth.

// TrafficWindow is how far back the "last second" counters look.
const TrafficWindow = time.Second

// Count is messages and their bytes.
type Count struct {
	Messages int64 `json:"messages"`
	Bytes    int64 `json:"bytes"`
}

func (c *Count) add(size int32) {
	c.Messages++
	c.Bytes += int64(size)
}

type sendRec struct {
	at       time.Duration
	from, to int32
	kind     uint32
	size     int32
}

type traffic struct {
	total  Count
	kinds  []Count // by kind symbol
	recent sendWindow
}

// countSend adds a message put on the network (a copy too) to the counters.
func (s *Sim) countSend(m *inFlight) {
	t := &s.traffic
	t.total.add(m.size)
	if int(m.kind) >= len(t.kinds) {
		t.kinds = slices.Grow(t.kinds, int(m.kind)+1-len(t.kinds))[:int(m.kind)+1]
	}
	t.kinds[m.kind].add(m.size)
	t.recent.expire(s.now - TrafficWindow)
	t.recent.push(sendRec{at: s.now, from: int32(m.from), to: int32(m.to), kind: m.kind, size: m.size})
}

// NodeTraffic is what one process sent and was sent.
type NodeTraffic struct {
	ID         string `json:"id"`
	Sent       Count  `json:"sent"`
	Received   Count  `json:"received"` // put on a link to it (delivered or not)
	LastSecond Count  `json:"lastSecond"`
}

// LinkTraffic is what one directed link carried.
type LinkTraffic struct {
	From       string `json:"from"`
	To         string `json:"to"`
	Sent       Count  `json:"sent"`
	LastSecond Count  `json:"lastSecond"`
}

// KindTraffic is what was sent of one message kind.
type KindTraffic struct {
	Kind       string `json:"kind"`
	Sent       Count  `json:"sent"`
	LastSecond Count  `json:"lastSecond"`
}

// TrafficView is the run's counters: every process (in the order of the
// run's processes), the links and kinds that carried anything (links by
// sender then receiver, kinds by name).
type TrafficView struct {
	Total      Count         `json:"total"`
	LastSecond Count         `json:"lastSecond"`
	Nodes      []NodeTraffic `json:"nodes"`
	Links      []LinkTraffic `json:"links"`
	Kinds      []KindTraffic `json:"kinds"`
}

// TrafficTotal is the messages and bytes sent since the run began.
func (w *World) TrafficTotal() Count { return w.sim.traffic.total }

// KindSent is the messages and bytes of one kind sent since the run began.
func (w *World) KindSent(kind string) Count {
	s := w.sim
	if id, ok := s.trace.symOf[kind]; ok && int(id) < len(s.traffic.kinds) {
		return s.traffic.kinds[id]
	}
	return Count{}
}

// Traffic is the run's counters now.
func (w *World) Traffic() TrafficView {
	s := w.sim
	t := &s.traffic
	n := len(s.procs)
	v := TrafficView{Total: t.total, Nodes: make([]NodeTraffic, n), Links: []LinkTraffic{}, Kinds: []KindTraffic{}}
	lastNode := make([]Count, n)
	lastLink := map[[2]int32]*Count{}
	lastKind := make([]Count, len(t.kinds))
	t.recent.each(func(r *sendRec) {
		if r.at <= s.now-TrafficWindow {
			return
		}
		v.LastSecond.add(r.size)
		lastNode[r.from].add(r.size)
		lastKind[r.kind].add(r.size)
		k := [2]int32{r.from, r.to}
		if lastLink[k] == nil {
			lastLink[k] = &Count{}
		}
		lastLink[k].add(r.size)
	})
	for i, p := range s.procs {
		v.Nodes[i] = NodeTraffic{ID: p.id, LastSecond: lastNode[i]}
		for j, q := range s.procs {
			out, in := s.links[i][j].stats, s.links[j][i].stats
			v.Nodes[i].Sent.Messages += out.Sent
			v.Nodes[i].Sent.Bytes += out.Bytes
			v.Nodes[i].Received.Messages += in.Sent
			v.Nodes[i].Received.Bytes += in.Bytes
			if out.Sent > 0 {
				lt := LinkTraffic{From: p.id, To: q.id, Sent: Count{out.Sent, out.Bytes}}
				if c := lastLink[[2]int32{int32(i), int32(j)}]; c != nil {
					lt.LastSecond = *c
				}
				v.Links = append(v.Links, lt)
			}
		}
	}
	for id, c := range t.kinds {
		if c.Messages > 0 {
			v.Kinds = append(v.Kinds, KindTraffic{Kind: s.trace.syms[id], Sent: c, LastSecond: lastKind[id]})
		}
	}
	slices.SortFunc(v.Kinds, func(a, b KindTraffic) int { return strings.Compare(a.Kind, b.Kind) })
	return v
}
