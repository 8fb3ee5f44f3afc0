package twopc

import "clusterscope/engine"

// groupSync keeps at most one fsync of the log in flight (group commit):
// records appended meanwhile wait for the next fsync, which covers them
// all. One fsync per record would queue up behind a slow disk faster
// than the disk drains them.
type groupSync struct {
	inFlight bool
	again    bool // records were appended after the fsync in flight began
}

// request asks for the log's written records to become durable.
func (g *groupSync) request(env engine.Env) {
	if g.inFlight {
		g.again = true
		return
	}
	if _, err := env.Fsync(logFile); err == nil {
		g.inFlight, g.again = true, false
	}
}

// done is the fsync's completion: a failed one, or one that did not
// cover the latest records, is followed by another.
func (g *groupSync) done(env engine.Env, d engine.DiskDone) {
	g.inFlight = false
	if d.Err != "" || g.again {
		g.request(env)
	}
}
