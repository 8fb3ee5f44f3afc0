package replog

import (
	"fmt"
	"time"

	"clusterscope/engine"
)

// HeartBeat invariants: no false suspicion while nothing fails, elections
// settle, and a crashed leader is suspected in bounded time.

// calm reports whether nothing has failed yet: no command from outside but
// client requests and changes of variant or setting (a learner who sets the
// interval above the timeout should see the false suspicions it causes).
func (t *tracker) calm(w *engine.World) bool {
	cmds := w.Commands()
	for ; !t.stormy && t.cmdSeen < len(cmds); t.cmdSeen++ {
		switch cmds[t.cmdSeen].Kind {
		case engine.CmdClient, engine.CmdVariant, engine.CmdParam:
		default:
			t.stormy = true
		}
	}
	return !t.stormy
}

func (t *tracker) noFalseSuspicion(w *engine.World) (string, []string) {
	if !t.calm(w) {
		return "", nil
	}
	t.refresh(w)
	if !t.nodesChanged {
		return "", nil
	}
	for _, n := range t.nodeCache {
		if n != nil && n.suspicions > 0 && w.Status(n.suspected) == "up" {
			return fmt.Sprintf("%s gave up on %s (no heartbeat within %v) although %s is up and the network is within its bounds", n.id, n.suspected, n.timeout, n.suspected), []string{n.id, n.suspected}
		}
	}
	return "", nil
}

func (t *tracker) electionsSettle(w *engine.World) (string, []string) {
	if !t.calm(w) {
		return "", nil
	}
	t.refresh(w)
	if !t.nodesChanged {
		return "", nil
	}
	for _, n := range t.nodeCache {
		if n != nil && n.gen >= settleGenerations {
			return fmt.Sprintf("generation %d reached at %s with nothing failing: elections never settle", n.gen, n.id), []string{n.id}
		}
	}
	return "", nil
}

// suspectCrashed is HeartBeat's completeness: when a leader crashes, every
// follower that is up and follows it must stop following it (its election
// timer fires, or a newer generation reaches it first) within the longest
// election timeout, plus a heartbeat interval, plus the longest message
// delay (the leader's last heartbeat may still be on its way). The bound
// holds only while the follower's clock runs true and the network keeps
// its delays, so a follower whose clock was changed is not judged, a paused
// one stops being judged, and nothing is judged once messages were held or
// delivered by hand.
func (t *tracker) suspectCrashed(w *engine.World) (string, []string) {
	t.refresh(w)
	t.scanBounds(w)
	if t.unbounded {
		t.crashes, t.watches = nil, nil
		return "", nil
	}
	for _, c := range t.crashes {
		for i, n := range t.nodeCache {
			if n != nil && n.role == Follower && n.leader == c.leader && n.gen == c.gen && !t.clockMoved[i] && w.Status(n.id) == "up" {
				c.follower = i
				t.watches = append(t.watches, c)
			}
		}
	}
	t.crashes = t.crashes[:0]
	if len(t.watches) == 0 {
		return "", nil
	}
	bound := time.Duration(t.maxTimeout+t.maxInterval)*time.Millisecond + t.maxDelay
	keep := t.watches[:0]
	for _, c := range t.watches {
		n := t.nodeCache[c.follower]
		if n == nil || t.clockMoved[c.follower] || w.Status(n.id) != "up" || n.role != Follower || n.leader != c.leader || n.gen != c.gen {
			continue // crashed, paused, off true time, or no longer following
		}
		if w.Now() > c.at+bound {
			t.watches = nil
			return fmt.Sprintf("%s still follows %s, which crashed %v ago (election timeout ≤ %dms + interval %dms + delay ≤ %v)",
				n.id, c.leader, (w.Now() - c.at).Round(time.Millisecond), t.maxTimeout, t.maxInterval, t.maxDelay.Round(time.Millisecond)), []string{n.id, c.leader}
		}
		keep = append(keep, c)
	}
	t.watches = keep
	return "", nil
}

// scanBounds reads the commands since the last round for what bounds the
// time to suspect: settings, link delays, clock changes, hand delivery.
func (t *tracker) scanBounds(w *engine.World) {
	if t.maxTimeout == 0 {
		t.maxTimeout = max(w.Param(ParamElectionMax, defElectionMax), w.Param(ParamElectionMin, defElectionMin))
		t.maxInterval = w.Param(ParamHeartbeat, defHeartbeat)
	}
	cmds := w.Commands()
	for ; t.boundsCmd < len(cmds); t.boundsCmd++ {
		c := cmds[t.boundsCmd]
		switch c.Kind {
		case engine.CmdManual, engine.CmdDeliver, engine.CmdDuplicate:
			t.unbounded = true
		case engine.CmdOffset, engine.CmdDrift, engine.CmdJump:
			for i, id := range t.ids {
				if id == c.Node {
					t.clockMoved[i] = true
				}
			}
		case engine.CmdNetwork:
			if c.Net != nil {
				t.maxDelay = max(t.maxDelay, c.Net.MaxDelay())
			}
		case engine.CmdParam:
			switch c.Name {
			case ParamElectionMin, ParamElectionMax:
				t.maxTimeout = max(t.maxTimeout, c.Value)
			case ParamHeartbeat:
				t.maxInterval = max(t.maxInterval, c.Value)
			}
		}
	}
}
