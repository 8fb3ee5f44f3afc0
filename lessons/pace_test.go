package lessons

import (
	"testing"
	"time"
)

// A paced player (the web player's Next, a slice of virtual time per frame)
// ends every bundled scenario where the unpaced one does: same trace, same
// outcomes, step by step.
func TestStepWithinEndsWhereStepDoes(t *testing.T) {
	lib, err := Bundled()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range lib.Patterns() {
		l, _ := lib.Lesson(id)
		for _, sc := range l.Scenarios {
			t.Run(sc.File, func(t *testing.T) {
				whole, err := NewPlayer(sc)
				if err != nil {
					t.Fatal(err)
				}
				paced, _ := NewPlayer(sc)
				slices := 0
				for !whole.Done() {
					want, wantErr := whole.Step()
					var got Outcome
					var gotErr error
					for done := false; !done; slices++ {
						got, done, gotErr = paced.StepWithin(5 * time.Millisecond)
					}
					if got.Index != want.Index || got.SimStep != want.SimStep || got.At != want.At || got.Ran != want.Ran || got.Held != want.Held || (gotErr == nil) != (wantErr == nil) {
						t.Fatalf("step %d: paced %+v (err %v), whole %+v (err %v)", want.Index, got, gotErr, want, wantErr)
					}
				}
				if !paced.Done() {
					t.Fatal("the paced player is not done")
				}
				if a, b := paced.Sim().Trace().Hash(), whole.Sim().Trace().Hash(); a != b {
					t.Fatalf("traces differ: paced %s, whole %s", a, b)
				}
				if slices <= len(sc.Steps) {
					t.Errorf("%d slices for %d steps: nothing was paced", slices, len(sc.Steps))
				}
			})
		}
	}
}
