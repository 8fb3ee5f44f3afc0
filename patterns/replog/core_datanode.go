package replog

import (
	"fmt"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// A data node of the Consistent Core page: a member of the big cluster
// that uses the core for its decisions. It opens a lease, registers
// /servers/<name> under it, keeps the lease alive, and reads /controller;
// when nobody holds it, it races the others with a compare-and-set
// (expected absent → its own name, attached to its lease). It acts as the
// controller only while its last /controller read named it under its
// current lease, and its lease is valid as far as it can be sure: from the
// moment it sent the last keep-alive the core answered, for three
// quarters of the TTL on its own monotonic clock (the margin covers the
// clocks' drift; the core, measuring from later, expires it no sooner than
// a whole TTL after).

const (
	timerTick  = "tick"
	tickEvery  = 250 * time.Millisecond
	kaInFlight = 8 // keep-alive send times remembered
)

// Data node states.
const (
	dataJoining     = "opening a lease"
	dataRegistering = "registering"
	dataRegistered  = "registered"
)

// DataNode is one data node.
type DataNode struct {
	id    string
	rc    kit.RetryingClient[CoreInput]
	cores []string

	state      string
	lease      int
	ttl        time.Duration
	leaseUntil time.Duration // monotonic: valid (as far as it can be sure) until then
	controller bool          // its last read or cas of /controller named it under its lease
	seen       string        // the /controller value it last learned
	acting     bool          // as of its last event (the checker reads the clock itself)

	kaSeq    int
	kaSent   [kaInFlight]time.Duration // monotonic send time by seq % kaInFlight
	kaTarget string
	kaWaits  bool // the last keep-alive has had no answer yet
	opStart  time.Duration
	mono     time.Duration // monotonic time of its last event
	now      time.Duration // local time of its last event

	assignments int // controller work done (one per tick while acting)
}

func newDataNode(id string) *DataNode {
	d := &DataNode{id: id}
	d.rc.Config = kit.ClientConfig[CoreInput]{
		Targeting: kit.TargetLeader,
		Timeout:   func(env engine.Env) time.Duration { return ms(env.Param(ParamClientTimeout, defCoreClientTimeout)) },
		MaxTries:  maxTries,
		RetryWait: retryWait,
		Request:   coreRequest,
		GiveUp:    coreGiveUp,
		Servers:   func(env engine.Env) []string { return env.Members(RoleCore) },
	}
	return d
}

// coreRequest is the message for an operation.
func coreRequest(id int, in CoreInput) engine.Message {
	return CoreRequest{ID: id, Op: in.Op, Key: in.Key, Value: in.Value, Expected: in.Expected, Lease: in.Lease, TTL: in.TTL}
}

// coreGiveUp: a write tried several times may still apply; a read that
// never ran changed nothing.
func coreGiveUp(in CoreInput) engine.OpStatus {
	if in.Op == coreGet || in.Op == corePrefix {
		return engine.OpFail
	}
	return engine.OpUnknown
}

// Handle is the data node's state machine.
func (d *DataNode) Handle(env engine.Env, ev engine.Event) {
	d.mono, d.now = env.Monotonic(), env.Now()
	d.updateActing(env) // first: a node that was paused past its lease must not act on it
	switch ev.Kind {
	case engine.EvStart:
		d.rc.Start(env)
		d.cores = env.Members(RoleCore)
		d.state, d.lease, d.controller, d.seen, d.acting = dataJoining, 0, false, "", false
		if len(d.cores) > 0 {
			d.kaTarget = d.cores[0]
		}
		d.tick(env)
	case engine.EvTimer:
		if ev.Timer == timerTick {
			d.tick(env)
		} else {
			d.rc.Timer(env, ev.Timer)
		}
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case CoreReply:
			d.onReply(env, ev.From, m)
		case KeepAliveReply:
			d.onKeepAlive(env, ev.From, m)
		}
	}
	d.updateActing(env)
}

