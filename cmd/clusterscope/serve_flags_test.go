package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The memory limit: the flag wins, then GOMEMLIMIT (left to the runtime),
// then 768 MiB.
func TestMemoryLimitFor(t *testing.T) {
	for _, tc := range []struct {
		flag, env string
		want      int64
	}{
		{"", "", 768 << 20},
		{"", "2GiB", 0},
		{"1GiB", "2GiB", 1 << 30},
		{"512MiB", "", 512 << 20},
		{"134217728", "", 128 << 20},
		{"off", "", math.MaxInt64},
	} {
		got, err := memoryLimitFor(tc.flag, tc.env)
		if err != nil || got != tc.want {
			t.Errorf("flag %q env %q: %d %v, want %d", tc.flag, tc.env, got, err, tc.want)
		}
	}
	for _, bad := range []string{"lots", "-1GiB", "1.5GiB", "1MiB", "9999999999TiB", "GiB"} {
		if _, err := memoryLimitFor(bad, ""); err == nil {
			t.Errorf("--memory-limit %q accepted", bad)
		}
	}
}

// Bad TLS flags are refused before the server listens.
func TestServeTLSFlags(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-cert", junk}, "both --tls-cert and --tls-key"},
		{[]string{"--tls-key", junk}, "both --tls-cert and --tls-key"},
		{[]string{"--tls-cert", junk, "--tls-key", junk}, "--tls-cert/--tls-key"},
		{[]string{"--memory-limit", "lots"}, "--memory-limit"},
	} {
		var out, errb bytes.Buffer
		code := cmdServe(append([]string{"--addr", "127.0.0.1:0"}, tc.args...), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errb.String())
		}
	}
}
