package web

import (
	"testing"

	"clusterscope/engine"
)

// A client request is told with its arguments, and one without any (a
// table refresh) without an empty pair of brackets.
func TestCommandPlainTellsClientRequests(t *testing.T) {
	for _, c := range []struct {
		cmd  engine.Command
		want string
	}{
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "get", Args: map[string]string{"key": "apple"}}, "alice sends a get request (key apple)."},
		{engine.Command{Kind: engine.CmdClient, Node: "alice", Name: "refresh"}, "alice sends a refresh request."},
	} {
		if got := commandPlain(&c.cmd, nil); got != c.want {
			t.Errorf("%v: %q, want %q", c.cmd, got, c.want)
		}
	}
}
