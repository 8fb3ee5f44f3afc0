package engine

// The generic view model: every pattern renders its processes with these
// widgets, so the browser needs one renderer per widget, not per pattern.
// JSON field names are the protocol; change them only with static/.

// ProcessView is what a Process returns from View.
type ProcessView struct {
	Role    string   `json:"role,omitempty"`    // "leader", "follower", "client"...
	Badge   string   `json:"badge,omitempty"`   // a short big label, e.g. "gen 3"
	Widgets []Widget `json:"widgets,omitempty"` // drawn in order in the node panel
	// Highlight ties this process to things the cluster view should draw,
	// e.g. "votedFor:athens" draws a vote arrow. Optional.
	Arrows []Arrow `json:"arrows,omitempty"`
}

// Arrow is a relation drawn from this process to another (a vote, a lease).
type Arrow struct {
	To    string `json:"to"`
	Label string `json:"label,omitempty"`
	Kind  string `json:"kind,omitempty"` // css class hint: "vote", "leader"
}

// Widget is one block of a node panel or of the cluster panel. Type selects
// which fields are used (widgets.go lists the kinds and their constructors):
//
//	fields    Fields
//	log       Entries, Markers, Base, Segments
//	kv        KV
//	clock     Clock
//	vector    KV (node -> counter)
//	queue     Items (plain text) or Queue (structured)
//	ranges    Ranges
//	meter     Meters (a bar per item: value/max, e.g. time since last heard vs timeout)
//	table     Columns, Rows
//	versions  Versions
//	deadline  Deadlines
//	series    Series
//	grid      Cells
//	disk      Files
type Widget struct {
	Type    WidgetKind `json:"type"`
	Title   string     `json:"title,omitempty"`
	Fields  []Field    `json:"fields,omitempty"`
	Entries []LogEntry `json:"entries,omitempty"`
	Markers []Marker   `json:"markers,omitempty"`
	// Base is the first index the log still holds: the entries before it
	// were compacted (or cut by a low-water mark). 0 or 1: nothing cut.
	Base int `json:"base,omitempty"`
	// Segments are the first indexes of the log's segments (a boundary is
	// drawn before each).
	Segments  []int         `json:"segments,omitempty"`
	KV        []KVPair      `json:"kv,omitempty"`
	Clock     *ClockView    `json:"clock,omitempty"`
	Items     []string      `json:"items,omitempty"`
	Queue     []QueueItem   `json:"queue,omitempty"`
	Ranges    []Range       `json:"ranges,omitempty"`
	Meters    []Meter       `json:"meters,omitempty"`
	Columns   []string      `json:"columns,omitempty"`
	Rows      []TableRow    `json:"rows,omitempty"`
	Versions  []KeyVersions `json:"versions,omitempty"`
	Deadlines []Deadline    `json:"deadlines,omitempty"`
	Series    []Series      `json:"series,omitempty"`
	Cells     []GridCell    `json:"cells,omitempty"`
	Files     []FileView    `json:"files,omitempty"`
	Gantt     *GanttView    `json:"gantt,omitempty"`
}

// Field is a label/value pair.
type Field struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// LogEntry is one cell of a log strip. Index is 1-based as in the book.
// An entry in the list is written; Synced says it is durable (on disk) and
// Applied that its state machine ran it.
type LogEntry struct {
	Index   int    `json:"index"`
	Gen     int    `json:"gen,omitempty"`
	Text    string `json:"text"`
	Synced  bool   `json:"synced,omitempty"`
	Applied bool   `json:"applied,omitempty"`
}

// Marker points at a log index: commit / high-water, low-water, segment...
type Marker struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
}

// KVPair is one row of a key-value table.
type KVPair struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ClockView is a clock readout.
type ClockView struct {
	Value       string `json:"value"`
	Offset      string `json:"offset,omitempty"`
	Drift       string `json:"drift,omitempty"`
	Uncertainty string `json:"uncertainty,omitempty"`
}

