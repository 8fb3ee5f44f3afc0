package web_test

import (
	"testing"
)

// A step that changes a node redraws only the widgets of its panel that
// changed: the header and the untouched widgets are the same elements as
// before (a whole-panel rebuild per step was most of the page's script
// time while playing).
func TestBrowserPanelsRedrawOnlyWhatChanged(t *testing.T) {
	b, _ := openLeaderAndFollowers(t, "?seed=1")
	leader := playUntil(t, b, "a leader", leaderExpr)
	follower := eval[string](t, b, `[...document.querySelectorAll('[data-node][data-role="follower"]')].map((n) => n.dataset.node)[0] || ''`)
	if follower == "" {
		t.Fatalf("no follower beside leader %s", leader)
	}
	panel := `document.querySelector('[data-panel="` + follower + `"]')`
	n := eval[int](t, b, `(() => { const p = `+panel+`; [...p.children].forEach((c) => { c.dataset.kept = '1'; }); return p.children.length; })()`)
	if n < 3 {
		t.Fatalf("%s's panel has %d parts, want a header and widgets", follower, n)
	}
	playUntil(t, b, follower+"'s panel to change", `[...`+panel+`.querySelectorAll(':scope > [data-widget]')].some((w) => !w.dataset.kept)`)
	if !eval[bool](t, b, panel+`.querySelector(':scope > header').dataset.kept === '1'`) {
		t.Error("the panel's header was rebuilt though the node's role and status did not change")
	}
	kept := eval[int](t, b, `[...`+panel+`.querySelectorAll(':scope > [data-widget]')].filter((w) => w.dataset.kept).length`)
	if kept == 0 {
		t.Errorf("every widget of %s's panel was rebuilt, not only the changed ones", follower)
	}
	if got := eval[string](t, b, panel+`.querySelector('h3').textContent`); got != follower {
		t.Errorf("panel title %q, want %q", got, follower)
	}
}

// A widget whose content changes is changed in place: its section and the
// unchanged lines inside it stay the same elements, so the browser lays out
// only the text that changed (replacing the widget each frame removed and
// inserted hundreds of nodes a second while playing).
func TestBrowserChangedWidgetIsPatchedInPlace(t *testing.T) {
	b, _ := openLeaderAndFollowers(t, "?seed=1")
	playUntil(t, b, "a leader", leaderExpr)
	// Widgets by where they are: panel and position.
	const sections = `[...document.querySelectorAll('[data-view="nodes"] [data-panel] > [data-widget]')]`
	const where = `((w) => w.closest('[data-panel]').dataset.panel + '/' + [...w.parentElement.children].indexOf(w))`
	n := eval[int](t, b, `(() => { window.keptText = {}; const ws = `+sections+`; ws.forEach((w) => { window.keptText[`+where+`(w)] = w.textContent; w.querySelectorAll('*').forEach((e) => { e.kept = true; }); w.kept = true; }); return ws.length; })()`)
	if n == 0 {
		t.Fatal("no widgets in the node panels")
	}
	changed := `` + sections + `.filter((w) => { const k = window.keptText[` + where + `(w)]; return k !== undefined && k !== w.textContent; })`
	playUntil(t, b, "a widget's content to change", changed+`.length > 0`)
	if s := eval[string](t, b, changed+`.filter((w) => !w.kept).map((w) => w.dataset.widget).join(', ')`); s != "" {
		t.Errorf("changed widgets were replaced, not patched: %s", s)
	}
	// Most of a changed widget's elements are the ones it had.
	if s := eval[string](t, b, changed+`.filter((w) => { const all = [...w.querySelectorAll('*')]; return all.filter((e) => e.kept).length * 2 < all.length; }).map((w) => w.dataset.widget).join(', ')`); s != "" {
		t.Errorf("most elements of these changed widgets are new: %s", s)
	}
}