// ValidateRequest: a data node takes no actions of its own.
func (d *DataNode) ValidateRequest(req engine.Request) error {
	return fmt.Errorf("unknown action %q: a data node takes no actions (start an election on a core node)", req.Name)
}

// tick keeps the lease alive and moves the node on: open a lease,
// register, then watch /controller.
func (d *DataNode) tick(env engine.Env) {
	env.SetTimer(timerTick, tickEvery)
	if d.acting {
		d.assignments++
	}
	if d.lease > 0 {
		if d.kaWaits { // no answer to the last one: try the next core node
			d.kaTarget = d.nextCore(d.kaTarget)
		}
		d.keepAlive(env)
	}
	if len(d.rc.Pending()) > 0 {
		return
	}
	switch d.state {
	case dataJoining:
		d.ttl = ms(env.Param(ParamLeaseTTL, defLeaseTTL))
		d.invoke(env, CoreInput{Op: coreGrant, Key: d.id, TTL: int(d.ttl / time.Millisecond)})
	case dataRegistering:
		d.invoke(env, CoreInput{Op: coreSet, Key: "/servers/" + d.id, Value: "up", Lease: d.lease})
	default:
		d.invoke(env, CoreInput{Op: coreGet, Key: keyController})
	}
}

const keyController = "/controller"

// keepAlive sends the next keep-alive to the core node it believes leads.
func (d *DataNode) keepAlive(env engine.Env) {
	d.kaSeq++
	d.kaSent[d.kaSeq%kaInFlight] = d.mono
	d.kaWaits = true
	env.Send(d.kaTarget, KeepAlive{Lease: d.lease, Seq: d.kaSeq})
}

func (d *DataNode) invoke(env engine.Env, in CoreInput) {
	d.opStart = d.mono
	d.rc.Invoke(env, in, "")
}

func (d *DataNode) nextCore(s string) string {
	for i, c := range d.cores {
		if c == s {
			return d.cores[(i+1)%len(d.cores)]
		}
	}
	if len(d.cores) == 0 {
		return s
	}
	return d.cores[0]
}

func (d *DataNode) onReply(env engine.Env, from string, m CoreReply) {
	if m.NotLeader {
		d.rc.Refused(env, from, m.ID, m.Hint)
		return
	}
	op, ok := d.rc.Get(m.ID)
	if !ok {
		return // a duplicate, or given up
	}
	out := CoreOutput{OK: m.OK, Value: m.Value, Lease: m.Lease, Err: m.Err}
	d.rc.Answer(env, from, m.ID, out, replyText(op.In, out))
	switch op.In.Op {
	case coreGrant:
		d.lease, d.state, d.kaTarget = m.Lease, dataRegistering, from
		d.leaseUntil = d.opStart + d.ttl*3/4
		d.kaWaits = false
	case coreSet:
		if op.In.Lease != d.lease {
			return // it has lost that lease meanwhile: it registers under a new one
		}
		if m.Err != "" {
			d.loseLease(env, "the core refused its registration: "+m.Err)
			return
		}
		d.state = dataRegistered
		d.invoke(env, CoreInput{Op: coreGet, Key: keyController})
	case coreGet:
		d.seen = m.Value
		d.controller = m.Value == d.id && m.Lease == d.lease
		if m.Value == "" && d.lease > 0 {
			d.invoke(env, CoreInput{Op: coreCAS, Key: keyController, Expected: "", Value: d.id, Lease: d.lease})
		}
	case coreCAS:
		switch {
		case op.In.Lease != d.lease:
			d.seen, d.controller = m.Value, false
		case m.Err != "":
			d.loseLease(env, "its compare-and-set was refused: "+m.Err)
		case m.OK:
			d.seen, d.controller = d.id, true
		default:
			d.seen, d.controller = m.Value, false
		}
	}
}

