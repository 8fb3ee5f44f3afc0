package durable

import (
	"fmt"
	"maps"
	"strings"

	"clusterscope/engine"
	"clusterscope/patterns/kit"
)

// The power-cut explorer: every disk a power cut now could leave (each
// prefix of each file's unsynced records, the last one torn or not), the
// recovery the node would run on it, and whether what it rebuilds keeps
// every promise made to the clients.

// WPowerCut is the explorer's table title.
const WPowerCut = "What could a crash leave?"

// maxCrashStates bounds the explorer: the table says when it is cut.
const maxCrashStates = 64

// maxReplayed bounds the records the explorer replays for one view (each
// state is recovered from the whole disk): a log that grew long over a run
// gets fewer states explored, not a slower page. 64 states of a 1,000-record
// log fit.
const maxReplayed = 64_000

// CrashOutcome is one row of the explorer.
type CrashOutcome struct {
	Survives  string // what the cut leaves of each file with unsynced records
	Recovered Recovered
	OK        bool
	Why       string // the broken promise, when !OK
}

// PowerCuts runs recovery on every crash state of the server id's disk (up
// to limit) and judges each against the client history h: every
// acknowledged write must be there, and nothing the server has applied (a
// reader may have seen it) may be missing. total is how many states there
// are in all.
func PowerCuts(w *engine.World, id string, limit int) (rows []CrashOutcome, total int) {
	d := w.Disk(id)
	if d == nil {
		return nil, 0
	}
	records := 1
	for _, name := range d.Files() {
		records += d.File(name).Len()
	}
	states, _ := d.CrashStates(max(1, min(limit, maxReplayed/records)))
	total = countStates(d)
	n, _ := w.Process(id).(*Node)
	h := w.History()
	// Many states rebuild the same state (a torn last record is cut, as if
	// it had never been written), and the history is judged against each
	// rebuilt state once.
	type judged struct {
		kv map[string]string
		v  kit.Verdict
	}
	var seen []judged
	noLostWrite := func(kv map[string]string) kit.Verdict {
		for _, j := range seen {
			if maps.Equal(j.kv, kv) {
				return j.v
			}
		}
		v := kit.NoLostWrite(h, kv)
		seen = append(seen, judged{kv, v})
		return v
	}
	for _, cs := range states {
		r := Recover(d.AfterCrash(cs))
		row := CrashOutcome{Survives: survives(d, cs), Recovered: r, OK: true}
		if v := noLostWrite(r.KV); !v.OK {
			row.OK, row.Why = false, lostText(h, v)
		} else if n != nil && n.log != nil && r.Last < n.appliedIdx {
			row.OK, row.Why = false, fmt.Sprintf("%s has applied up to %d (readers may have seen it), recovery reaches only %d", id, n.appliedIdx, r.Last)
		}
		rows = append(rows, row)
	}
	return rows, total
}

// countStates is how many crash states the disk has: the product over the
// files of 2u+1 (u unsynced records), capped so it cannot overflow.
func countStates(d *engine.Disk) int {
	total := 1
	for _, name := range d.Files() {
		f := d.File(name)
		if u := f.Len() - f.Durable(); u > 0 {
			total = min(total*(2*u+1), 1<<40)
		}
	}
	return total
}

func survives(d *engine.Disk, cs engine.CrashState) string {
	var parts []string
	for _, name := range d.Files() {
		f := d.File(name)
		u := f.Len() - f.Durable()
		if u == 0 {
			continue
		}
		kept := cs.Keep[name] - f.Durable()
		s := fmt.Sprintf("%s: %d durable + %d of %d unsynced", name, f.Durable(), kept, u)
		if cs.Torn[name] {
			s += ", torn"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "only durable records (nothing unsynced)"
	}
	return strings.Join(parts, "; ")
}

func lostText(h []engine.Operation, v kit.Verdict) string {
	if len(v.Ops) == 0 || v.Ops[0] >= len(h) {
		return v.Text
	}
	op := h[v.Ops[0]]
	in, _ := op.Input.(KVInput)
	return fmt.Sprintf("%s's acked %s=%s missing", op.Client, in.Key, in.Value)
}

// PowerCutView is the cluster panel's explorer table for the server.
func PowerCutView(w *engine.World) []engine.Widget {
	var out []engine.Widget
	for _, id := range w.Members(engine.RoleNode) {
		rows, total := PowerCuts(w, id, maxCrashStates)
		title := WPowerCut
		if total > len(rows) {
			title += fmt.Sprintf(" (first %d of %d states)", len(rows), total)
		}
		table := make([]engine.TableRow, 0, len(rows))
		for _, row := range rows {
			verdict := engine.Cell{Text: "✓", State: engine.StateOK}
			if !row.OK {
				verdict = engine.Cell{Text: "✗ " + row.Why, State: engine.StateBad}
			}
			r := row.Recovered
			got := "recovers " + keysText(r.KV)
			if r.TornIndex > 0 {
				got += fmt.Sprintf(", cuts torn %d", r.TornIndex)
			}
			table = append(table, engine.Row(engine.Cell{Text: row.Survives}, engine.Cell{Text: got}, verdict))
		}
		out = append(out, engine.TableWidget(title, []string{"a power cut leaves", "recovery", "promises kept"}, table...))
	}
	return out
}

// keysText shows a recovered state briefly: its keys with their values.
func keysText(kv map[string]string) string { return kvText(kv) }
