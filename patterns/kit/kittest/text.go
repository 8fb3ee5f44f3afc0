package kittest

import (
	"fmt"
	"testing"

	"clusterscope/engine"
)

// NoteEnv keeps the text of the last note a process wrote, for tests of
// the notes alone: engine.Notef hands an Env that is not the engine's to
// its Note. Any other use of the Env panics (it is nil).
type NoteEnv struct {
	engine.Env
	Text string
}

func (e *NoteEnv) Note(format string, args ...any) { e.Text = fmt.Sprintf(format, args...) }

// Text is a history input or result: its text, and the same text appended
// to a buffer (the trace writes it straight into its own).
type Text interface {
	String() string
	AppendString([]byte) []byte
}

// AppendsItsText checks that v reads want, and appends want after what a
// buffer already holds.
func AppendsItsText(t testing.TB, v Text, want string) {
	t.Helper()
	if got := v.String(); got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	if got := string(v.AppendString([]byte("x|"))); got != "x|"+want {
		t.Errorf("appends %q, want %q", got, "x|"+want)
	}
}

// Summarized is a message with the summary the space-time diagram shows.
type Summarized interface {
	engine.Message
	Summary() string
}

// AppendsItsSummary checks that message m sums itself up as want, and
// appends want into the trace's buffer after what it already holds.
func AppendsItsSummary(t testing.TB, m Summarized, want string) {
	t.Helper()
	if got := m.Summary(); got != want {
		t.Errorf("%s summary %q, want %q", m.Kind(), got, want)
	}
	sa, ok := engine.Message(m).(engine.SummaryAppender)
	if !ok {
		t.Errorf("%s has no AppendSummary", m.Kind())
		return
	}
	if got := string(sa.AppendSummary([]byte("x|"))); got != "x|"+want {
		t.Errorf("%s appends %q, want %q", m.Kind(), got, "x|"+want)
	}
}
