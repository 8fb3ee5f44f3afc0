package durable

import (
	"strconv"

	"clusterscope/patterns/kit"
)

// Settings every durable page reads.
const (
	ParamSegmentEntries = "segment-entries" // entries per segment; 0 = one file, never roll
	ParamGroupCommit    = "group-commit"    // writes one fsync may cover; 1 = fsync every write
	ParamGroupCommitMs  = "group-commit-ms" // the longest a write waits for its group's fsync
	ParamSnapshotEvery  = "snapshot-every"  // take a snapshot every N applied entries; 0 = only when asked
	ParamClientTimeout  = "client-timeout-ms"
)

const (
	defGroupCommitMs = 5
	defClientTimeout = 400
	maxEntriesLimit  = 10_000
)

var settings = []kit.Param{
	{Name: ParamSegmentEntries, Label: "entries per segment (0 = one file)", Type: kit.ParamInt, Default: "0", Min: 0, Max: maxEntriesLimit},
	{Name: ParamGroupCommit, Label: "group commit: writes per fsync (1 = every write)", Type: kit.ParamInt, Default: "1", Min: 1, Max: 1000},
	{Name: ParamGroupCommitMs, Label: "group commit: longest wait for an fsync (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defGroupCommitMs), Min: 1, Max: 60_000},
	{Name: ParamSnapshotEvery, Label: "snapshot every N entries (0 = on request)", Type: kit.ParamInt, Default: "0", Min: 0, Max: maxEntriesLimit},
	{Name: ParamClientTimeout, Label: "client timeout (ms)", Type: kit.ParamInt, Default: strconv.Itoa(defClientTimeout), Min: 1, Max: 600_000},
}

func setting(name string) kit.Param {
	for _, p := range settings {
		if p.Name == name {
			return p
		}
	}
	panic("durable: no setting " + name)
}
