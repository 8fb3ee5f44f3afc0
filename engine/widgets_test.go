package engine

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The browser's gantt renderer reads these exact names; an open span (still
// going) carries no "to", and a widget of another kind no "gantt".
func TestGanttWidgetJSON(t *testing.T) {
	w := GanttWidget("requests", GanttView{Now: 9000, Legend: []string{"queued", "apply"}, Rows: []GanttRow{
		{Label: "alice withdraw 70", Note: "ok", State: StateOK, Spans: []Span{
			{Name: "queued", From: 1000, To: 2500, Wait: true},
			{Name: "apply", From: 2500, State: StateBad},
		}},
	}})
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"gantt","title":"requests","gantt":{"now":9000,"legend":["queued","apply"],"rows":[` +
		`{"label":"alice withdraw 70","note":"ok","state":"ok","spans":[{"name":"queued","from":1000,"to":2500,"wait":true},{"name":"apply","from":2500,"state":"bad"}]}]}}`
	if string(b) != want {
		t.Fatalf("gantt widget JSON\n got %s\nwant %s", b, want)
	}
	var back Widget
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, w) {
		t.Fatalf("round trip changed the widget:\n%+v\n%+v", back, w)
	}
	if !WGantt.Known() {
		t.Fatal("gantt is not among WidgetKinds: the browser checks would not know it")
	}
	other, _ := json.Marshal(FieldsWidget("x"))
	if string(other) != `{"type":"fields","title":"x"}` {
		t.Fatalf("a fields widget carries more than its own fields: %s", other)
	}
}
