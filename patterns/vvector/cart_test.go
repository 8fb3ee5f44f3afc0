package vvector

import (
	"slices"
	"strings"
	"testing"
)

// cartWith writes the sorted union of the cart and the new item, and
// appendSplit reads a cart back as strings.Split does.
func TestCartWithIsTheSortedUnion(t *testing.T) {
	for _, c := range []struct {
		items []string
		item  string
	}{
		{nil, "milk"},
		{[]string{"eggs"}, "milk"},
		{[]string{"milk"}, "eggs"},
		{[]string{"eggs", "milk"}, "flour"},
		{[]string{"eggs", "milk"}, "milk"},
		{[]string{"bread", "eggs", "milk"}, "apple"},
		{[]string{"bread", "eggs", "milk"}, "zucchini"},
	} {
		want := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(c.items), c.item))))
		got := cartWith(c.items, c.item)
		if got != strings.Join(want, ",") {
			t.Errorf("cartWith(%q, %q) = %q, want %q", c.items, c.item, got, strings.Join(want, ","))
		}
		if split := appendSplit(nil, got); !slices.Equal(split, strings.Split(got, ",")) {
			t.Errorf("appendSplit(%q) = %q", got, split)
		}
	}
	if got := appendSplit(nil, "a,,b,"); !slices.Equal(got, []string{"a", "", "b", ""}) {
		t.Errorf("appendSplit keeps empty items as strings.Split does, got %q", got)
	}
}
