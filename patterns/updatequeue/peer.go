package updatequeue

import (
	"time"

	"clusterscope/engine"
)

// rolePeer is byzantium's role in the heartbeat setup: a server that
// watches athens with heartbeats.
const rolePeer engine.Role = "peer"

// Peer is byzantium: every heartbeat interval it sends athens a Heartbeat
// and suspects athens when no answer came within the heartbeat timeout.
// It cannot tell a crashed athens from one whose answer waits in a queue.
type Peer struct {
	id        string
	seq       int
	lastHeard time.Duration // local time of the last answer
	suspects  bool

	Suspicions int
}

func newPeer(id string) *Peer { return &Peer{id: id} }

const beatTimer = "beat"

func (p *Peer) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		p.lastHeard = env.Now()
		env.SetTimer(beatTimer, p.interval(env))
	case engine.EvTimer:
		if ev.Timer != beatTimer {
			return
		}
		target := env.Members(engine.RoleNode)
		if len(target) == 0 {
			return
		}
		timeout := time.Duration(env.Param(ParamHeartbeatTimeout, defHeartbeatTimeout)) * time.Millisecond
		if silent := env.Now() - p.lastHeard; !p.suspects && silent > timeout {
			p.suspects = true
			p.Suspicions++
			env.Note("%s suspects %s: no heartbeat answer for %v (timeout %v)", p.id, target[0], silent.Round(time.Millisecond), timeout)
		}
		p.seq++
		env.Send(target[0], Heartbeat{Seq: p.seq})
		env.SetTimer(beatTimer, p.interval(env))
	case engine.EvReceive:
		if _, ok := ev.Msg.(HeartbeatAck); ok {
			p.lastHeard = env.Now()
			if p.suspects {
				p.suspects = false
				env.Note("%s hears from %s again and stops suspecting it", p.id, ev.From)
			}
		}
	}
}

func (p *Peer) interval(env engine.Env) time.Duration {
	return time.Duration(env.Param(ParamHeartbeat, defHeartbeat)) * time.Millisecond
}

// View shows whether byzantium suspects athens.
func (p *Peer) View() engine.ProcessView {
	state := "trusts athens"
	if p.suspects {
		state = "suspects athens"
	}
	return engine.ProcessView{Role: "peer", Badge: state, Widgets: []engine.Widget{
		engine.FieldsWidget("heartbeats",
			engine.Field{Label: "state", Value: state},
			engine.Field{Label: "sent", Value: itoa(p.seq)},
			engine.Field{Label: "suspicions", Value: itoa(p.Suspicions)}),
	}}
}
