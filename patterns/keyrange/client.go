package keyrange

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// Client is alice or bob. It keeps a copy of the range table and routes
// each request by it, naming the range and the epoch it believes. It
// fetches the table at start, after a refusal, after a try that got no
// answer, and when the learner asks; it never learns of a split or a move
// otherwise, so its copy is usually a little old.
type Client struct {
	id      string
	table   []RangeInfo
	version int

	fetching bool
	ops      []*clientOp
	fill     []string // keys still to write, one after another

	// results are the last keptResults outcomes, a ring (the i-th
	// outcome from 0 is results[i%keptResults]); their text is built only
	// when the view or a fact asks.
	results [keptResults]outcome
	done    int

	OK, Failed, Unknown int
	Refusals, Fetches   int
	Read                map[string]string
	lastScan            ScanResult // the last scan's answer
}

// outcome is an operation's end as the panel lists it.
type outcome struct {
	op  *clientOp
	out any
	st  engine.OpStatus
}

func (o outcome) String() string {
	text := "failed"
	switch o.st {
	case engine.OpOK:
		text = fmt.Sprint(o.out)
	case engine.OpUnknown:
		text = "timed out"
	}
	return o.op.text() + " → " + text
}

// last is the text of its last outcome ("" before any).
func (c *Client) last() string {
	if c.done == 0 {
		return ""
	}
	return c.results[(c.done-1)%keptResults].String()
}

// scanned is the keys of its last scan, joined by commas.
func (c *Client) scanned() string {
	keys := make([]string, len(c.lastScan.Pairs))
	for i, p := range c.lastScan.Pairs {
		keys[i] = p.Key
	}
	return strings.Join(keys, ",")
}

// clientOp is an operation under way.
type clientOp struct {
	id      int
	put     bool
	scan    bool
	in      Op
	sc      ScanOp
	version int  // the table version of its last try
	waiting bool // for a table, or for its retry timer
	retried bool // its retry timer was ever set

	// A scan: its round of range requests, those still out, the parts of
	// [start, end) answered so far and their keys.
	round       int
	outstanding int
	covered     [][2]string
	pairs       []KV
	answers     int
}

const (
	keptResults  = 5
	opTimeout    = 2 * time.Second
	tryTimeout   = 300 * time.Millisecond
	retryWait    = 60 * time.Millisecond
	fetchTimeout = 200 * time.Millisecond
	maxKeyLen    = 32
	maxValueLen  = 64
	clientFetch  = "fetch"
)

var (
	timeoutTimer = kit.TimerKey[int]{Name: "timeout"}
	tryTimer     = kit.TimerKey[int]{Name: "try"}
	retryTimer   = kit.TimerKey[int]{Name: "retry"}
)

func newClient(id string) *Client { return &Client{id: id, Read: map[string]string{}} }

// ValidateRequest checks a put, get, scan, fill or refresh.
func (c *Client) ValidateRequest(req engine.Request) error {
	switch req.Name {
	case opPut:
		if err := kit.CheckKey(req.Args["key"], maxKeyLen); err != nil {
			return err
		}
		if len(req.Args["value"]) > maxValueLen {
			return fmt.Errorf("value must be at most %d characters", maxValueLen)
		}
	case opGet:
		return kit.CheckKey(req.Args["key"], maxKeyLen)
	case opScan:
		start, end := req.Args["start"], req.Args["end"]
		if len(start) > maxKeyLen || len(end) > maxKeyLen {
			return fmt.Errorf("scan bounds must be at most %d characters", maxKeyLen)
		}
		if end != "" && start >= end {
			return fmt.Errorf("scan [%s, %s) is empty: start must come before end (an empty end means to the end of the key space)", start, end)
		}
	case opFill:
		if _, err := kit.IntArg(req.Args, "count", 1, len(fruits)); err != nil {
			return err
		}
		if o := req.Args["order"]; o != "" && o != orderAlpha && o != orderRandom {
			return fmt.Errorf("order must be %s or %s, not %q", orderAlpha, orderRandom, o)
		}
	case opRefresh:
	default:
		return fmt.Errorf("unknown client operation %q (use put, get, scan, fill or refresh)", req.Name)
	}
	return nil
}

