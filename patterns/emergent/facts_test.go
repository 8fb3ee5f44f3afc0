package emergent

import (
	"clusterscope/patterns/kit/kittest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
)

// Every fact is really computed: each takes a non-zero value at some point
// of a run in which athens coordinates, crashes and is succeeded, and the
// node facts agree with what the cluster facts count.
func TestFactsAreComputed(t *testing.T) {
	s := newRun(t)
	seen := map[string]bool{}
	sample := func() {
		w := s.World()
		c := clusterFactsOf(w)
		acting, hosted := 0, 0
		for _, id := range w.Nodes() {
			f, ok := nodeFactsOf(w, id)
			if !ok {
				continue
			}
			seen["coordinator"] = seen["coordinator"] || f.Coordinator != ""
			seen["acting"] = seen["acting"] || f.Acting
			seen["age"] = seen["age"] || f.Age > 0
			seen["version"] = seen["version"] || f.Version > 0
			seen["members"] = seen["members"] || f.Members > 0
			seen["endorsements"] = seen["endorsements"] || f.Endorsed > 0
			seen["hosts"] = seen["hosts"] || f.Hosts > 0
			if f.Acting && w.Status(id) == engine.StatusUp {
				acting++
			}
			if w.Status(id) == engine.StatusUp {
				hosted += f.Hosts
			}
		}
		require.Equal(t, c.Coordinators, acting)
		require.Equal(t, c.Hosted+c.TwoOwners, hosted, "no partition is served three times here")
		seen["cluster coordinator"] = seen["cluster coordinator"] || c.Coordinator != ""
		seen["hosted"] = seen["hosted"] || c.Hosted > 0
		seen["owner"] = seen["owner"] || len(c.Owner) > 0
	}
	for range 40 {
		s.RunFor(50*time.Millisecond, 0)
		sample()
	}
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdCrash, Node: "athens"})
	for range 40 {
		s.RunFor(50*time.Millisecond, 0)
		sample()
	}
	for _, f := range []string{"coordinator", "acting", "age", "version", "members", "endorsements", "hosts", "cluster coordinator", "hosted", "owner"} {
		require.True(t, seen[f], "fact %s never took a value", f)
	}
}
