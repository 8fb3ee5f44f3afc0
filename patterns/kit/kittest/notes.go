package kittest

import (
	"fmt"

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
