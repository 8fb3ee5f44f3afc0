package kit

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"

	"clusterscope/engine"
)

// Fact types a declaration holds. A map fact is read by key in a condition
// (nodes.athens.siblings.x == 2); a key it lacks reads as the zero value.
const (
	FactInt       = "int"
	FactString    = "string"
	FactBool      = "bool"
	FactFloat     = "float"
	FactIntMap    = "map of int"
	FactStringMap = "map of string"
	FactBoolMap   = "map of bool"
	FactFloatMap  = "map of float"
)

// FactDoc is one declared fact: its name in conditions, its type (one of
// the Fact constants) and what it means, for instructors.
type FactDoc struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Doc  string `json:"doc"`
	// Field is the index of the struct field that holds it.
	Field int `json:"-"`
}

// FactSource is one kind of facts (a server's, a client's or the
// cluster's), declared once by a Go struct and computed by the pattern
// straight from its processes, without rendering a view:
//
//	type nodeFacts struct {
//		Generation int            `fact:"generation" doc:"its generation (term)"`
//		Siblings   map[string]int `fact:"siblings" doc:"versions kept per key"`
//	}
//	NodeFacts: kit.ProcessFacts(func(w *engine.World, id string) (nodeFacts, bool) { ... }),
//
// Every exported field is a fact and carries a fact tag (its name) and a
// doc tag. A field is an integer of any size, a float, a string, a bool, or
// a map from string to int, float64, string or bool. Scenario conditions
// are type-checked against Docs when a file loads.
type FactSource struct {
	Docs []FactDoc
	typ  reflect.Type
	err  error // a declaration mistake, reported by Cluster.ValidateFacts
	of   func(w *engine.World, id string) (reflect.Value, bool)
}

// ProcessFacts declares the facts of a server or a client by the struct T;
// of computes them for process id, ok false when it shows none now (a
// crashed process: its facts read as zero values).
func ProcessFacts[T any](of func(w *engine.World, id string) (T, bool)) *FactSource {
	s := declare(reflect.TypeFor[T]())
	s.of = func(w *engine.World, id string) (reflect.Value, bool) {
		v, ok := of(w, id)
		return reflect.ValueOf(v), ok
	}
	return s
}

// ClusterFacts declares the cluster-wide facts by the struct T (leader,
// generation...); of computes them.
func ClusterFacts[T any](of func(w *engine.World) T) *FactSource {
	s := declare(reflect.TypeFor[T]())
	s.of = func(w *engine.World, _ string) (reflect.Value, bool) {
		return reflect.ValueOf(of(w)), true
	}
	return s
}

// Of computes the facts of process id (any id for cluster facts): a value
// of the declaring struct, whose field FactDoc.Field holds each fact. ok is
// false when there are none to read (a nil source, a crashed process).
func (s *FactSource) Of(w *engine.World, id string) (v reflect.Value, ok bool) {
	if s == nil || s.of == nil || s.err != nil {
		return reflect.Value{}, false
	}
	return s.of(w, id)
}

// Map is Of as name → value, for tests and tools.
func (s *FactSource) Map(w *engine.World, id string) map[string]any {
	v, ok := s.Of(w, id)
	if !ok {
		return nil
	}
	out := make(map[string]any, len(s.Docs))
	for _, d := range s.Docs {
		out[d.Name] = v.Field(d.Field).Interface()
	}
	return out
}

// Declared lists the facts (none for a nil source).
func (s *FactSource) Declared() []FactDoc {
	if s == nil {
		return nil
	}
	return s.Docs
}

// factName is what a condition can write after a dot.
var factName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func declare(t reflect.Type) *FactSource {
	s := &FactSource{typ: t}
	if t.Kind() != reflect.Struct {
		s.err = fmt.Errorf("facts are declared by a struct, not %v", t)
		return s
	}
	seen := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, doc := f.Tag.Get("fact"), f.Tag.Get("doc")
		typ := factType(f.Type)
		switch {
		case !f.IsExported():
			s.err = fmt.Errorf("%v.%s: a fact field must be exported", t, f.Name)
		case name == "" || doc == "":
			s.err = fmt.Errorf("%v.%s: a fact field needs a fact:\"name\" and a doc:\"...\" tag", t, f.Name)
		case !factName.MatchString(name):
			s.err = fmt.Errorf("%v.%s: fact %q is not a name a condition can spell (letters, digits, _)", t, f.Name, name)
		case typ == "":
			s.err = fmt.Errorf("%v.%s: fact %q is a %v (use an integer, float, string, bool, or a map from string to int, float64, string or bool)", t, f.Name, name, f.Type)
		case seen[name]:
			s.err = fmt.Errorf("%v: fact %q declared twice", t, name)
		}
		if s.err != nil {
			return s
		}
		seen[name] = true
		s.Docs = append(s.Docs, FactDoc{Name: name, Type: typ, Doc: doc, Field: i})
	}
	return s
}

// factType is the declared type of a field of Go type t, or "".
func factType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return FactInt
	case reflect.Float32, reflect.Float64:
		return FactFloat
	case reflect.String:
		return FactString
	case reflect.Bool:
		return FactBool
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return ""
		}
		// The elements are read as they are: only the types conditions
		// compare with literals directly.
		switch t.Elem() {
		case reflect.TypeFor[int]():
			return FactIntMap
		case reflect.TypeFor[float64]():
			return FactFloatMap
		case reflect.TypeFor[string]():
			return FactStringMap
		case reflect.TypeFor[bool]():
			return FactBoolMap
		}
	}
	return ""
}

// ValidateFacts checks the declaration: every struct is well tagged, and a
// name declared both for servers and for clients has one type (conditions
// read both as nodes.<id>.<name>).
func (c *Cluster) ValidateFacts() error {
	for _, l := range []struct {
		what string
		s    *FactSource
	}{{"node", c.NodeFacts}, {"client", c.ClientFacts}, {"cluster", c.ClusterFacts}} {
		if l.s != nil && l.s.err != nil {
			return fmt.Errorf("%s facts: %w", l.what, l.s.err)
		}
		if l.s != nil && l.s.of == nil {
			return errors.New(l.what + " facts: declared without a function to compute them (use ProcessFacts or ClusterFacts)")
		}
	}
	for _, n := range c.NodeFacts.Declared() {
		for _, cl := range c.ClientFacts.Declared() {
			if n.Name == cl.Name && n.Type != cl.Type {
				return fmt.Errorf("fact %q is %s on servers but %s on clients", n.Name, n.Type, cl.Type)
			}
		}
	}
	return nil
}
