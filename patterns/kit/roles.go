package kit

import (
	"fmt"
	"math"
	"sort"

	"clusterscope/engine"
)

// Role declares one kind of process in a cluster: how many there are at a
// given page size (the "nodes" setting a learner picks), how many more wait
// on standby for a join, and how they are named.
type Role struct {
	Name engine.Role
	// Client processes send operations and are not peers of the servers.
	Client bool
	// Count is how many processes of this role are in the cluster at size
	// n (nil: n). Standby is how many more exist outside it, waiting for a
	// join (nil: none).
	Count, Standby func(size int) int
	// Names gives the name of the i-th process of this role (from 0,
	// members first, then standby); "" when it has no more names. Nil: the
	// book's server names (ServerName) for the first server role without
	// Names, the book's client names (ClientName) for the first such client
	// role, otherwise Numbered(Name+"-").
	Names func(i int) string
}

// Fixed is a Count that ignores the size.
func Fixed(n int) func(int) int { return func(int) int { return n } }

// The book's server and client names, in order.
var (
	bookServers = []string{"athens", "byzantium", "cyrene", "delphi", "ephesus", "funchal", "gades"}
	bookClients = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
)

// ServerName is the i-th server name (from 0): the book's names first
// (athens, byzantium, cyrene...), then n008, n009... up to n999, which sort
// after them and in order. Past that it is "".
func ServerName(i int) string { return bookThenNumbered(bookServers, "n", i) }

// ClientName is the i-th client name: alice, bob, carol... then c009...
func ClientName(i int) string { return bookThenNumbered(bookClients, "c", i) }

func bookThenNumbered(book []string, prefix string, i int) string {
	if i < 0 || i >= 999 {
		return ""
	}
	if i < len(book) {
		return book[i]
	}
	return fmt.Sprintf("%s%03d", prefix, i+1)
}

// Numbered names processes prefix+"01", prefix+"02"... (three digits past
// 99, so names of one role sort in order up to 999).
func Numbered(prefix string) func(int) string {
	return func(i int) string {
		if i < 0 || i >= 999 {
			return ""
		}
		return fmt.Sprintf("%s%02d", prefix, i+1)
	}
}

// Layout is the set of processes of one cluster at one size.
type Layout struct {
	Servers, Clients, Standby []string
	Roles                     map[string]engine.Role
}

// Layout names every process of the cluster at the given size (0: the
// default size). A size the cluster does not run at, or one whose processes
// cannot all be named or would pass engine.MaxProcesses, is an error:
// never a silent cut.
func (c *Cluster) Layout(size int) (Layout, error) {
	if size == 0 {
		size = c.DefaultSize()
	}
	if size < c.MinNodes || size > c.MaxNodes {
		return Layout{}, fmt.Errorf("runs with %d to %d nodes, not %d", c.MinNodes, c.MaxNodes, size)
	}
	roles := c.Roles
	if len(roles) == 0 {
		clients := c.Clients
		roles = []Role{{Name: engine.RoleNode}, {Name: engine.RoleClient, Client: true, Count: Fixed(len(clients)), Names: func(i int) string {
			if i < len(clients) {
				return clients[i]
			}
			return ""
		}}}
	}
	l := Layout{Roles: map[string]engine.Role{}}
	seen := map[string]bool{}
	firstServer, firstClient := true, true
	total := 0
	for _, r := range roles {
		count, standby := size, 0
		if r.Count != nil {
			count = r.Count(size)
		}
		if r.Standby != nil {
			standby = r.Standby(size)
		}
		if count < 0 || standby < 0 || (r.Client && standby > 0) {
			return Layout{}, fmt.Errorf("role %s: %d members and %d on standby at size %d", r.Name, count, standby, size)
		}
		if total += count + standby; total > engine.MaxProcesses {
			return Layout{}, fmt.Errorf("size %d needs more than %d processes", size, engine.MaxProcesses)
		}
		names := r.Names
		switch {
		case names != nil:
		case r.Client && firstClient:
			names, firstClient = ClientName, false
		case !r.Client && firstServer:
			names, firstServer = ServerName, false
		default:
			names = Numbered(string(r.Name) + "-")
		}
		for i := 0; i < count+standby; i++ {
			id := names(i)
			if id == "" {
				return Layout{}, fmt.Errorf("role %s has names for only %d processes; size %d needs %d", r.Name, i, size, count+standby)
			}
			if seen[id] {
				return Layout{}, fmt.Errorf("%q is named twice (role %s)", id, r.Name)
			}
			seen[id] = true
			l.Roles[id] = r.Name
			switch {
			case r.Client:
				l.Clients = append(l.Clients, id)
			case i < count:
				l.Servers = append(l.Servers, id)
			default:
				l.Standby = append(l.Standby, id)
			}
		}
	}
	if len(l.Servers) == 0 {
		return Layout{}, fmt.Errorf("size %d gives no server node", size)
	}
	if len(c.Roles) == 0 {
		l.Roles = nil // the engine's defaults: RoleNode and RoleClient
	}
	return l, nil
}

