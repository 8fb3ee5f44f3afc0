package leaderless

import (
	"strconv"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkQuorumKV: five replicas, N=3 (W=R=2, read repair on), a client
// operation every 1 ms (alice and bob in turn, a set then a get, eight
// keys, each through a different coordinator). One op is one engine event.
func BenchmarkQuorumKV(b *testing.B) {
	c := QuorumKV()
	kittest.ClientLoad(b, c, 5, nil, func(i int, cfg engine.Config) engine.Command {
		cmd := engine.Command{Kind: engine.CmdClient, Node: c.Clients[i%2], Name: opGet,
			Args: map[string]string{"key": "k" + strconv.Itoa(i%8), "node": cfg.Nodes[i%5]}}
		if i%4 < 2 {
			cmd.Name, cmd.Args["value"] = opSet, strconv.Itoa(i)
		}
		return cmd
	})
}
