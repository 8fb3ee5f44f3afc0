package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// serve --lessons refuses a folder it cannot read before it listens.
func TestServeLessonsFolderMustExist(t *testing.T) {
	var out, errb bytes.Buffer
	missing := filepath.Join(t.TempDir(), "no-such-folder")
	code := cmdServe([]string{"--addr", "127.0.0.1:0", "--lessons", missing}, &out, &errb)
	if code != 2 || !strings.Contains(errb.String(), "--lessons") || !strings.Contains(errb.String(), "no-such-folder") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}
