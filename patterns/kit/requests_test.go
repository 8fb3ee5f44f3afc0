package kit

import (
	"strings"
	"testing"
)

func TestRequestChecksRefuseWhatIsOutOfBounds(t *testing.T) {
	for _, k := range []string{"", "a-key-that-is-much-too-long"} {
		if CheckKey(k, 8) == nil {
			t.Errorf("key %q accepted with a limit of 8", k)
		}
	}
	if err := CheckKey("x", 8); err != nil {
		t.Errorf("key x refused: %v", err)
	}
	servers := []string{"athens", "byzantium"}
	if err := CheckTarget("cyrene", servers, "server"); err == nil || err.Error() != `no server called "cyrene" (servers: athens, byzantium)` {
		t.Errorf("unknown target: %v", err)
	}
	for _, n := range []string{"", "athens"} {
		if err := CheckTarget(n, servers, "server"); err != nil {
			t.Errorf("target %q refused: %v", n, err)
		}
	}
	if err := CheckTarget("cyrene", nil, "server"); err != nil {
		t.Errorf("before the client starts, %v", err)
	}
}

// IntArg takes a number within its bounds and refuses, by name, one that
// is missing, outside them or not a number.
func TestIntArgBoundsWhatAVisitorTypes(t *testing.T) {
	args := map[string]string{"at": "7", "big": "1000001", "word": "7e3"}
	n, err := IntArg(args, "at", 0, 10)
	if err != nil || n != 7 {
		t.Fatalf("at=7 within 0..10: %d, %v", n, err)
	}
	for name, want := range map[string]string{"big": "within 0..1000000", "word": `not "7e3"`, "gone": "gone is missing"} {
		if _, err := IntArg(args, name, 0, 1_000_000); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v, want an error with %q", name, err, want)
		}
	}
}
