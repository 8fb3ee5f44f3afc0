package fixedpart

import (
	"strconv"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkFixedPartitions: three data nodes, twelve partitions, a client
// operation every 1 ms (alice and bob in turn, a put then a get, 32 keys),
// with delphi joining a quarter of the way into each run so partitions
// move under load. One op is one engine event.
func BenchmarkFixedPartitions(b *testing.B) {
	c := FixedPartitions()
	kittest.ClientLoad(b, c, 3, nil, func(i int, cfg engine.Config) engine.Command {
		if i == 500 {
			return engine.Command{Kind: engine.CmdJoin, Node: "delphi"}
		}
		cmd := engine.Command{Kind: engine.CmdClient, Node: c.Clients[i%2], Name: opGet,
			Args: map[string]string{"key": "k" + strconv.Itoa(i%32)}}
		if i%4 < 2 {
			cmd.Name, cmd.Args["value"] = opPut, strconv.Itoa(i)
		}
		return cmd
	})
}

// BenchmarkSweepWorkload: one long run under the sweeps' own workload, a
// command every 2 ms.
func BenchmarkSweepWorkload(b *testing.B) {
	c := FixedPartitions()
	s := kittest.Sim(b, c, 3, 1, nil)
	s.RunFor(50*time.Millisecond, 0)
	kittest.WorkloadLoad(b, c, s, 2*time.Millisecond)
}
