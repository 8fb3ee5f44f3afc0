package clocks

import (
	"strconv"
	"time"

	"clusterscope/engine"
)

// View shows the clock (on the node's badge too), the store with each
// value's stamp, and the copies waiting for an acknowledgement.
func (s *Server) View() engine.ProcessView {
	fields := []engine.Field{{Label: "stamp of its latest event", Value: s.clock.String()}}
	if s.page == pageHybrid {
		fields = append(fields, engine.Field{Label: "as a date", Value: asDate(s.clock)})
	}
	fields = append(fields,
		engine.Field{Label: "writes stamped", Value: strconv.Itoa(s.Writes)},
		engine.Field{Label: "versions dropped in a merge", Value: strconv.Itoa(s.Lost)})
	kv := make([]engine.KVPair, 0, len(s.store))
	for _, k := range s.keys() {
		h := s.store[k]
		kv = append(kv, engine.KVPair{Key: k, Value: h.Value + " @" + h.Version.String()})
	}
	copies := make([]engine.QueueItem, 0, len(s.pending))
	for _, c := range s.pending {
		copies = append(copies, engine.QueueItem{ID: c.To, Text: c.Key + "=" + c.Value + " @" + c.Version.String(), State: engine.StatePending})
	}
	return engine.ProcessView{Role: "replica", Badge: badge(s.clock), Widgets: []engine.Widget{
		engine.FieldsWidget(WClock, fields...),
		engine.KVWidget(WStore, kv...),
		engine.QueueWidget(WCopies, copies...),
	}}
}

func badge(s Stamp) string {
	if s.Hybrid {
		return "HLC " + s.String()
	}
	return "LC " + s.String()
}

// epoch is the date the run's time zero stands for, so a hybrid stamp
// reads as a date, as a database would show it.
var epoch = time.Date(2026, time.January, 1, 9, 0, 0, 0, time.UTC)

func asDate(s Stamp) string {
	return epoch.Add(time.Duration(s.Wall)*time.Millisecond).Format("2006-01-02 15:04:05.000") + " +" + strconv.FormatInt(s.N, 10)
}
