package engine

// CommandSpec describes one command kind. Commands is the one table of
// them: the scenario steps, their export, the scenario schema, the page's
// menus and the sweep's vocabulary are checked against it by tests, so a
// new command is one entry here plus its behaviour in apply.
type CommandSpec struct {
	Kind string `json:"kind"`
	// Fields are the Command fields it reads, by their JSON names.
	Fields []string `json:"fields,omitempty"`
	Doc    string   `json:"doc"`
	// Fault: it injects a failure (the sweep draws these; a page groups
	// them as faults).
	Fault bool `json:"fault,omitempty"`
	// Page: the page offers it in a menu (static/controls.js).
	Page bool `json:"page,omitempty"`
	// Example is a valid instance on the book's first servers and clients
	// (athens, byzantium...; alice), for round-trip tests.
	Example Command `json:"-"`
}

// Commands lists every command kind, in the order a menu shows them.
var Commands = []CommandSpec{
	{Kind: CmdCrash, Fields: []string{"node"}, Fault: true, Page: true, Doc: "Crash a node: it loses its memory, timers, unsynced writes and inbound messages.", Example: Command{Kind: CmdCrash, Node: "athens"}},
	{Kind: CmdRestart, Fields: []string{"node"}, Page: true, Doc: "Restart a crashed node: it rebuilds itself from its disk.", Example: Command{Kind: CmdRestart, Node: "athens"}},
	{Kind: CmdPause, Fields: []string{"node"}, Fault: true, Page: true, Doc: "Pause a node (a long GC): it keeps its state; its timers and messages wait.", Example: Command{Kind: CmdPause, Node: "athens"}},
	{Kind: CmdResume, Fields: []string{"node"}, Page: true, Doc: "Resume a paused node: what waited runs now.", Example: Command{Kind: CmdResume, Node: "athens"}},
	{Kind: CmdJoin, Fields: []string{"node"}, Fault: true, Page: true, Doc: "A standby (or departed) server boots and joins the cluster.", Example: Command{Kind: CmdJoin, Node: "athens"}},
	{Kind: CmdLeave, Fields: []string{"node"}, Fault: true, Page: true, Doc: "A server leaves the cluster; its disk stays for a later join.", Example: Command{Kind: CmdLeave, Node: "athens"}},
	{Kind: CmdPartition, Fields: []string{"groups"}, Fault: true, Page: true, Doc: "Split the named processes into groups that cannot reach each other.", Example: Command{Kind: CmdPartition, Groups: [][]string{{"athens"}, {"byzantium"}}}},
	{Kind: CmdCut, Fields: []string{"from", "to"}, Fault: true, Page: true, Doc: "Cut one direction of one link.", Example: Command{Kind: CmdCut, From: "athens", To: "byzantium"}},
	{Kind: CmdHeal, Fields: []string{"from", "to"}, Page: true, Doc: "Bring every link up and forget drop rules; with from and to, only that pair.", Example: Command{Kind: CmdHeal}},
	{Kind: CmdReset, Fields: []string{"from", "to"}, Fault: true, Page: true, Doc: "Reset the connections between two processes: what is in flight on them is lost and both ends are told.", Example: Command{Kind: CmdReset, From: "athens", To: "byzantium"}},
	{Kind: CmdOffset, Fields: []string{"node", "dur"}, Fault: true, Page: true, Doc: "Set a node's clock offset.", Example: Command{Kind: CmdOffset, Node: "athens", Dur: Duration(1e9)}},
	{Kind: CmdDrift, Fields: []string{"node", "ppm"}, Fault: true, Page: true, Doc: "Set a node's clock rate error, in parts per million.", Example: Command{Kind: CmdDrift, Node: "athens", PPM: 200}},
	{Kind: CmdJump, Fields: []string{"node", "dur"}, Fault: true, Page: true, Doc: "Step a node's clock once, forwards or backwards.", Example: Command{Kind: CmdJump, Node: "athens", Dur: Duration(-5e8)}},
	{Kind: CmdDeliver, Fields: []string{"msg"}, Page: true, Doc: "Deliver a message in flight now.", Example: Command{Kind: CmdDeliver, Msg: 1}},
	{Kind: CmdDrop, Fields: []string{"msg"}, Fault: true, Page: true, Doc: "Lose a message in flight.", Example: Command{Kind: CmdDrop, Msg: 1}},
	{Kind: CmdDuplicate, Fields: []string{"msg"}, Fault: true, Page: true, Doc: "Deliver a copy of a message now and keep the original in flight.", Example: Command{Kind: CmdDuplicate, Msg: 1}},
	{Kind: CmdManual, Fields: []string{"on"}, Page: true, Doc: "Hold every new message until the learner delivers, drops or duplicates it.", Example: Command{Kind: CmdManual, On: true}},
	{Kind: CmdDropNext, Fields: []string{"from", "to", "msgKind", "count"}, Fault: true, Doc: "Drop the next count messages that match (any field left out matches all).", Example: Command{Kind: CmdDropNext, From: "athens", To: "byzantium", MsgKind: "Ping", Count: 2}},
	{Kind: CmdNetwork, Fields: []string{"from", "to", "net"}, Fault: true, Page: true, Doc: "Set link delays, loss, duplication, bandwidth (bytes/s) and per-message cost (all links, or from/to only).", Example: Command{Kind: CmdNetwork, From: "athens", Net: &NetSettings{MinDelay: Duration(1e6), MeanDelay: Duration(2e7), DropPct: 5, DupPct: 1, FIFO: true, Bandwidth: 125000, PerMsg: Duration(2e4)}}},
	{Kind: CmdClient, Fields: []string{"node", "name", "args"}, Page: true, Doc: "A client operation (node names the client, name the operation).", Example: Command{Kind: CmdClient, Node: "alice", Name: "write", Args: map[string]string{"key": "x", "value": "1"}}},
	{Kind: CmdAction, Fields: []string{"node", "name", "args"}, Page: true, Doc: "A pattern action at a server node.", Example: Command{Kind: CmdAction, Node: "athens", Name: "force-election"}},
	{Kind: CmdVariant, Fields: []string{"name", "on"}, Page: true, Doc: "Switch a broken variant on or off.", Example: Command{Kind: CmdVariant, Name: "forget-vote-on-restart", On: true}},
	{Kind: CmdDisk, Fields: []string{"node", "name", "value", "dur", "args"}, Fault: true, Page: true, Doc: "A disk fault or setting on a node: slow (×value), fail-fsync (the next value fsyncs), tear (the next crash leaves the first lost record half written), full (capacity in bytes), healthy, fsync-latency / fsync-jitter / write-latency (dur).", Example: Command{Kind: CmdDisk, Node: "athens", Name: DiskSlow, Value: 10}},
	{Kind: CmdParam, Fields: []string{"name", "value"}, Page: true, Doc: "Change an integer setting (within its declared range).", Example: Command{Kind: CmdParam, Name: "heartbeat-ms", Value: 50}},
}

// CommandByKind finds a command kind in the table.
func CommandByKind(kind string) (CommandSpec, bool) {
	for _, c := range Commands {
		if c.Kind == kind {
			return c, true
		}
	}
	return CommandSpec{}, false
}
