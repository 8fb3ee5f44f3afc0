// Package templates renders clusterscope's pages with templ. It knows only
// the small view structs below; web/ fills them from the pattern registry.
package templates

// Chrome is what every page needs from the server.
type Chrome struct {
	// Static is the URL prefix of the embedded assets, versioned by their
	// content ("/static/3f2a9c01de") so they can be cached for good.
	Static string
}

// Track is one learning track of the catalog.
type Track struct {
	ID       string
	Title    string
	Theme    string
	Patterns []Card
}

// Card is one pattern in the catalog.
type Card struct {
	ID     string
	Title  string
	Intent string
	Live   bool
}

// PatternPage is everything /patterns/{id} shows.
type PatternPage struct {
	ID         string
	Title      string
	Intent     string
	TrackID    string
	TrackTitle string
	Live       bool
	Related    []Card
	// Lesson is the pattern's lesson and scenarios; nil when it has none.
	Lesson *LessonView
	// MaxShareURL is the longest share link the server hands out; a longer
	// run is offered as a scenario file.
	MaxShareURL int
}

// startPath is the catalog's "start here" path: the live patterns, in the
// catalog's order (its tracks go from the basics up).
func startPath(tracks []Track) []Card {
	var out []Card
	for _, t := range tracks {
		for _, p := range t.Patterns {
			if p.Live {
				out = append(out, p)
			}
		}
	}
	return out
}

// liveFirst puts a track's live patterns before the ones still coming,
// each group in its own order.
func liveFirst(cards []Card) []Card {
	out := make([]Card, 0, len(cards))
	for _, live := range []bool{true, false} {
		for _, c := range cards {
			if c.Live == live {
				out = append(out, c)
			}
		}
	}
	return out
}
