package engine

// WidgetKind names a widget type. Each kind has exactly one renderer in
// static/widgets.js; web/widgets_test.go checks the two lists agree.
type WidgetKind string

const (
	WFields   WidgetKind = "fields"
	WLog      WidgetKind = "log"
	WKV       WidgetKind = "kv"
	WClock    WidgetKind = "clock"
	WVector   WidgetKind = "vector"
	WQueue    WidgetKind = "queue"
	WRanges   WidgetKind = "ranges"
	WMeter    WidgetKind = "meter"
	WTable    WidgetKind = "table"
	WVersions WidgetKind = "versions"
	WDeadline WidgetKind = "deadline"
	WSeries   WidgetKind = "series"
	WGrid     WidgetKind = "grid"
	WDisk     WidgetKind = "disk"
	WGantt    WidgetKind = "gantt"
)

// WidgetKinds lists every kind the browser can draw.
func WidgetKinds() []WidgetKind {
	return []WidgetKind{WFields, WLog, WKV, WClock, WVector, WQueue, WRanges, WMeter, WTable, WVersions, WDeadline, WSeries, WGrid, WDisk, WGantt}
}

// Known reports whether k is one of WidgetKinds.
func (k WidgetKind) Known() bool {
	for _, w := range WidgetKinds() {
		if w == k {
			return true
		}
	}
	return false
}

// State colours a table cell, a grid cell, a range or a queue item. The
// browser knows these; anything else is drawn neutral.
type State string

const (
	StateNone     State = ""
	StateOK       State = "ok"       // committed, healthy, alive, converged
	StatePending  State = "pending"  // prepared, in flight, waiting
	StateWarn     State = "warn"     // suspected, lagging, expiring
	StateBad      State = "bad"      // aborted, dead, conflicting, expired
	StateInactive State = "inactive" // left, retired, not yet joined
	StateFocus    State = "focus"    // the row or cell the pattern wants noticed
)

// TableRow is one row of a table widget: one cell per column.
type TableRow struct {
	Cells []Cell `json:"cells"`
}

// Cell is a table cell: its text and a state that colours it.
type Cell struct {
	Text  string `json:"text"`
	State State  `json:"state,omitempty"`
}

// KeyVersions is one key of a versions widget, with the versions a node
// keeps of it, oldest first.
type KeyVersions struct {
	Key      string    `json:"key"`
	Versions []Version `json:"versions"`
}

// Version is one stored version of a key. Stamp is its timestamp or
// version number as text (a hybrid clock reading, "v3"); Vector its version
// vector when the store keeps one. Sibling marks concurrent versions kept
// side by side; Visible the version a read at the node would return.
type Version struct {
	Value   string   `json:"value"`
	Stamp   string   `json:"stamp,omitempty"`
	Vector  []KVPair `json:"vector,omitempty"`
	Sibling bool     `json:"sibling,omitempty"`
	Visible bool     `json:"visible,omitempty"`
}

// Deadline is an expiry drawn as a ring that empties from Start to At,
// like the timer rings. Times are virtual µs on the clock of the process that
// renders the widget (its local clock; true time in a cluster widget), so a
// lease drawn by a skewed node runs out when that node thinks it does.
type Deadline struct {
	Label string `json:"label"`
	Start int64  `json:"start"`
	At    int64  `json:"at"`
	// Holder is who holds what expires (the lease holder), optional.
	Holder string `json:"holder,omitempty"`
}

// Series is one line of a small live chart: the last values of a measure,
// oldest first (the pattern keeps the window short: 60 points or so).
type Series struct {
	Name   string    `json:"name"`
	Unit   string    `json:"unit,omitempty"`
	Values []float64 `json:"values"`
}

// GridCell is one process drawn as a coloured square (gossip spread,
// membership): ID is the process, Text a short label, State its colour.
type GridCell struct {
	ID    string `json:"id"`
	Text  string `json:"text,omitempty"`
	State State  `json:"state,omitempty"`
}

// QueueItem is one structured entry of a queue widget: a pending request
// with its id, a state, and when it expires (virtual µs on the rendering
// process's clock; 0 = never).
type QueueItem struct {
	ID     string `json:"id"`
	Text   string `json:"text,omitempty"`
	State  State  `json:"state,omitempty"`
	Expiry int64  `json:"expiry,omitempty"`
}

// FileView is one file of a disk widget: a strip of records, the first
// Durable of them safe from a crash, the rest only written (a crash now
// would lose them). Label and Note are the pattern's words for it
// ("entries 5–8", "sealed"); Active marks the file being written.
type FileView struct {
	Name         string   `json:"name"`
	Records      []string `json:"records,omitempty"` // short text per record, oldest first
	Durable      int      `json:"durable"`
	Torn         int      `json:"torn,omitempty"` // 1-based position of a torn record, 0 = none
	Bytes        int      `json:"bytes"`
	DurableBytes int      `json:"durableBytes"`
	Label        string   `json:"label,omitempty"`
	Note         string   `json:"note,omitempty"`
	Active       bool     `json:"active,omitempty"`
	State        State    `json:"state,omitempty"`
}

