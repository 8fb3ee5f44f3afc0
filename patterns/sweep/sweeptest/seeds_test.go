package sweeptest

import (
	"strings"
	"testing"
)

// fatalRecorder notes a Fatalf instead of ending the test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper()                           {}
func (f *fatalRecorder) Fatalf(format string, args ...any) { f.msg = format }

func TestSeedsFromTheEnvironment(t *testing.T) {
	t.Setenv(SeedsEnv, "")
	want := Default
	if testing.Short() {
		want = Short
	}
	if got := Seeds(t); got != want {
		t.Errorf("unset: %d seeds, want %d", got, want)
	}
	t.Setenv(SeedsEnv, "2000")
	if got := Seeds(t); got != 2000 {
		t.Errorf("%s=2000: %d seeds", SeedsEnv, got)
	}
	for _, bad := range []string{"0", "-3", "many"} {
		t.Setenv(SeedsEnv, bad)
		r := &fatalRecorder{TB: t}
		Seeds(r)
		if !strings.Contains(r.msg, "positive number of seeds") {
			t.Errorf("%s=%q was accepted", SeedsEnv, bad)
		}
	}
}
