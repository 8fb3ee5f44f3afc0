package clocks

import (
	"clusterscope/patterns/kit/kittest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clusterscope/engine"
)

// cutServers keeps every copy between the servers waiting: each server
// hears only its clients.
func cutServers(t *testing.T, s *engine.Sim) {
	for _, a := range serverNames {
		for _, b := range serverNames {
			if a != b {
				kittest.Apply(t, s, engine.Command{Kind: engine.CmdCut, From: a, To: b})
			}
		}
	}
}

func table(v engine.ClusterView, title string) *engine.Widget {
	for i := range v.Widgets {
		if v.Widgets[i].Title == title {
			return &v.Widgets[i]
		}
	}
	return nil
}

// alice's write on blue and bob's on green never hear of each other: the
// pair is listed, the lower stamp first. alice's next write, on green,
// comes after both (she carries blue's stamp, green its own past): no
// pair with it is listed. With the setting off the panel shows nothing.
func TestFalseOrderListsConcurrentPairsOnly(t *testing.T) {
	s := newRun(t, LamportClock())
	cutServers(t, s)
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdAction, Node: "green", Name: actSetClock, Args: map[string]string{"value": "6"}})
	write(t, s, "alice", "x", "A", "blue")
	write(t, s, "bob", "y", "B", "green")
	a, b := server(s, "blue").store["x"].Version.TS, server(s, "green").store["y"].Version.TS
	require.True(t, a.Less(b), "alice's %v below bob's %v", a, b)
	write(t, s, "alice", "z", "C", "green")

	require.Nil(t, table(s.View(), WFalsePairs), "off by default")
	kittest.Apply(t, s, engine.Command{Kind: engine.CmdParam, Name: ParamFalseOrder, Value: 1})
	v := s.View()
	pairs := table(v, WFalsePairs)
	require.NotNil(t, pairs)
	require.Len(t, pairs.Rows, 1, "only x=A and y=B are concurrent: %+v", pairs.Rows)
	row := pairs.Rows[0].Cells
	require.Equal(t, "alice's x=A on blue @"+a.String(), row[0].Text)
	require.Equal(t, "bob's y=B on green @"+b.String(), row[1].Text)
	require.Equal(t, engine.StateBad, row[2].State)

	writes := table(v, WRecentWrites)
	require.NotNil(t, writes)
	require.Len(t, writes.Rows, 3)
	require.Contains(t, writes.Columns[2], "blue, green, amber, alice, bob")
	// z=C on green saw green's earlier event (y=B) and, through alice,
	// blue's (x=A): its vector covers both.
	z := writes.Rows[0].Cells
	require.True(t, strings.HasPrefix(z[0].Text, "alice's z=C on green"), z[0].Text)
	require.Empty(t, s.Violations())
}
