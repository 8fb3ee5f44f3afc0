package kit

import (
	"slices"
	"strings"
	"testing"

	"clusterscope/engine"
)

func TestLayoutNamesEveryProcessByRole(t *testing.T) {
	c := &Cluster{MinNodes: 1, MaxNodes: 200, Size: 4, Roles: []Role{
		{Name: "coordinator", Count: Fixed(1)},
		{Name: "participant", Count: func(n int) int { return n - 1 }, Standby: Fixed(1)},
		{Name: "data"},
		{Name: engine.RoleClient, Client: true, Count: Fixed(3)},
	}}
	c.Roles[0].Names = func(i int) string {
		if i == 0 {
			return "coord"
		}
		return ""
	}
	l, err := c.Layout(0)
	if err != nil {
		t.Fatal(err)
	}
	wantServers := []string{"coord", "athens", "byzantium", "cyrene", "data-01", "data-02", "data-03", "data-04"}
	if !slices.Equal(l.Servers, wantServers) || !slices.Equal(l.Standby, []string{"delphi"}) || !slices.Equal(l.Clients, []string{"alice", "bob", "carol"}) {
		t.Fatalf("servers %v standby %v clients %v", l.Servers, l.Standby, l.Clients)
	}
	if l.Roles["delphi"] != "participant" || l.Roles["data-02"] != "data" || l.Roles["carol"] != engine.RoleClient {
		t.Fatalf("roles %v", l.Roles)
	}
}

// Past the book's seven names come n008, n009...: asking for 12 servers
// gives 12, never a silent 7.
func TestLayoutPastTheBooksNamesAndItsErrors(t *testing.T) {
	c := &Cluster{MinNodes: 1, MaxNodes: 300, Clients: []string{"alice"}}
	l, err := c.Layout(12)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Servers) != 12 || l.Servers[6] != "gades" || l.Servers[7] != "n008" || l.Servers[11] != "n012" || !slices.IsSorted(l.Servers) {
		t.Fatalf("12 servers: %v", l.Servers)
	}
	if _, err := c.Layout(300); err == nil || !strings.Contains(err.Error(), "256") {
		t.Fatalf("300 processes: %v", err)
	}
	if _, err := (&Cluster{MinNodes: 1, MaxNodes: 3}).Layout(4); err == nil {
		t.Fatal("a size past MaxNodes was accepted")
	}
	short := &Cluster{MinNodes: 1, MaxNodes: 9, Roles: []Role{{Name: "node", Names: func(i int) string {
		return []string{"a", "b", "c", ""}[min(i, 3)]
	}}}}
	if _, err := short.Layout(5); err == nil || !strings.Contains(err.Error(), "names for only 3") {
		t.Fatalf("a size the naming cannot meet: %v", err)
	}
}

func TestSetupClusterPicksByName(t *testing.T) {
	other := &Cluster{}
	c := &Cluster{Setups: []Setup{{Name: "log"}, {Name: "leaderless", Cluster: other}}}
	for name, want := range map[string]*Cluster{"": c, "log": c, "leaderless": other} {
		if got, err := c.SetupCluster(name); err != nil || got != want {
			t.Errorf("%q: %v", name, err)
		}
	}
	if _, err := c.SetupCluster("paxos"); err == nil || !strings.Contains(err.Error(), "leaderless") {
		t.Fatalf("unknown setup: %v", err)
	}
}

func TestModelCarriesDeclaredRanges(t *testing.T) {
	c := &Cluster{Params: map[string]int{"q": 0}, Settings: []Param{{Name: "q", Type: ParamInt, Min: 0, Max: 7}},
		Build: func(engine.Config) engine.Model { return engine.Model{} }}
	if got := c.Model(engine.Config{}).Params; !slices.Equal(got, []engine.ParamRange{{Name: "q", Min: 0, Max: 7}}) {
		t.Fatalf("ranges %v", got)
	}
	if c.CheckParam("q", 8) == nil || c.CheckParam("z", 1) == nil || c.CheckParam("q", 7) != nil {
		t.Fatal("CheckParam")
	}
	if err := c.CheckParams(); err != nil {
		t.Fatal(err)
	}
	c.Params["hidden"] = 1
	if c.CheckParams() == nil {
		t.Fatal("a default without a declared range passed")
	}
}

// MustLayout sets a page's default processes, and a declaration whose
// layout fails stops the page being built, saying why.
func TestMustLayoutSetsTheDefaultProcesses(t *testing.T) {
	c := &Cluster{MinNodes: 1, MaxNodes: 5, Size: 3, Roles: []Role{
		{Name: "node"},
		{Name: engine.RoleClient, Client: true, Count: Fixed(2)},
	}}
	c.MustLayout(c.Size)
	if !slices.Equal(c.Nodes, []string{"athens", "byzantium", "cyrene"}) || !slices.Equal(c.Clients, []string{"alice", "bob"}) {
		t.Fatalf("nodes %v clients %v", c.Nodes, c.Clients)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "layout") {
			t.Errorf("a size past MaxNodes: recovered %v, want a panic naming the layout", r)
		}
	}()
	c.MustLayout(9)
}