// Handle is the client's state machine.
func (c *Client) Handle(env engine.Env, ev engine.Event) {
	switch ev.Kind {
	case engine.EvStart:
		c.fetch(env)
	case engine.EvRequest:
		c.request(env, ev.Request)
	case engine.EvTimer:
		c.timer(env, ev.Timer)
	case engine.EvReceive:
		switch m := ev.Msg.(type) {
		case PartitionTable:
			c.gotTable(env, m)
		case PutOk:
			if op := c.find(m.ID); op != nil && op.put {
				c.finish(env, op, Result{}, engine.OpOK)
			}
		case GetOk:
			if op := c.find(m.ID); op != nil && !op.put && !op.scan {
				if m.Found {
					c.Read[op.in.Key] = m.Value
				}
				c.finish(env, op, Result{Value: m.Value, Found: m.Found, Read: true}, engine.OpOK)
			}
		case RangeValues:
			c.scanPart(env, m)
		case Refused:
			c.refused(env, ev.From, m)
		}
	}
}

func (c *Client) request(env engine.Env, req engine.Request) {
	switch req.Name {
	case opPut:
		c.invoke(env, &clientOp{put: true, in: Op{Kind: opPut, Key: req.Args["key"], Value: req.Args["value"]}})
	case opGet:
		c.invoke(env, &clientOp{in: Op{Kind: opGet, Key: req.Args["key"]}})
	case opScan:
		c.invoke(env, &clientOp{scan: true, sc: ScanOp{Start: req.Args["start"], End: req.Args["end"]}})
	case opRefresh:
		engine.Notef(env, "%s refreshes its cached range table", engine.S(c.id))
		c.fetch(env)
	case opFill:
		n, _ := strconv.Atoi(req.Args["count"])
		keys := slices.Clone(fruits[:n])
		if req.Args["order"] == orderRandom {
			keys = slices.Clone(fruits)
			env.Rand().Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
			keys = keys[:n]
		}
		idle := len(c.fill) == 0
		c.fill = append(c.fill, keys...)
		if idle {
			c.nextFill(env)
		}
	}
}

// nextFill writes the next key of a fill once the one before is done.
func (c *Client) nextFill(env engine.Env) {
	if len(c.fill) == 0 {
		return
	}
	key := c.fill[0]
	c.fill = c.fill[1:]
	c.invoke(env, &clientOp{put: true, in: Op{Kind: opPut, Key: key, Value: c.id + strconv.Itoa(c.done+len(c.ops)+1)}})
}

func (c *Client) invoke(env engine.Env, op *clientOp) {
	if op.scan {
		op.id = env.Invoke(op.sc)
	} else {
		op.id = env.Invoke(op.in)
	}
	c.ops = append(c.ops, op)
	timeoutTimer.Set(env, op.id, opTimeout)
	if c.version == 0 {
		op.waiting = true
		c.fetch(env)
		return
	}
	c.try(env, op)
}

func (c *Client) find(id int) *clientOp {
	for _, op := range c.ops {
		if op.id == id {
			return op
		}
	}
	return nil
}

// try sends op by the cached table: a put or get to the owner of its
// key's range, a scan to the owner of every range that overlaps the part
// of its interval not answered yet.
func (c *Client) try(env engine.Env, op *clientOp) {
	op.waiting, op.version = false, c.version
	tryTimer.Set(env, op.id, tryTimeout)
	if !op.scan {
		r := tableRange(c.table, op.in.Key)
		if r == nil {
			op.waiting = true
			c.fetch(env)
			return
		}
		if op.put {
			env.Send(r.Owner, Put{ID: op.id, Range: r.ID, Epoch: r.Epoch, Key: op.in.Key, Value: op.in.Value})
		} else {
			env.Send(r.Owner, Get{ID: op.id, Range: r.ID, Epoch: r.Epoch, Key: op.in.Key})
		}
		return
	}
	op.round++
	op.outstanding = 0
	for _, gap := range gaps(op.sc.Start, op.sc.End, op.covered) {
		for _, r := range c.table {
			if lo, hi, ok := overlap(gap[0], gap[1], r.Start, r.End); ok {
				env.Send(r.Owner, GetAllInRange{ID: op.id, Round: op.round, Range: r.ID, Epoch: r.Epoch, Start: lo, End: hi})
				op.outstanding++
			}
		}
	}
}

