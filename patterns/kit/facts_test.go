package kit

import (
	"reflect"
	"strings"
	"testing"

	"clusterscope/engine"
)

type sampleFacts struct {
	Gen      int64          `fact:"gen" doc:"its generation"`
	Leader   string         `fact:"leader" doc:"whom it follows"`
	Up       bool           `fact:"up2" doc:"whether it runs"`
	Load     float32        `fact:"load" doc:"its load"`
	Siblings map[string]int `fact:"siblings" doc:"versions kept per key"`
}

// One struct is the declaration and the value: names, types and docs come
// from its tags, in field order, and Of and Map read the same fields.
func TestProcessFactsDeclareFromTheStruct(t *testing.T) {
	src := ProcessFacts(func(w *engine.World, id string) (sampleFacts, bool) {
		return sampleFacts{Gen: 3, Leader: id, Siblings: map[string]int{"x": 2}}, id != "crashed"
	})
	want := []FactDoc{
		{Name: "gen", Type: FactInt, Doc: "its generation", Field: 0},
		{Name: "leader", Type: FactString, Doc: "whom it follows", Field: 1},
		{Name: "up2", Type: FactBool, Doc: "whether it runs", Field: 2},
		{Name: "load", Type: FactFloat, Doc: "its load", Field: 3},
		{Name: "siblings", Type: FactIntMap, Doc: "versions kept per key", Field: 4},
	}
	if !reflect.DeepEqual(src.Docs, want) {
		t.Fatalf("declared %+v\nwant %+v", src.Docs, want)
	}
	got := src.Map(nil, "athens")
	if got["gen"] != int64(3) || got["leader"] != "athens" || got["siblings"].(map[string]int)["x"] != 2 || len(got) != 5 {
		t.Fatalf("facts of athens: %v", got)
	}
	if m := src.Map(nil, "crashed"); m != nil {
		t.Fatalf("a process that shows no facts gave %v", m)
	}
	var none *FactSource
	if _, ok := none.Of(nil, "athens"); ok || none.Declared() != nil {
		t.Fatal("a nil source has facts")
	}
}

func TestValidateFacts(t *testing.T) {
	type nodeF struct {
		Last int `fact:"last" doc:"d"`
	}
	type clientF struct {
		Last string `fact:"last" doc:"d"`
	}
	type untagged struct {
		Last int
	}
	type nested struct {
		M map[string][]int `fact:"m" doc:"d"`
	}
	type dashed struct {
		A int `fact:"last-index" doc:"d"`
	}
	type twice struct {
		A int `fact:"a" doc:"d"`
		B int `fact:"a" doc:"d"`
	}
	type hidden struct {
		a int `fact:"a" doc:"d"`
	}
	node := ProcessFacts(func(*engine.World, string) (nodeF, bool) { return nodeF{}, true })
	ok := &Cluster{NodeFacts: node, ClientFacts: ProcessFacts(func(*engine.World, string) (nodeF, bool) { return nodeF{}, true })}
	if err := ok.ValidateFacts(); err != nil {
		t.Fatal(err)
	}
	if err := (&Cluster{}).ValidateFacts(); err != nil {
		t.Fatalf("a cluster without facts: %v", err)
	}
	for _, tc := range []struct {
		c    Cluster
		want string
	}{
		{Cluster{NodeFacts: ProcessFacts(func(*engine.World, string) (untagged, bool) { return untagged{}, true })}, `needs a fact:"name"`},
		{Cluster{NodeFacts: ProcessFacts(func(*engine.World, string) (nested, bool) { return nested{}, true })}, `fact "m" is a map[string][]int`},
		{Cluster{ClusterFacts: ClusterFacts(func(*engine.World) twice { return twice{} })}, `"a" declared twice`},
		{Cluster{ClusterFacts: ClusterFacts(func(*engine.World) dashed { return dashed{} })}, `"last-index" is not a name`},
		{Cluster{ClusterFacts: ClusterFacts(func(*engine.World) hidden { return hidden{} })}, "must be exported"},
		{Cluster{ClusterFacts: ClusterFacts(func(*engine.World) int { return 0 })}, "declared by a struct"},
		{Cluster{NodeFacts: node, ClientFacts: ProcessFacts(func(*engine.World, string) (clientF, bool) { return clientF{}, true })}, "int on servers but string on clients"},
		{Cluster{NodeFacts: &FactSource{Docs: node.Docs}}, "without a function"},
	} {
		if err := tc.c.ValidateFacts(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}
