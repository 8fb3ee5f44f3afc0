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