// insertInterval adds iv to covered, kept in order of start.
func insertInterval(covered [][2]string, iv [2]string) [][2]string {
	i := sort.Search(len(covered), func(i int) bool { return covered[i][0] >= iv[0] })
	return slices.Insert(covered, i, iv)
}

// covers reports whether covered (disjoint, in order) leaves no gap in
// [start, end).
func covers(start, end string, covered [][2]string) bool {
	at := start
	for _, iv := range covered {
		if iv[0] > at {
			return false
		}
		if iv[1] == "" {
			return true
		}
		at = max(at, iv[1])
	}
	return end != "" && at >= end
}

// gaps lists the parts of [start, end) that covered (disjoint intervals,
// in order) leaves out, in order.
func gaps(start, end string, covered [][2]string) [][2]string {
	var out [][2]string
	at := start
	for _, iv := range covered {
		if iv[0] > at {
			out = append(out, [2]string{at, iv[0]})
		}
		if iv[1] == "" {
			return out
		}
		at = max(at, iv[1])
	}
	if end == "" || at < end {
		out = append(out, [2]string{at, end})
	}
	return out
}

// scanPart takes one range's answer to a scan: its part of the interval,
// unless a part already answered overlaps it (a duplicate).
func (c *Client) scanPart(env engine.Env, m RangeValues) {
	op := c.find(m.ID)
	if op == nil || !op.scan {
		return
	}
	for _, iv := range op.covered {
		if _, _, ok := overlap(iv[0], iv[1], m.Start, m.End); ok {
			return
		}
	}
	op.covered = insertInterval(op.covered, [2]string{m.Start, m.End})
	op.pairs = append(op.pairs, m.Pairs...)
	op.answers++
	if m.Round == op.round {
		op.outstanding--
	}
	if covers(op.sc.Start, op.sc.End, op.covered) {
		slices.SortFunc(op.pairs, func(a, b KV) int { return strings.Compare(a.Key, b.Key) })
		c.lastScan = ScanResult{Pairs: op.pairs, Ranges: op.answers}
		c.finish(env, op, c.lastScan, engine.OpOK)
		return
	}
	if op.outstanding <= 0 && !op.waiting {
		op.waiting = true
		c.fetch(env)
	}
}

// refused: the node does not hold the range at that epoch, or the key
// lies outside it. The cached table is old: fetch it and try again.
func (c *Client) refused(env engine.Env, from string, m Refused) {
	op := c.find(m.ID)
	if op == nil {
		return
	}
	c.Refusals++
	if op.scan {
		if m.Round != op.round {
			return
		}
		if op.outstanding--; op.outstanding > 0 {
			return // the others' answers still count
		}
	}
	if !op.waiting {
		op.waiting = true
		tryTimer.Cancel(env, op.id)
		c.fetch(env)
	}
}

// fetch asks the coordinator for the table, unless a fetch is out.
func (c *Client) fetch(env engine.Env) {
	if c.fetching {
		return
	}
	c.fetching = true
	c.Fetches++
	env.Send(Coordinator, GetPartitionTable{})
	env.SetTimer(clientFetch, fetchTimeout)
}

// gotTable keeps the newer table and tries every waiting operation again:
// at once when the table changed since its last try, else after a pause
// (a split or move is under way; the table will change).
func (c *Client) gotTable(env engine.Env, m PartitionTable) {
	c.fetching = false
	env.CancelTimer(clientFetch)
	if m.Version > c.version {
		if c.version > 0 {
			engine.Notef(env, "%s's cached table goes from v%d to v%d", engine.S(c.id), engine.D(c.version), engine.D(m.Version))
		}
		c.table, c.version = m.Ranges, m.Version
	}
	for _, op := range c.ops {
		if !op.waiting {
			continue
		}
		if c.version > op.version {
			c.try(env, op)
		} else {
			retryTimer.Set(env, op.id, retryWait)
			op.retried = true
		}
	}
}

