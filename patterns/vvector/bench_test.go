package vvector

import (
	"strconv"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkVersionVector: three replicas, a client operation every 1 ms
// (alice and bob in turn, adds and gets of 64 keys, so carts stay a few dozen items through each server in
// turn), anti-entropy on. One op is one engine event.
func BenchmarkVersionVector(b *testing.B) {
	c := VersionVector()
	kittest.ClientLoad(b, c, 3, nil, func(i int, cfg engine.Config) engine.Command {
		cmd := engine.Command{Kind: engine.CmdClient, Node: c.Clients[i%2], Name: opGet,
			Args: map[string]string{"key": "k" + strconv.Itoa(i%64), "node": cfg.Nodes[i%3]}}
		if i%4 < 2 {
			cmd.Name, cmd.Args["item"] = opAdd, "i"+strconv.Itoa(i)
		}
		return cmd
	})
}