// MustLayout sets Nodes and Clients to the processes of size (the page's
// default layout, which pages and tests read). A layout that fails is a
// mistake in the page's declaration: it panics when the page is built.
func (c *Cluster) MustLayout(size int) {
	l, err := c.Layout(size)
	if err != nil {
		panic("kit: a page's declared layout fails: " + err.Error())
	}
	c.Nodes, c.Clients = l.Servers, l.Clients
}

// DefaultSize is the size a page opens with.
func (c *Cluster) DefaultSize() int {
	if c.Size > 0 {
		return c.Size
	}
	return len(c.Nodes)
}

// Setup is one of several ways a page can run its pattern (Majority Quorum
// on the replicated log, or on a leaderless store): a whole cluster of its
// own, chosen by the page's setup selector, the `setup` URL parameter or a
// scenario's `setup:` key.
type Setup struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Cluster *Cluster `json:"-"`
}

// SetupCluster returns the cluster of the named setup; "" or the first
// setup's name is the cluster itself.
func (c *Cluster) SetupCluster(name string) (*Cluster, error) {
	if name == "" || (len(c.Setups) > 0 && name == c.Setups[0].Name) {
		return c, nil
	}
	var names []string
	for _, s := range c.Setups {
		if s.Name == name {
			return s.Cluster, nil
		}
		names = append(names, s.Name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no setup %q: this page has only one", name)
	}
	return nil, fmt.Errorf("no setup %q (there are: %v)", name, names)
}

// Model is the engine model of a run: the pattern's own (Build), with the
// declared settings and their ranges, so the engine refuses a param that is
// unknown or out of range wherever it comes from (page, link, scenario).
func (c *Cluster) Model(cfg engine.Config) engine.Model {
	m := c.Build(cfg)
	m.Params = c.paramRanges()
	if c.Refuse != nil {
		servers := len(cfg.Nodes)
		m.CheckParams = func(p map[string]int) error { return c.Refuse(p, servers) }
	}
	return m
}

// paramRanges lists every setting the cluster knows: declared ones with
// their range, undeclared defaults with the whole int range (a pattern's
// tests catch those with CheckParams).
func (c *Cluster) paramRanges() []engine.ParamRange {
	byName := map[string]engine.ParamRange{}
	for k := range c.Params {
		byName[k] = engine.ParamRange{Name: k, Min: math.MinInt, Max: math.MaxInt}
	}
	for _, list := range [][]Param{c.Settings, c.ParamDocs} {
		for _, p := range list {
			if p.Type == ParamInt && p.Max > p.Min {
				byName[p.Name] = engine.ParamRange{Name: p.Name, Min: p.Min, Max: p.Max}
			} else if _, ok := byName[p.Name]; !ok {
				byName[p.Name] = engine.ParamRange{Name: p.Name, Min: math.MinInt, Max: math.MaxInt}
			}
		}
	}
	out := make([]engine.ParamRange, 0, len(byName))
	for _, r := range byName {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// CheckParams reports settings that a run reads without a declared range:
// each must be an int Param with Min < Max in Settings or ParamDocs, and
// every shown setting must have a default.
func (c *Cluster) CheckParams() error {
	declared := map[string]bool{}
	for _, list := range [][]Param{c.Settings, c.ParamDocs} {
		for _, p := range list {
			if p.Type != ParamInt || p.Max <= p.Min {
				return fmt.Errorf("setting %s: declare it as an int with Min < Max", p.Name)
			}
			declared[p.Name] = true
			if _, ok := c.Params[p.Name]; !ok {
				return fmt.Errorf("setting %s has no default in Params", p.Name)
			}
		}
	}
	for k, v := range c.Params {
		if !declared[k] {
			return fmt.Errorf("setting %s has a default but no declared range", k)
		}
		for _, list := range [][]Param{c.Settings, c.ParamDocs} {
			for _, p := range list {
				if p.Name == k && (v < p.Min || v > p.Max) {
					return fmt.Errorf("setting %s: default %d outside %d..%d", k, v, p.Min, p.Max)
				}
			}
		}
	}
	return nil
}

// CheckParam says why a setting's value would be refused: an unknown name
// or a value outside its declared range (nil when it is fine).
func (c *Cluster) CheckParam(name string, v int) error {
	for _, r := range c.paramRanges() {
		if r.Name == name {
			if v < r.Min || v > r.Max {
				return fmt.Errorf("%s must be %d..%d, not %d", name, r.Min, r.Max, v)
			}
			return nil
		}
	}
	return fmt.Errorf("no setting %q", name)
}
