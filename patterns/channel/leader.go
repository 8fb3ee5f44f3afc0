package channel

import (
	"time"

	"clusterscope/engine"
)

// leader is athens's half: the log, and one channel per follower.
type leader struct {
	self     string
	log      []Entry
	channels []*channel
	// now and idle are the clock and the idle timeout at the last event,
	// for the view.
	now, idle time.Duration
}

// channel is athens's side of its connection to one follower.
type channel struct {
	peer  string
	conn  engine.ConnID // 0: none open (it reconnects at the next heartbeat)
	next  int           // the next Seq to send on conn
	acked int           // the follower has applied every entry up to here
	// lastHeard is when the follower last answered (athens's clock);
	// past the idle timeout athens closes the channel and treats the
	// follower as failed until it answers again.
	lastHeard time.Duration
	failed    bool
	why       string // why the last connection ended
	opened    int    // connections opened so far
	// progress is when acked last moved (a connection per request
	// resends what is still unacknowledged after the idle timeout).
	progress time.Duration
}

func (l *leader) start(env engine.Env) {
	l.self = env.ID()
	l.log = l.log[:0]
	for _, e := range env.Storage().Log() {
		l.log = append(l.log, e.(Entry))
	}
	l.channels = nil
	for _, f := range env.Members(roleFollower) {
		ch := &channel{peer: f, lastHeard: env.Now(), progress: env.Now()}
		l.channels = append(l.channels, ch)
		if !perRequest(env) {
			l.connect(env, ch)
		}
	}
}

func (l *leader) channel(peer string) *channel {
	for _, ch := range l.channels {
		if ch.peer == peer {
			return ch
		}
	}
	return nil
}

func perRequest(env engine.Env) bool { return env.Variant(VarConnPerRequest) }

// connect opens a new connection to ch's follower and resends everything
// after the last acknowledged entry.
func (l *leader) connect(env engine.Env, ch *channel) {
	ch.conn = env.Dial(ch.peer)
	if ch.conn == 0 {
		return
	}
	ch.opened++
	ch.next = ch.acked + 1
	ch.lastHeard = env.Now() // a new connection gets a whole idle timeout
	if ch.next <= len(l.log) {
		engine.Notef(env, "athens opens connection #%d to %s and resends from #%d", engine.D(int(ch.conn)), engine.S(ch.peer), engine.D(ch.next))
	} else {
		engine.Notef(env, "athens opens connection #%d to %s", engine.D(int(ch.conn)), engine.S(ch.peer))
	}
	l.flush(env, ch)
}

// flush sends ch every entry it has not been sent on this connection.
func (l *leader) flush(env engine.Env, ch *channel) {
	for ; ch.next <= len(l.log); ch.next++ {
		env.SendOn(ch.conn, Frame{Seq: ch.next, Entry: l.log[ch.next-1]})
	}
}

// sendOnce is the broken variant's way: a fresh connection for one message.
func (ch *channel) sendOnce(env engine.Env, msg engine.Message) {
	if c := env.Dial(ch.peer); c != 0 {
		ch.opened++
		env.SendOn(c, msg)
	}
}

func (l *leader) tick(env engine.Env) {
	now, idle := env.Now(), idleTimeout(env)
	for _, ch := range l.channels {
		if !ch.failed && now-ch.lastHeard > idle {
			ch.failed = true
			if ch.conn != 0 {
				engine.Notef(env, "athens has heard nothing from %s for %s: it closes connection #%d and treats %s as failed", engine.S(ch.peer), engine.S(idle.String()), engine.D(int(ch.conn)), engine.S(ch.peer))
				env.Close(ch.conn)
				ch.conn, ch.why = 0, "idle timeout"
			} else {
				engine.Notef(env, "athens has heard nothing from %s for %s and treats it as failed", engine.S(ch.peer), engine.S(idle.String()))
			}
		}
		if perRequest(env) {
			if ch.acked < len(l.log) && now-ch.progress > idle {
				engine.Notef(env, "athens resends #%d..#%d to %s, each on a new connection", engine.D(ch.acked+1), engine.D(len(l.log)), engine.S(ch.peer))
				for seq := ch.acked + 1; seq <= len(l.log); seq++ {
					ch.sendOnce(env, Frame{Seq: seq, Entry: l.log[seq-1]})
				}
				ch.progress = now
			}
			ch.sendOnce(env, Heartbeat{Seq: len(l.log)})
			continue
		}
		if ch.conn == 0 {
			l.connect(env, ch)
			continue
		}
		env.SendOn(ch.conn, Heartbeat{Seq: len(l.log)})
	}
}

func (l *leader) receive(env engine.Env, ev engine.Event) {
	switch m := ev.Msg.(type) {
	case Write:
		e := Entry{Key: m.Key, Value: m.Value, Client: ev.From, ReqID: m.ID}
		st := env.Storage()
		st.Append(e)
		st.Sync()
		l.log = append(l.log, e)
		seq := len(l.log)
		engine.Notef(env, "athens appends #%d %s for %s", engine.D(seq), engine.S(e.String()), engine.S(ev.From))
		env.Send(ev.From, Reply{ID: m.ID, OK: true})
		for _, ch := range l.channels {
			if perRequest(env) {
				ch.sendOnce(env, Frame{Seq: seq, Entry: e})
				ch.next = seq + 1
			} else if ch.conn != 0 {
				l.flush(env, ch)
			}
		}
	case Read:
		if l.channel(m.At) == nil {
			env.Send(ev.From, Reply{ID: m.ID, Err: m.At + " is not a follower"})
			return
		}
		env.Send(m.At, ReadAt{ID: m.ID, Client: ev.From, Key: m.Key, Index: len(l.log)})
	case Ack:
		ch := l.channel(ev.From)
		if ch == nil || (!perRequest(env) && ev.Conn != ch.conn) {
			return // a late answer on a connection athens has left
		}
		ch.lastHeard = env.Now()
		if ch.failed {
			ch.failed = false
			engine.Notef(env, "athens hears from %s again", engine.S(ch.peer))
		}
		if m.Seq > ch.acked {
			ch.acked, ch.progress = m.Seq, env.Now()
		}
	case engine.ConnClosed:
		ch := l.channel(m.Peer)
		if ch == nil || m.Conn != ch.conn {
			return // a connection per request, or one athens already left
		}
		engine.Notef(env, "athens's connection #%d to %s is gone (%s); it reconnects at the next heartbeat", engine.D(int(m.Conn)), engine.S(m.Peer), engine.S(m.Reason))
		ch.conn, ch.why = 0, m.Reason
	}
}

func (l *leader) snapshot(env engine.Env, to string) {
	ch := l.channel(to)
	if ch == nil {
		return
	}
	kb := env.Param(ParamSnapshotKB, defSnapshotKB)
	msg := Snapshot{Bytes: kb * 1000}
	if perRequest(env) {
		ch.sendOnce(env, msg)
	} else if ch.conn != 0 {
		env.SendOn(ch.conn, msg)
	} else {
		engine.Notef(env, "athens has no connection to %s: no snapshot sent", engine.S(to))
		return
	}
	engine.Notef(env, "athens sends a %d KB snapshot to %s", engine.D(kb), engine.S(to))
}
