package leaderless

import (
	"time"
)

// A request is one client operation a coordinator is working on: the
// book's quorum callback. Every message it sends goes on the waiting list
// under its own correlation id, and all of them point here; the request
// completes once (Success when a quorum of replicas has answered a phase,
// Timeout when its deadline passes first).
type request struct {
	ID     int // the coordinator's number for it (r1, r2...)
	Client string
	OpID   int // the client's operation id, echoed to it
	Op     Op
	// Phase is what the request waits for now: the write of a set, the
	// read of a get, or a get's write-back of the newest value it read.
	Phase  string
	Quorum int
	// From lists the responses counted in this phase by responder, in
	// arrival order. With the pattern a replica appears once (its entry
	// leaves the list when it answers); the broken variant counts a
	// duplicated response again.
	From []string
	// Done are the phases already passed, with the responders each
	// counted.
	Done []phaseDone

	Version Version // a set: the version written; a get: the newest read
	Value   string  // a get: the value of Version
	// Stale: some replica that answered the read held an older version,
	// so the get writes the newest back before it answers.
	Stale bool
	// Holders is how many of the phase's responders hold Version.
	Holders int

	// The quorum KV's own (quorum.go): the settings the request started
	// with, the key's home replicas, and the replicas asked in this phase
	// (the home ones, then stand-ins under a sloppy quorum).
	Settings quorumSettings
	Home     []string
	Asked    []string

	Created, Deadline time.Duration // the coordinator's local clock

	Status      Status // "" while pending
	Completions int    // how many times it completed (the pattern: at most once)
}

// Phases of a request.
const (
	phaseWrite  = "write"
	phaseRead   = "read"
	phaseRepair = "write-back"
	// phaseVersion is a quorum KV write's first phase: it asks a read
	// quorum for the versions they hold, to number its own above them.
	phaseVersion = "version read"
)

// phaseDone is a phase a request has passed and who answered it.
type phaseDone struct {
	Phase  string
	From   []string
	Quorum int // the answers it needed
}

// distinct is how many different responders from holds.
func distinct(from []string) int {
	n := 0
	for i, x := range from {
		seen := false
		for _, y := range from[:i] {
			if x == y {
				seen = true
				break
			}
		}
		if !seen {
			n++
		}
	}
	return n
}

// entry is one message on the waiting list: the replica it went to and the
// request it belongs to.
type entry struct {
	To  string
	Req *request
}
