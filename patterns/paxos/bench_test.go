package paxos

import (
	"strconv"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkPaxos: a proposal every 1 ms, each for a new key, alternating
// alice→athens and bob→byzantium, with 3 and 5 acceptors. One op is one
// engine event.
func BenchmarkPaxos(b *testing.B) {
	for _, acceptors := range []int{3, 5} {
		b.Run(strconv.Itoa(acceptors)+"-acceptors", func(b *testing.B) {
			kittest.ClientLoad(b, Paxos(), acceptors, nil, func(i int, _ engine.Config) engine.Command {
				client, proposer := "alice", "athens"
				if i%2 == 1 {
					client, proposer = "bob", "byzantium"
				}
				return engine.Command{Kind: engine.CmdClient, Node: client, Name: opPropose,
					Args: map[string]string{"key": "k" + strconv.Itoa(i/2), "value": strconv.Itoa(i), "node": proposer}}
			})
		})
	}
}
