package channel

import (
	"time"

	"clusterscope/engine"
)

// Node is athens (the leader, which streams its log) or a follower (which
// applies the stream). Both keep what they must not lose in
// env.Storage(), synced at once: durability is not this page's subject.
type Node struct {
	id   string
	lead bool
	leader
	follower
}

func newNode(id string, role engine.Role) *Node {
	return &Node{id: id, lead: role == roleLeader}
}

const tickTimer = "heartbeat"

func (n *Node) Handle(env engine.Env, ev engine.Event) {
	n.leader.now, n.follower.now = env.Now(), env.Now()
	n.leader.idle, n.follower.idle = idleTimeout(env), idleTimeout(env)
	switch ev.Kind {
	case engine.EvStart:
		if n.lead {
			n.leader.start(env)
		} else {
			n.follower.start(env)
		}
		env.SetTimer(tickTimer, heartbeat(env))
	case engine.EvTimer:
		if ev.Timer != tickTimer {
			return
		}
		if n.lead {
			n.leader.tick(env)
		} else {
			n.follower.tick(env)
		}
		env.SetTimer(tickTimer, heartbeat(env))
	case engine.EvReceive:
		if n.lead {
			n.leader.receive(env, ev)
		} else {
			n.follower.receive(env, ev)
		}
	case engine.EvRequest:
		if n.lead && ev.Request.Name == actSnapshot {
			n.leader.snapshot(env, ev.Request.Args["to"])
		}
	}
}

// ValidateRequest accepts the snapshot action, at athens, to a follower.
func (n *Node) ValidateRequest(req engine.Request) error {
	if req.Name != actSnapshot {
		return errorf("no action %q here (there is: %s)", req.Name, actSnapshot)
	}
	if !n.lead {
		return errorf("only the leader sends snapshots; %s is a follower", n.id)
	}
	if n.leader.channel(req.Args["to"]) == nil {
		return errorf("send the snapshot to which follower? %q is not one", req.Args["to"])
	}
	return nil
}

func (n *Node) View() engine.ProcessView {
	if n.lead {
		return n.leader.view()
	}
	return n.follower.view()
}

func heartbeat(env engine.Env) time.Duration {
	return time.Duration(env.Param(ParamHeartbeat, defHeartbeat)) * time.Millisecond
}

func idleTimeout(env engine.Env) time.Duration {
	return time.Duration(env.Param(ParamIdleTimeout, defIdleTimeout)) * time.Millisecond
}
