package patterns

import (
	"clusterscope/patterns/kit"
	"clusterscope/patterns/replog"
	"clusterscope/patterns/updatequeue"
)

// live maps each built pattern's id to its cluster. Adding a pattern is one
// line here plus its own package.
func live() map[string]*kit.Cluster {
	return map[string]*kit.Cluster{
		"leader-and-followers":  replog.LeaderAndFollowers(),
		"heartbeat":             replog.HeartBeat(),
		"generation-clock":      replog.GenerationClock(),
		"majority-quorum":       replog.MajorityQuorum(),
		"high-water-mark":       replog.HighWaterMark(),
		"replicated-log":        replog.ReplicatedLog(),
		"singular-update-queue": updatequeue.SingularUpdateQueue(),
	}
}