func (d *DataNode) onKeepAlive(env engine.Env, from string, m KeepAliveReply) {
	if m.Lease != d.lease || d.lease == 0 {
		return
	}
	switch {
	case m.NotLeader:
		d.kaTarget, d.kaWaits = m.Hint, false
		if m.Hint == "" {
			d.kaTarget = d.nextCore(from) // an election may be on: the next tick tries there
		} else if m.Seq == d.kaSeq {
			d.keepAlive(env) // the leader is named: at once, before the lease runs short
		}
	case m.OK:
		d.kaTarget = from
		if m.Seq == d.kaSeq {
			d.kaWaits = false
		}
		if d.kaSeq-m.Seq < kaInFlight {
			d.leaseUntil = max(d.leaseUntil, d.kaSent[m.Seq%kaInFlight]+d.ttl*3/4)
		}
	default:
		d.loseLease(env, "lease "+itoa(d.lease)+" has expired")
	}
}

// loseLease starts over: a new lease, a new registration.
func (d *DataNode) loseLease(env engine.Env, why string) {
	engine.Notef(env, "%s learns %s: it registers again", engine.S(d.id), engine.S(why))
	d.lease, d.controller, d.state, d.kaWaits = 0, false, dataJoining, false
}

// updateActing notes when the node starts or stops acting as controller.
func (d *DataNode) updateActing(env engine.Env) {
	act := d.controller && d.lease > 0 && d.mono < d.leaseUntil
	if act == d.acting {
		return
	}
	d.acting = act
	switch {
	case act:
		engine.Notef(env, "%s acts as controller: the core confirmed /controller = %s under its lease %d", engine.S(d.id), engine.S(d.id), engine.D(d.lease))
	case !d.controller:
		engine.Notef(env, "%s stops acting as controller: /controller now reads %s", engine.S(d.id), engine.S(quoteEmpty(d.seen)))
	default:
		engine.Notef(env, "%s stops acting as controller: no keep-alive of lease %d confirmed in time, so the lease may have expired", engine.S(d.id), engine.D(d.lease))
	}
}

// actingAt reports whether the node acts as controller when its monotonic
// clock reads mono (the checker's question: it may have handled no event
// since its lease ran out).
func (d *DataNode) actingAt(mono time.Duration) bool {
	return d.controller && d.lease > 0 && mono < d.leaseUntil
}

// View: the node's state, its lease as it sees it, and its requests.
func (d *DataNode) View() engine.ProcessView {
	v := engine.ProcessView{Role: string(RoleData), Widgets: make([]engine.Widget, 0, 6)}
	if d.acting {
		v.Badge = "♛ controller"
	}
	left := "—"
	if d.lease > 0 {
		left = max(d.leaseUntil-d.mono, 0).Round(time.Millisecond).String()
	}
	v.Widgets = append(v.Widgets, engine.FieldsWidget(WDataState,
		engine.Field{Label: "state", Value: d.state},
		engine.Field{Label: "lease", Value: leaseText(d.lease)},
		engine.Field{Label: "sure of its lease for", Value: left},
		engine.Field{Label: "/controller last read", Value: quoteEmpty(d.seen)},
		engine.Field{Label: "acts as controller", Value: yesNo(d.acting)},
		engine.Field{Label: "assignments issued", Value: itoa(d.assignments)},
	))
	if d.lease > 0 {
		start := d.now - (d.mono - (d.leaseUntil - d.ttl*3/4))
		v.Widgets = append(v.Widgets, engine.DeadlineWidget(WDataLease, engine.Deadline{Label: leaseText(d.lease), Holder: d.id,
			Start: start.Microseconds(), At: (d.now + d.leaseUntil - d.mono).Microseconds()}))
	}
	v.Widgets = append(v.Widgets, d.rc.Widgets()...)
	return v
}

func leaseText(id int) string {
	if id == 0 {
		return "—"
	}
	return "lease " + itoa(id)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
