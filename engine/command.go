package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes JSON as text ("150ms",
// "1.5s"), so command logs and scenarios stay readable.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64 // also accept plain nanoseconds
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("duration must be text like \"150ms\": %w", err)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Command kinds. Every change from outside a run is one of these; a run is
// fully described by (config, seed, command log).
const (
	CmdCrash     = "crash"     // Node
	CmdRestart   = "restart"   // Node
	CmdPause     = "pause"     // Node
	CmdResume    = "resume"    // Node
	CmdJoin      = "join"      // Node: a standby (or departed) server boots into the cluster
	CmdLeave     = "leave"     // Node: a server leaves the cluster (its disk stays)
	CmdPartition = "partition" // Groups: cut every link between different groups
	CmdCut       = "cut"       // From -> To only (one-way)
	CmdHeal      = "heal"      // all links up and drop-next rules gone; with From/To, only that pair (both ways)
	CmdReset     = "reset"     // From, To: kill the connections between two processes (either direction)
	CmdOffset    = "offset"    // Node, Dur: set the clock offset
	CmdDrift     = "drift"     // Node, PPM: set the clock rate error in parts per million
	CmdJump      = "jump"      // Node, Dur (may be negative): step the clock once
	CmdDeliver   = "deliver"   // Msg: deliver a message in flight now
	CmdDrop      = "drop"      // Msg: lose a message in flight
	CmdDuplicate = "duplicate" // Msg: deliver a copy now, keep the original in flight
	CmdManual    = "manual"    // On: hold every new message for the learner
	CmdDropNext  = "drop-next" // From, To, MsgKind, Count: drop the next Count matching messages
	CmdNetwork   = "network"   // Net (and optional From/To): link delay/loss settings
	CmdClient    = "client"    // Node = client, Name = op, Args
	CmdAction    = "action"    // Node = server, Name = action, Args
	CmdVariant   = "variant"   // Name, On
	CmdParam     = "param"     // Name, Value: change an integer setting
	CmdDisk      = "disk"      // Node, Name = fault or setting, Value / Dur / Args["file"]: see DiskFaults
)

// Command is one change from outside. Only the fields of its Kind are set.
type Command struct {
	Kind    string            `json:"kind"`
	Node    string            `json:"node,omitempty"`
	Groups  [][]string        `json:"groups,omitempty"`
	From    string            `json:"from,omitempty"`
	To      string            `json:"to,omitempty"`
	Dur     Duration          `json:"dur,omitempty"`
	PPM     int64             `json:"ppm,omitempty"`
	Msg     uint64            `json:"msg,omitempty"`
	MsgKind string            `json:"msgKind,omitempty"`
	Count   int               `json:"count,omitempty"`
	On      bool              `json:"on,omitempty"`
	Name    string            `json:"name,omitempty"`
	Value   int               `json:"value,omitempty"`
	Args    map[string]string `json:"args,omitempty"`
	Net     *NetSettings      `json:"net,omitempty"`
}

// LoggedCommand is a command as it stands in a run's log: applied after Step
// steps, at virtual time At (µs). Time-advancing requests (step, run) are not
// logged: replaying to the next command's step reproduces them.
type LoggedCommand struct {
	Step int   `json:"step"`
	At   int64 `json:"at"`
	Command
}

// NetSettings are the properties of a directed link.
type NetSettings struct {
	MinDelay  Duration `json:"minDelay"`
	MeanDelay Duration `json:"meanDelay"`
	DropPct   float64  `json:"dropPct,omitempty"` // 0..100
	DupPct    float64  `json:"dupPct,omitempty"`  // 0..100
	FIFO      bool     `json:"fifo,omitempty"`
	// Bandwidth (bytes/s; 0: unlimited) and PerMsg (a fixed cost per
	// message) make the link a queue: a message starts transmitting when
	// the one before it has finished, and arrives its delay after that.
	Bandwidth int64    `json:"bandwidth,omitempty"`
	PerMsg    Duration `json:"perMsg,omitempty"`
}

// MaxDelay is the longest a message can take on such a link (without FIFO
// queueing behind an earlier one): delays are drawn uniformly from
// [min, 2·mean − min] and delivered on the next whole microsecond.
func (n NetSettings) MaxDelay() time.Duration {
	return time.Duration(2*n.MeanDelay-n.MinDelay) + time.Microsecond
}

// DefaultNet is a LAN: 1-9ms, mean 5ms, no loss, not FIFO.
var DefaultNet = NetSettings{MinDelay: Duration(time.Millisecond), MeanDelay: Duration(5 * time.Millisecond)}

// String says what the command does, in a few words ("crash athens",
// "partition {athens, byzantium} | {cyrene}", "alice: write key=x value=1").
// The trace, transcripts, branch labels and reports all use it.
func (c Command) String() string {
	switch c.Kind {
	case CmdCrash, CmdRestart, CmdPause, CmdResume:
		return c.Kind + " " + c.Node
	case CmdJoin:
		return c.Node + " joins the cluster"
	case CmdLeave:
		return c.Node + " leaves the cluster"
	case CmdPartition:
		parts := make([]string, len(c.Groups))
		for i, g := range c.Groups {
			parts[i] = "{" + strings.Join(g, ", ") + "}"
		}
		return "partition " + strings.Join(parts, " | ")
	case CmdCut:
		return fmt.Sprintf("cut %s → %s", c.From, c.To)
	case CmdReset:
		return fmt.Sprintf("reset the connections %s ↔ %s", c.From, c.To)
	case CmdHeal:
		if c.From != "" || c.To != "" {
			return fmt.Sprintf("heal %s ↔ %s", c.From, c.To)
		}
		return "heal the network"
	case CmdOffset:
		return fmt.Sprintf("%s clock offset %v", c.Node, time.Duration(c.Dur))
	case CmdDrift:
		return fmt.Sprintf("%s clock drift %+d ppm", c.Node, c.PPM)
	case CmdJump:
		return fmt.Sprintf("%s clock jumps %+v", c.Node, time.Duration(c.Dur))
	case CmdDeliver, CmdDrop, CmdDuplicate:
		return fmt.Sprintf("%s #%d", c.Kind, c.Msg)
	case CmdDisk:
		return diskCommandText(c)
	case CmdManual:
		return "manual delivery " + onOff(c.On)
	case CmdDropNext:
		n := c.Count
		if n == 0 {
			n = 1
		}
		return fmt.Sprintf("drop the next %d %s message(s) %s → %s", n, orAny(c.MsgKind), orAny(c.From), orAny(c.To))
	case CmdNetwork:
		if c.Net == nil {
			return "network"
		}
		text := fmt.Sprintf("network %s → %s: delay %v..%v, drop %g%%, dup %g%%, fifo %v", orAny(c.From), orAny(c.To), time.Duration(c.Net.MinDelay), time.Duration(c.Net.MeanDelay), c.Net.DropPct, c.Net.DupPct, c.Net.FIFO)
		if c.Net.Bandwidth > 0 {
			text += fmt.Sprintf(", %d bytes/s", c.Net.Bandwidth)
		}
		if c.Net.PerMsg > 0 {
			text += fmt.Sprintf(", %v per message", time.Duration(c.Net.PerMsg))
		}
		return text
	case CmdClient, CmdAction:
		return c.Node + ": " + requestText(Request{Name: c.Name, Args: c.Args})
	case CmdVariant:
		return "variant " + c.Name + " " + onOff(c.On)
	case CmdParam:
		return fmt.Sprintf("set %s = %d", c.Name, c.Value)
	}
	return c.Kind
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
