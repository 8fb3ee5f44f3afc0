package kit

import "testing"

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
