package replog

import (
	"fmt"
	"strconv"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Regions of the Follower Reads page: where each server and client sits.
// The nearest server of a client is the first one in its region.
var (
	serverRegions = []string{"us-west", "us-east", "eu"}
	clientRegions = []string{"us-east", "eu"}
)

func regionOf(list []string, i int) string { return list[i%len(list)] }

// ReadSessionClient is a client of the Follower Reads page: it writes through
// the leader and reads from its nearest server (or the leader, with the
// reads-to-leader setting). Its session keeps the highest version it has
// seen, from its writes' replies and its reads' answers; each follower read
// asks for at least that version, which gives read-your-writes and
// monotonic reads whichever server answers.
type ReadSessionClient struct {
	id      string
	region  string
	nearest string
	leader  string // the server that last acknowledged a write, or was hinted
	session int    // highest version seen
	rc      kit.RetryingClient[KVInput]
	counter int
}

func newReadSessionClient(id string) *ReadSessionClient {
	c := &ReadSessionClient{id: id}
	c.rc.Config = kit.ClientConfig[KVInput]{
		Targeting: kit.TargetLeader,
		Timeout:   func(env engine.Env) time.Duration { return ms(env.Param(ParamClientTimeout, defClientTimeout)) },
		MaxTries:  maxTries,
		RetryWait: retryWait,
		Request:   c.message,
		GiveUp: func(in KVInput) engine.OpStatus {
			if in.Op == opPut {
				return engine.OpUnknown
			}
			return engine.OpFail
		},
	}
	return c
}

// viaFollower marks a read that any server may answer from its applied
// state (KVInput.Via); the others go through the leader's log.
const viaFollower = "follower"

// message is what a try of an operation sends. A retry asks for the
// session as it is now: it has only grown since the operation began.
func (c *ReadSessionClient) message(id int, in KVInput) engine.Message {
	if in.Op == opGet && in.Via == viaFollower {
		return FollowerGet{ID: id, Key: in.Key, MinVersion: c.session}
	}
	if in.Op == opGet {
		return ClientRequest{ID: id, Op: opGet, Key: in.Key}
	}
	return ClientRequest{ID: id, Op: in.Op, Key: in.Key, Value: in.Value}
}

// Session is the highest version the client has seen.
func (c *ReadSessionClient) Session() int { return c.session }

// ValidateRequest checks a client operation before it is accepted.
func (c *ReadSessionClient) ValidateRequest(req engine.Request) error {
	switch req.Name {
	case "write", "read":
	default:
		return fmt.Errorf("unknown client operation %q (use write or read)", req.Name)
	}
	if k, ok := req.Args["key"]; ok && k == "" {
		return fmt.Errorf("key is empty")
	}
	if node := req.Args["node"]; node != "" && node != nearest && c.rc.Servers() != nil && !contains(c.rc.Servers(), node) {
		return fmt.Errorf("no server called %q", node)
	}
	return nil
}

// Handle is the client's state machine.
func (c *ReadSessionClient) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.rc.Start(env)
		c.locate(env)
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case ClientReply:
			c.onReply(env, ev.From, m)
		case FollowerReply:
			c.onFollowerReply(env, ev.From, m)
		}
	case engine.EvTimer:
		c.rc.Timer(env, ev.Timer)
	}
}

// locate finds the client's region and its nearest server.
func (c *ReadSessionClient) locate(env engine.Env) {
	clients := env.Members(engine.RoleClient)
	for i, id := range clients {
		if id == c.id {
			c.region = regionOf(clientRegions, i)
		}
	}
	servers := c.rc.Servers()
	if len(servers) > 0 {
		c.nearest = servers[0]
	}
	for i, s := range servers {
		if regionOf(serverRegions, i) == c.region {
			c.nearest = s
			break
		}
	}
}

func (c *ReadSessionClient) request(env engine.Env, req engine.Request) {
	in := KVInput{Op: opGet, Key: req.Args["key"]}
	if in.Key == "" {
		in.Key = "x"
	}
	node := req.Args["node"]
	if node == nearest {
		node = ""
	}
	switch {
	case req.Name == "write":
		in.Op = opPut
		in.Value = req.Args["value"]
		if in.Value == "" {
			c.counter++
			in.Value = c.id + strconv.Itoa(c.counter)
		}
		if node == "" {
			node = c.leader
		}
	case node != "" || env.Param(ParamReadLeader, 0) == 0:
		// A follower read: to the server named, or the nearest.
		in.Via = viaFollower
		if node == "" {
			node = c.nearest
		}
	default:
		node = c.leader // a read through the leader's log
	}
	c.rc.Invoke(env, in, node)
}

func (c *ReadSessionClient) onReply(env engine.Env, from string, m ClientReply) {
	if m.NotLeader {
		if m.Hint != "" {
			c.leader = m.Hint
		}
		c.rc.Refused(env, from, m.ID, m.Hint)
		return
	}
	op, ok := c.rc.Get(m.ID)
	if !ok {
		return
	}
	c.leader = from
	c.session = max(c.session, m.Version)
	text := "ok v" + itoa(m.Version)
	if op.In.Op == opGet {
		text = strconv.Quote(m.Value) + " v" + itoa(m.Version)
	}
	c.rc.Answer(env, from, m.ID, KVOutput{Value: m.Value}, text)
}

func (c *ReadSessionClient) onFollowerReply(env engine.Env, from string, m FollowerReply) {
	if _, ok := c.rc.Get(m.ID); !ok {
		return
	}
	if m.Refused != "" {
		c.rc.Refused(env, from, m.ID, "") // try the next server
		return
	}
	c.session = max(c.session, m.Version)
	c.rc.Answer(env, from, m.ID, KVOutput{Value: m.Value}, strconv.Quote(m.Value)+" v"+itoa(m.Version)+" from "+from)
}

// View shows the session and the client's operations.
func (c *ReadSessionClient) View() engine.ProcessView {
	w := []engine.Widget{engine.FieldsWidget(WSession,
		engine.Field{Label: "session version", Value: itoa(c.session)},
		engine.Field{Label: "region", Value: c.region},
		engine.Field{Label: "nearest server", Value: c.nearest},
	)}
	return engine.ProcessView{Role: "client", Badge: "v" + itoa(c.session), Widgets: append(w, c.rc.Widgets()...)}
}
