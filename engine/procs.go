package engine

import (
	"math/rand/v2"
	"time"
)

// Status is where a process stands in its life.
type Status string

const (
	StatusUp      Status = "up"
	StatusCrashed Status = "crashed"
	StatusPaused  Status = "paused"
	// StatusStandby: the process exists (it has a name, links and a disk)
	// but has not joined the cluster yet; a join boots it.
	StatusStandby Status = "standby"
	// StatusLeft: the process left the cluster; a join boots it again from
	// its disk.
	StatusLeft Status = "left"
)

// member reports whether the status counts as being in the cluster.
func (s Status) member() bool { return s != StatusStandby && s != StatusLeft }

// proc is the engine's record of one process.
type proc struct {
	id      string
	index   int
	sym     uint32 // id as a trace symbol
	node    int    // index in Sim.nodeProcs, -1 for a client
	client  bool
	role    Role
	p       Process
	env     *procEnv
	status  Status
	storage *Storage
	disk    *Disk
	busy    string // the Work timer it is busy with, "" when idle
	rand    *rand.Rand
	// clock: local = t*(1+ppm/1e6) + offset + jumps + driftFix. offset is what
	// the offset command set, jumps the sum of jumps since, driftFix keeps the
	// reading continuous when the drift changes.
	offset, jumps, driftFix time.Duration
	ppm                     int64
	timers                  timerSet
	held                    []heldItem // what reached the process while paused, in arrival order
	// view is the process's last View, kept until something could have
	// changed it: an event of its own or any command (viewStale). A
	// process's state changes only in its Handle, and its disk only in its
	// own events or a command, so a frame of a large cluster asks only the
	// processes that moved. viewGen numbers the views it has made.
	view      ProcessView
	viewGen   uint64
	viewStale bool
}

// waitReason says why what reaches the process waits.
func (p *proc) waitReason() string {
	if p.status == StatusPaused {
		return "paused"
	}
	return "busy (" + p.busy + ")"
}

// heldItem is a timer or a message that waits for a paused process. It
// names the message by id and the timer by generation too: their records
// may have been recycled since.
type heldItem struct {
	t  *timer
	m  *inFlight
	id uint64 // the message's id, or the timer's gen
}
