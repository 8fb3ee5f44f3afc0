package kit

import (
	"fmt"
	"sort"
)

// Fact types a FactDoc may declare.
const (
	FactInt    = "int"
	FactString = "string"
	FactBool   = "bool"
	FactFloat  = "float"
)

// FactDoc declares one fact a pattern exposes to scenario conditions: its
// name, its type (FactInt, FactString, FactBool or FactFloat) and what it
// means, for instructors. Scenario conditions are type-checked against the
// declaration when a file loads, so a fact must be declared even if it only
// appears later in a run (a leader's, say).
type FactDoc struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Doc  string `json:"doc"`
}

// FactTypeOf is the declared type name of a fact value, or "" when the
// value is of no fact type. Every integer kind is an int and both float
// kinds a float, as conditions see them.
func FactTypeOf(v any) string {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return FactInt
	case float32, float64:
		return FactFloat
	case string:
		return FactString
	case bool:
		return FactBool
	}
	return ""
}

// CheckFacts reports the facts in got that decl does not declare, or
// declares with another type: a pattern's tests call it on what its
// processes and cluster really emit, so the declaration cannot drift.
func CheckFacts(what string, decl []FactDoc, got map[string]any) error {
	types := make(map[string]string, len(decl))
	for _, d := range decl {
		types[d.Name] = d.Type
	}
	names := make([]string, 0, len(got))
	for k := range got {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t, ok := types[k]
		switch {
		case !ok:
			return fmt.Errorf("%s fact %q is not declared", what, k)
		case FactTypeOf(got[k]) != t:
			return fmt.Errorf("%s fact %q is declared %s but is %T (%v)", what, k, t, got[k], got[k])
		}
	}
	return nil
}

// ValidateFacts checks a declaration: names are unique within each list,
// types are known, and a name declared both for servers and for clients has
// one type (conditions read both as nodes.<id>.<name>).
func (c *Cluster) ValidateFacts() error {
	for _, l := range []struct {
		what string
		list []FactDoc
	}{{"node", c.NodeFacts}, {"client", c.ClientFacts}, {"cluster", c.ClusterFacts}} {
		seen := map[string]bool{}
		for _, f := range l.list {
			switch f.Type {
			case FactInt, FactString, FactBool, FactFloat:
			default:
				return fmt.Errorf("%s fact %q has type %q (use int, string, bool or float)", l.what, f.Name, f.Type)
			}
			if f.Name == "" || seen[f.Name] {
				return fmt.Errorf("%s fact %q is empty or declared twice", l.what, f.Name)
			}
			seen[f.Name] = true
		}
	}
	for _, n := range c.NodeFacts {
		for _, cl := range c.ClientFacts {
			if n.Name == cl.Name && n.Type != cl.Type {
				return fmt.Errorf("fact %q is %s on servers but %s on clients", n.Name, n.Type, cl.Type)
			}
		}
	}
	return nil
}
