package web

import (
	"slices"
	"testing"

	"clusterscope/lessons"
)

// Every bundled question is shown with its choices in an order of its own:
// a permutation of the file's, the same each time, and over all of them
// the right answer sits in each position about as often (the files put it
// in the middle most of the time).
func TestQuestionChoicesAreShuffledFairly(t *testing.T) {
	lib, err := lessons.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	at := map[int]int{} // display position of the right answer, three-way questions
	fileMiddle, three := 0, 0
	for _, pat := range lib.Patterns() {
		l, _ := lib.Lesson(pat)
		for _, sc := range l.Scenarios {
			for _, s := range sc.Steps {
				q := s.Question
				if s.Kind != lessons.StepQuestion || q == nil {
					continue
				}
				order := choiceOrder(q)
				if sorted := slices.Sorted(slices.Values(order)); len(order) != len(q.Choices) || !slices.Equal(sorted, indexes(len(q.Choices))) {
					t.Fatalf("%s: order %v is not a permutation of %d choices", sc.File, order, len(q.Choices))
				}
				if !slices.Equal(order, choiceOrder(q)) {
					t.Fatalf("%s: the order changes between calls", sc.File)
				}
				if len(q.Choices) == 3 {
					three++
					at[slices.Index(order, q.Answer)]++
					if q.Answer == 1 {
						fileMiddle++
					}
				}
			}
		}
	}
	if three < 30 {
		t.Fatalf("only %d three-way questions: the test shows nothing", three)
	}
	for pos := range 3 {
		if at[pos] > three/2 {
			t.Errorf("the right answer is shown in position %d for %d of %d questions (the files: %d in the middle)", pos, at[pos], three, fileMiddle)
		}
	}
	t.Logf("%d three-way questions; right answer shown at positions %v (the files put %d in the middle)", three, at, fileMiddle)
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