// GanttView is a gantt widget: rows of spans on one shared time axis that
// runs from the earliest span to the latest end. Times are virtual µs, all
// on one clock (the process whose work the rows show).
type GanttView struct {
	// Now is the reading of that clock the view was drawn at: the end of
	// every span still going.
	Now int64 `json:"now"`
	// Legend lists span names in the order they are coloured and
	// explained; a span whose name is not listed is drawn neutral.
	Legend []string   `json:"legend,omitempty"`
	Rows   []GanttRow `json:"rows"`
}

// GanttRow is one row of a gantt widget (a request and its stages). Note
// says how it ended ("ok", "refused"); State colours the row's label.
type GanttRow struct {
	Label string `json:"label"`
	Note  string `json:"note,omitempty"`
	State State  `json:"state,omitempty"`
	Spans []Span `json:"spans"`
}

// Span is one stretch of a gantt row: From to To (To == 0: still going,
// drawn to the view's Now), coloured by its name's place in the legend.
// Wait draws it thin: the row waits there (in a queue, for a reply) rather
// than works. State, when set, overrides the colour: StateBad marks spans
// that overlap where they must not.
type Span struct {
	Name  string `json:"name"`
	From  int64  `json:"from"`
	To    int64  `json:"to,omitempty"`
	Wait  bool   `json:"wait,omitempty"`
	State State  `json:"state,omitempty"`
}

// ---- constructors: the shortest correct way to build each widget ----

// FieldsWidget is a label/value list.
func FieldsWidget(title string, fields ...Field) Widget {
	return Widget{Type: WFields, Title: title, Fields: fields}
}

// LogWidget is a log strip; set Base, Segments and Markers on the result.
func LogWidget(title string, entries ...LogEntry) Widget {
	return Widget{Type: WLog, Title: title, Entries: entries}
}

// KVWidget is a key-value table.
func KVWidget(title string, pairs ...KVPair) Widget {
	return Widget{Type: WKV, Title: title, KV: pairs}
}

// ClockWidget is a clock readout.
func ClockWidget(title string, c ClockView) Widget {
	return Widget{Type: WClock, Title: title, Clock: &c}
}

// VectorWidget is a version vector (node -> counter).
func VectorWidget(title string, counters ...KVPair) Widget {
	return Widget{Type: WVector, Title: title, KV: counters}
}

// QueueWidget is a queue of structured items.
func QueueWidget(title string, items ...QueueItem) Widget {
	return Widget{Type: WQueue, Title: title, Queue: items}
}

// RangesWidget is a partition or key-range map.
func RangesWidget(title string, ranges ...Range) Widget {
	return Widget{Type: WRanges, Title: title, Ranges: ranges}
}

// MeterWidget is a list of bars.
func MeterWidget(title string, meters ...Meter) Widget {
	return Widget{Type: WMeter, Title: title, Meters: meters}
}

// TableWidget is a table with a header row; each row has a cell per column.
func TableWidget(title string, columns []string, rows ...TableRow) Widget {
	return Widget{Type: WTable, Title: title, Columns: columns, Rows: rows}
}

// Row builds a table row from cells.
func Row(cells ...Cell) TableRow { return TableRow{Cells: cells} }

// VersionsWidget lists keys with their stored versions.
func VersionsWidget(title string, keys ...KeyVersions) Widget {
	return Widget{Type: WVersions, Title: title, Versions: keys}
}

// DeadlineWidget draws expiries as emptying rings.
func DeadlineWidget(title string, deadlines ...Deadline) Widget {
	return Widget{Type: WDeadline, Title: title, Deadlines: deadlines}
}

// SeriesWidget is a small live chart, one line per series.
func SeriesWidget(title string, series ...Series) Widget {
	return Widget{Type: WSeries, Title: title, Series: series}
}

// DiskWidget draws a node's files (see Disk.FileViews).
func DiskWidget(title string, files ...FileView) Widget {
	return Widget{Type: WDisk, Title: title, Files: files}
}

// GridWidget draws many processes as coloured cells.
func GridWidget(title string, cells ...GridCell) Widget {
	return Widget{Type: WGrid, Title: title, Cells: cells}
}

// GanttWidget draws rows of spans on a shared time axis.
func GanttWidget(title string, g GanttView) Widget {
	return Widget{Type: WGantt, Title: title, Gantt: &g}
}
