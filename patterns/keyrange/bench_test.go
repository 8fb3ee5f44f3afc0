package keyrange

import (
	"strconv"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkKeyRange: three data nodes, a client command every millisecond:
// alice and bob put one of 200 keys (so ranges keep splitting and moving
// for the first few hundred commands), get them and scan [k05, k07). One
// op is one engine event, with every invariant judging every step.
func BenchmarkKeyRange(b *testing.B) {
	kittest.ClientLoad(b, KeyRangePartitions(), 3, nil, func(i int, cfg engine.Config) engine.Command {
		client := cfg.Clients[i%2]
		key := "k" + strconv.Itoa(100+(i*37)%200)
		switch i % 4 {
		case 0, 1:
			return engine.Command{Kind: engine.CmdClient, Node: client, Name: opPut, Args: map[string]string{"key": key, "value": strconv.Itoa(i)}}
		case 2:
			return engine.Command{Kind: engine.CmdClient, Node: client, Name: opGet, Args: map[string]string{"key": key}}
		}
		return engine.Command{Kind: engine.CmdClient, Node: client, Name: opScan, Args: map[string]string{"start": "k150", "end": "k170"}}
	})
}
