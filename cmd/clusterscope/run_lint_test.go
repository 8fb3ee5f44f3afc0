package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

const goodScenario = `title: good
steps:
  - action: {node: athens, name: force-election}
  - run: {until: leader == "athens", limit: 1s}
  - expect: leaders == 1
`

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "leader-and-followers", "good.yaml")
	write(t, good, goodScenario) // the folder names the pattern
	failing := filepath.Join(dir, "failing.yaml")
	write(t, failing, "pattern: leader-and-followers\n"+strings.Replace(goodScenario, "leaders == 1", "leaders == 2", 1))
	invalid := filepath.Join(dir, "invalid.yaml")
	write(t, invalid, "title: bad\npattern: leader-and-followers\nsteps:\n  - crash: rome\n")

	cases := []struct {
		args []string
		code int
		out  string // in stdout+stderr
	}{
		{[]string{good}, 0, "expect   leaders == 1  ✓"},
		{[]string{failing}, 1, "failing.yaml:6:5: expect failed: leaders == 2; here leaders = 1"},
		{[]string{invalid}, 1, "invalid.yaml:4:12: unknown node \"rome\""},
		{[]string{filepath.Join(dir, "missing.yaml")}, 1, "no such file"},
		{[]string{"leader-and-followers/1-election"}, 0, "An election, a crash and a new leader"},
		{[]string{}, 2, "usage"},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		code := dispatch(append([]string{"run"}, c.args...), &out, &errOut)
		all := out.String() + errOut.String()
		if code != c.code || !strings.Contains(all, c.out) {
			t.Errorf("run %v: exit %d (want %d), output lacks %q:\n%s", c.args, code, c.code, c.out, all)
		}
	}
}

func TestLintExitCodes(t *testing.T) {
	good := t.TempDir()
	write(t, filepath.Join(good, "leader-and-followers", "lesson.md"), "# Our own lesson\n")
	write(t, filepath.Join(good, "leader-and-followers", "good.yaml"), goodScenario)
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"lint", good}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "1 lesson(s), 1 scenario(s)") {
		t.Fatalf("good folder: exit %d\n%s%s", code, out.String(), errOut.String())
	}

	bad := t.TempDir()
	write(t, filepath.Join(bad, "heartbeat", "typo.yaml"), "title: t\nsteps:\n  - run: 2\n")
	write(t, filepath.Join(bad, "heartbeat", "false.yaml"), "title: t\nsteps:\n  - expect: violations == 1\n")
	write(t, filepath.Join(bad, "no-such-pattern", "lesson.md"), "# x\n")
	out.Reset()
	errOut.Reset()
	code := dispatch([]string{"lint", bad}, &out, &errOut)
	msg := errOut.String()
	for _, want := range []string{
		filepath.Join(bad, "heartbeat", "typo.yaml") + ":3:10: bad duration",
		filepath.Join(bad, "heartbeat", "false.yaml") + ":3:5: expect failed",
		"no-such-pattern",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("lint output lacks %q:\n%s", want, msg)
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if code := dispatch([]string{"lint", filepath.Join(bad, "nope")}, &out, &errOut); code != 1 {
		t.Errorf("missing folder: exit %d", code)
	}
}

// The bundled lessons pass lint.
func TestLintBundled(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := dispatch([]string{"lint", "../../lessons"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
}

// run and lint refuse hostile files with an error, quickly: an endless
// file, YAML nested 32,000 deep (issue 21: seconds and gigabytes in the
// parser), and a condition that allocates gigabytes.
func TestRunAndLintRefuseHostileFiles(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "heartbeat", "deep.yaml")
	write(t, deep, "title: t\nsteps:\n  - say: "+strings.Repeat("[", 32000)+strings.Repeat("]", 32000)+"\n")
	bomb := filepath.Join(dir, "heartbeat", "bomb.yaml")
	write(t, bomb, "title: t\nsteps:\n  - expect: 'len(repeat(repeat(\"ab\", 100000), 999999)) > 0'\n")
	for file, want := range map[string]string{"/dev/zero": "at most", deep: "nested more than", bomb: "repeat is not allowed"} {
		var out, errs bytes.Buffer
		if code := cmdRun([]string{file}, &out, &errs); code != 1 || !strings.Contains(errs.String(), want) {
			t.Errorf("run %s: exit %d, stderr %.200q; want 1 and %q", file, code, errs.String(), want)
		}
	}
	var out, errs bytes.Buffer
	if code := cmdLint([]string{dir}, &out, &errs); code != 1 || !strings.Contains(errs.String(), "deep.yaml:3:") || !strings.Contains(errs.String(), "repeat is not allowed") {
		t.Errorf("lint: exit %d, stderr %.300q", code, errs.String())
	}
}
