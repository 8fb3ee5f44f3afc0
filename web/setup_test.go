package web

import (
	"strings"
	"testing"

	"clusterscope/patterns/kit"
	"clusterscope/web/testlog"
)

// The setup parameter picks one of a page's setups; an unknown one is a
// clear error before any run is built.
func TestSetupParamPicksTheSetup(t *testing.T) {
	pats := testPatterns()
	other := *pats[0].Cluster
	other.MinNodes, other.MaxNodes = 4, 4
	other.Nodes = nil
	c := pats[0].Cluster
	c.Setups = []kit.Setup{{Name: "small", Cluster: c}, {Name: "four", Cluster: &other}}
	srv := New(Options{Patterns: pats, Logger: testlog.New(t)})
	t.Cleanup(srv.Close)
	id := pats[0].ID
	if _, _, err := srv.parseParams(map[string][]string{"pattern": {id}, "setup": {"paxos"}}); err == nil || !strings.Contains(err.Error(), "four") {
		t.Fatalf("unknown setup: %v", err)
	}
	sp, _, err := srv.parseParams(map[string][]string{"pattern": {id}, "setup": {"four"}, "nodes": {"4"}})
	if err != nil {
		t.Fatal(err)
	}
	sess, _, err := srv.newSession(sp, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg := sess.cfg; cfg.Setup != "four" || len(cfg.Nodes) != 4 {
		t.Fatalf("setup %q with %d nodes", cfg.Setup, len(cfg.Nodes))
	}
}
