package wire

import (
	"testing"

	"clusterscope/patterns/kit/kittest"
)

// Both pages pass the kit's conformance harness; each broken variant is
// caught on the first seed that catches it, by its named invariant.
func TestPipelineConformance(t *testing.T) {
	kittest.Run(t, RequestPipeline(), kittest.Options{Pattern: "request-pipeline", Caught: map[string]kittest.Catch{
		VarNoOrderCheck:    {Seed: 1, Invariant: InvAppliedInOrder},
		VarUnboundedWindow: {Seed: 1, Invariant: InvWithinWindow},
	}})
}

func TestBatchConformance(t *testing.T) {
	kittest.Run(t, RequestBatch(), kittest.Options{Pattern: "request-batch", Caught: map[string]kittest.Catch{
		VarNoLinger:   {Seed: 1, Invariant: InvSentInTime},
		VarByPosition: {Seed: 1, Invariant: InvMatchedByID},
	}})
}
