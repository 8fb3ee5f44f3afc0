package durable

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// durable-never-rewritten remembers entries past its first chunk too: an
// entry far into a long log, read again unchanged, passes, and rewritten
// under it, is reported.
func TestStableCheckCatchesARewriteDeepInTheLog(t *testing.T) {
	s := newRun(t)
	for i := 0; i < 2*stableChunk+10; i++ {
		put(t, s, []string{"alice", "bob"}[i%2], "k"+strconv.Itoa(i%8), strconv.Itoa(i))
		s.RunFor(time.Millisecond, 100)
	}
	require.Empty(t, s.Violations())
	n := s.World().Process("athens").(*Node)
	d := s.World().Disk("athens")
	var check stableCheck
	require.Empty(t, check.check("athens", n, d))
	require.Greater(t, check.seen, stableChunk+5)

	target := stableChunk + 5
	check.upto = target - 1 // as after a truncation back to target-1
	require.Empty(t, check.check("athens", n, d), "the same entries read again are no rewrite")

	seg := n.log.segs[n.log.find(target)]
	rec := &d.File(seg.name).Records()[target-seg.base]
	e := rec.Data.(Entry)
	e.Value = "rewritten"
	rec.Data = e
	require.Empty(t, check.check("athens", n, d), "an entry it already checked is not read again")
	check.upto = target - 1 // as after a truncation back to target-1
	text := check.check("athens", n, d)
	require.True(t, strings.Contains(text, "durable entry "+strconv.Itoa(target)+" was"), text)
}
