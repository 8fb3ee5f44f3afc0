package kit

import (
	"strings"
	"testing"
)

func TestCheckFacts(t *testing.T) {
	decl := []FactDoc{{Name: "gen", Type: FactInt}, {Name: "leader", Type: FactString}, {Name: "up", Type: FactBool}}
	if err := CheckFacts("node", decl, map[string]any{"gen": int64(3), "leader": "athens", "up": true}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		got  map[string]any
		want string
	}{
		{map[string]any{"gen": 1, "role": "leader"}, `node fact "role" is not declared`},
		{map[string]any{"gen": "1"}, `node fact "gen" is declared int but is string`},
		{map[string]any{"up": 1}, `"up" is declared bool but is int`},
		{map[string]any{"leader": nil}, `"leader" is declared string but is <nil>`},
	} {
		if err := CheckFacts("node", decl, tc.got); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.got, err, tc.want)
		}
	}
}

func TestValidateFacts(t *testing.T) {
	ok := &Cluster{NodeFacts: []FactDoc{{Name: "last", Type: FactInt}}, ClientFacts: []FactDoc{{Name: "ok", Type: FactInt}}}
	if err := ok.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c    Cluster
		want string
	}{
		{Cluster{NodeFacts: []FactDoc{{Name: "x", Type: "number"}}}, `type "number"`},
		{Cluster{ClusterFacts: []FactDoc{{Name: "x", Type: FactInt}, {Name: "x", Type: FactInt}}}, "declared twice"},
		{Cluster{NodeFacts: []FactDoc{{Name: "last", Type: FactInt}}, ClientFacts: []FactDoc{{Name: "last", Type: FactString}}}, "int on servers but string on clients"},
	} {
		if err := tc.c.ValidateFacts(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}
