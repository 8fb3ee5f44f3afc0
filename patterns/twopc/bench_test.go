package twopc

import (
	"strconv"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkTwoPhaseCommit: a transfer every 1 ms, alternating alice and
// bob, between accounts on two participants (some refused: a lock held,
// funds short), with 2 and 4 participants. One op is one engine event.
func BenchmarkTwoPhaseCommit(b *testing.B) {
	for _, parts := range []int{2, 4} {
		b.Run(strconv.Itoa(parts)+"-participants", func(b *testing.B) {
			kittest.ClientLoad(b, TwoPhaseCommit(), parts, nil, func(i int, cfg engine.Config) engine.Command {
				client := "alice"
				if i%2 == 1 {
					client = "bob"
				}
				ps := cfg.Nodes[1:]
				from, to := ps[i%len(ps)], ps[(i+1)%len(ps)]
				return engine.Command{Kind: engine.CmdClient, Node: client, Name: opTransfer,
					Args: map[string]string{"from": accountName(from, i%accountsPer), "to": accountName(to, (i/2)%accountsPer), "amount": strconv.Itoa(1 + i%40)}}
			})
		})
	}
}
