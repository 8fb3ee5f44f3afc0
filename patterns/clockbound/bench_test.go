package clockbound

import (
	"strconv"
	"testing"

	"clusterscope/engine"
	"clusterscope/patterns/kit/kittest"
)

// BenchmarkClockBoundWait: three servers, a client command every
// millisecond: philip writes one of eight keys on each server in turn
// (every write held 100 ms by commit-wait, so about a hundred are held at
// once), alice and bob read them in between. One op is one engine event,
// with both invariants judging every step.
func BenchmarkClockBoundWait(b *testing.B) {
	c := ClockBoundWait()
	kittest.ClientLoad(b, c, 3, nil, func(i int, _ engine.Config) engine.Command {
		args := map[string]string{"key": "k" + strconv.Itoa(i%8), "node": serverNames[i%3]}
		if i%3 == 0 {
			args["value"] = strconv.Itoa(i)
			return engine.Command{Kind: engine.CmdClient, Node: "philip", Name: opWrite, Args: args}
		}
		return engine.Command{Kind: engine.CmdClient, Node: c.Clients[1+i%2], Name: opRead, Args: args}
	})
}
