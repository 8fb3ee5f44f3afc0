package durable

import (
	"testing"

	"clusterscope/patterns/kit"
	"clusterscope/patterns/kit/kittest"
)

// pages are the clusters this package builds, with their ids.
var pages = []struct {
	id string
	c  func() *kit.Cluster
}{
	{"write-ahead-log", WriteAheadLog},
	{"segmented-log", SegmentedLog},
	{"low-water-mark", LowWaterMarkSingleNode},
}

// caught is where a sweep first catches each broken variant, and by which
// invariant: the seed is the first of 1, 2, 3... that does.
var caught = map[string]kittest.Catch{
	VarAckBeforeFsync:         {Seed: 1, Invariant: InvAckedDurable},
	VarApplyBeforeLogging:     {Seed: 1, Invariant: InvRecoveryMatches},
	VarDeleteByBase:           {Seed: 2, Invariant: InvReadable},
	VarDiscardWithoutSnapshot: {Seed: 1, Invariant: InvMarkOrder},
}

// Each cluster passes the kit's conformance harness.
func TestConformance(t *testing.T) {
	for _, p := range pages {
		t.Run(p.id, func(t *testing.T) {
			c := p.c()
			opt := kittest.Options{Pattern: p.id, Caught: map[string]kittest.Catch{}}
			for _, v := range c.Variants {
				opt.Caught[v.Name] = caught[v.Name]
			}
			kittest.Run(t, c, opt)
		})
	}
}