func (c *Client) timer(env engine.Env, name string) {
	if name == clientFetch {
		c.fetching = false
		if c.version == 0 || c.anyWaiting() {
			c.fetch(env)
		}
		return
	}
	if id, ok := timeoutTimer.Match(name); ok {
		if op := c.find(id); op != nil {
			st := engine.OpFail
			if op.put {
				st = engine.OpUnknown
			}
			c.finish(env, op, nil, st)
		}
		return
	}
	if id, ok := tryTimer.Match(name); ok {
		if op := c.find(id); op != nil && !op.waiting {
			op.waiting = true // no answer: the owner may be down, or the range gone
			c.fetch(env)
		}
		return
	}
	if id, ok := retryTimer.Match(name); ok {
		if op := c.find(id); op != nil && op.waiting {
			if c.version > op.version {
				c.try(env, op)
			} else {
				op.version = -1 // try again with whatever table comes
				c.fetch(env)
			}
		}
	}
}

func (c *Client) anyWaiting() bool {
	for _, op := range c.ops {
		if op.waiting {
			return true
		}
	}
	return false
}

func (c *Client) finish(env engine.Env, op *clientOp, out any, st engine.OpStatus) {
	c.ops = slices.DeleteFunc(c.ops, func(o *clientOp) bool { return o == op })
	timeoutTimer.Cancel(env, op.id)
	tryTimer.Cancel(env, op.id)
	if op.retried {
		retryTimer.Cancel(env, op.id)
	}
	env.Complete(op.id, out, st)
	switch st {
	case engine.OpOK:
		c.OK++
	case engine.OpUnknown:
		c.Unknown++
	default:
		c.Failed++
	}
	c.results[c.done%keptResults] = outcome{op, out, st}
	c.done++
	if op.put && len(c.fill) > 0 {
		c.nextFill(env)
	}
}

func (op *clientOp) text() string {
	if op.scan {
		return op.sc.String()
	}
	return op.in.String()
}

// View is the client's panel: its cached table, what it waits on, its
// last outcomes.
func (c *Client) View() engine.ProcessView {
	rows := make([]engine.TableRow, 0, len(c.table))
	for _, r := range c.table {
		st := tableState(r.State)
		rows = append(rows, engine.Row(engine.Cell{Text: rangeAt(r.ID, r.Epoch), State: st}, engine.Cell{Text: bounds(r.Start, r.End)}, engine.Cell{Text: r.Owner}))
	}
	pending := make([]string, 0, len(c.ops)+1)
	for _, op := range c.ops {
		s := op.text()
		if op.waiting {
			s += " (waiting for the table)"
		}
		pending = append(pending, s)
	}
	if len(c.fill) > 0 {
		pending = append(pending, strconv.Itoa(len(c.fill))+" more keys to write")
	}
	var results []string
	for i := max(0, c.done-keptResults); i < c.done; i++ {
		results = append(results, c.results[i%keptResults].String())
	}
	badge := "table v" + strconv.Itoa(c.version)
	return engine.ProcessView{Role: "client", Badge: badge, Widgets: []engine.Widget{
		engine.TableWidget(WCached, []string{"range", "keys", "owner"}, rows...),
		{Type: engine.WQueue, Title: "pending", Items: pending},
		{Type: engine.WQueue, Title: "results", Items: results},
		engine.FieldsWidget("client",
			engine.Field{Label: "table version", Value: strconv.Itoa(c.version)},
			engine.Field{Label: "ok", Value: strconv.Itoa(c.OK)},
			engine.Field{Label: "refused", Value: strconv.Itoa(c.Refusals)},
			engine.Field{Label: "table fetches", Value: strconv.Itoa(c.Fetches)},
			engine.Field{Label: "unknown / failed", Value: strconv.Itoa(c.Unknown) + " / " + strconv.Itoa(c.Failed)}),
	}}
}
