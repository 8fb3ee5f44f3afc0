package gossip

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
	"clusterscope/patterns/sweep"
)

func TestConformance(t *testing.T) {
	kittest.Run(t, GossipDissemination(), kittest.Options{Pattern: "gossip-dissemination", Caught: map[string]kittest.Catch{
		VarNoGeneration: {Seed: 1, Invariant: sweep.SettledPrefix + "converged"},
	}})
}