// Range is one row of a partition or key-range map: a named partition, or
// the keys from Start (inclusive) to End (exclusive; "" = to the end).
type Range struct {
	Name     string   `json:"name"`
	Owner    string   `json:"owner"`
	Note     string   `json:"note,omitempty"`
	Start    string   `json:"start,omitempty"`
	End      string   `json:"end,omitempty"`
	Replicas []string `json:"replicas,omitempty"`
	Epoch    int      `json:"epoch,omitempty"`
	State    State    `json:"state,omitempty"`
}

// Meter is a bar: Value out of Max, with an alarm flag (a suspected peer).
type Meter struct {
	Label string  `json:"label"`
	Value float64 `json:"value"`
	Max   float64 `json:"max"`
	Alarm bool    `json:"alarm,omitempty"`
}

// NodeView is a process as the browser sees it: the engine's facts (status,
// clock) plus the process's own view.
type NodeView struct {
	ID     string `json:"id"`
	Client bool   `json:"client,omitempty"`
	// Group is the process's declared role when the pattern declares its
	// own (coordinator, data...): the layouts group by it. Empty for the
	// default node and client roles.
	Group  Role   `json:"group,omitempty"`
	Status string `json:"status"` // "up", "crashed", "paused"
	Clock  string `json:"clock"`  // local clock reading, e.g. "1.250s"
	Skew   string `json:"skew,omitempty"`
	// Busy names the work the process is doing (Env.Work) and Waiting
	// counts what waits for it (busy or paused): its queue.
	Busy    string `json:"busy,omitempty"`
	Waiting int    `json:"waiting,omitempty"`
	// Gen numbers the process's views in this run: an equal Gen is the same
	// ProcessView as before (the engine did not ask the process again).
	Gen uint64 `json:"-"`
	ProcessView
}

// MessageView is a message in flight.
type MessageView struct {
	ID      uint64 `json:"id"`
	From    string `json:"from"`
	To      string `json:"to"`
	Kind    string `json:"kind"`
	Summary string `json:"summary,omitempty"`
	SentAt  int64  `json:"sentAt"`          // virtual µs
	DueAt   int64  `json:"dueAt,omitempty"` // virtual µs; 0 while held for manual delivery
	Held    bool   `json:"held,omitempty"`  // waiting for the learner (manual mode or paused receiver)
	// Hue is 1 + the message's own colour (Hued), 0 when it is drawn in
	// its kind's colour.
	Hue int `json:"hue,omitempty"`
}

// LinkView is a directed link that is not in its default state.
type LinkView struct {
	From string `json:"from"`
	To   string `json:"to"`
	Up   bool   `json:"up"`
}

// TimerView is an armed timer.
type TimerView struct {
	Node  string `json:"node"`
	Name  string `json:"name"`
	DueAt int64  `json:"dueAt"` // virtual µs
}

// ClusterView is the whole picture at one step.
type ClusterView struct {
	Step       int             `json:"step"`
	Time       int64           `json:"time"` // virtual µs
	Seed       uint64          `json:"seed"`
	Nodes      []NodeView      `json:"nodes"`
	Cut        []LinkView      `json:"cut,omitempty"` // links that are down
	Conns      []ConnView      `json:"conns,omitempty"`
	InFlight   []MessageView   `json:"inFlight"`
	Timers     []TimerView     `json:"timers,omitempty"`
	Manual     bool            `json:"manual,omitempty"`
	Variants   map[string]bool `json:"variants,omitempty"`
	Violations []Violation     `json:"violations,omitempty"`
	History    []Operation     `json:"history,omitempty"`
	// Widgets are the cluster panel: what no single node knows (a partition
	// table, a transaction table, a convergence chart), from Model.View.
	Widgets []Widget `json:"widgets,omitempty"`

	// Params are the settings in force (from the config or a param
	// command), so a page can show them.
	Params map[string]int `json:"params,omitempty"`
	// Net is the network's settings, so a page can show and edit them.
	Net *NetView `json:"net,omitempty"`
}

// NetView is the network's link settings: those every link has (as a
// network command for all of them, or the config, last set them), and the
// directed links set apart since.
type NetView struct {
	All   NetSettings   `json:"all"`
	Links []LinkNetView `json:"links,omitempty"`
}

// LinkNetView is one directed link's settings.
type LinkNetView struct {
	From string      `json:"from"`
	To   string      `json:"to"`
	Net  NetSettings `json:"net"`
}
