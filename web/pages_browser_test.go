package web_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"

	"clusterscope/engine"
	"clusterscope/lessons"
	"clusterscope/patterns"
	"clusterscope/web/browsertest"

	"github.com/chromedp/chromedp"
)

// smokeSeed is the seed every page's smoke test runs.
const smokeSeed = 1

// smokePlan is what a page must draw at the two points its smoke test seeks
// to, worked out on a simulation of the pattern's own, stepped exactly as the
// server's seek steps it.
type smokePlan struct {
	nodes       int               // processes drawn
	ready, done int               // steps: Smoke.Ready holds; the smoke commands' operations returned
	readyLook   map[string]string // process → "role/status" at ready
	doneLook    map[string]string // … at done
	ops         int               // client operations in the history at done
	commands    []string          // the smoke commands as the protocol carries them
}

// smokeLimit bounds, in virtual time, how long the ready condition and then
// the smoke commands' operations may take.
const smokeLimit = 10 * time.Second

// planSmoke runs the pattern's declared smoke test headless: until its ready
// condition holds (with the scenario runner, so the condition is checked as a
// scenario's would be), then its commands, then until every client operation
// has returned.
func planSmoke(t *testing.T, p *patterns.Pattern) smokePlan {
	t.Helper()
	sm := p.Cluster.Smoke
	if sm.Ready == "" {
		t.Fatalf("%s declares no smoke test: set Smoke.Ready (and Smoke.Commands) in its kit.Cluster", p.ID)
	}
	cond, _ := json.Marshal(sm.Ready) // a JSON string is a YAML string
	src := fmt.Sprintf("title: smoke test\nseed: %d\nsteps:\n  - run: {until: %s, limit: %v}\n", smokeSeed, cond, smokeLimit)
	sc, err := lessons.ParseScenarioIn(p.ID+"/smoke.yaml", []byte(src), p.ID)
	if err != nil {
		t.Fatalf("%s's Smoke.Ready %q: %v", p.ID, sm.Ready, err)
	}
	pl, err := lessons.NewPlayer(sc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pl.Step(); err != nil {
		t.Fatalf("%s's Smoke.Ready never holds: %v", p.ID, err)
	}
	sim := pl.Sim()
	plan := smokePlan{nodes: len(sim.View().Nodes), ready: sim.StepCount(), readyLook: looks(sim)}
	clientOps := 0
	for _, c := range sm.Commands {
		if err := sim.Apply(c); err != nil {
			t.Fatalf("%s's smoke command %+v is refused: %v", p.ID, c, err)
		}
		if c.Kind == engine.CmdClient {
			clientOps++
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		plan.commands = append(plan.commands, string(b))
	}
	deadline := sim.Now() + smokeLimit
	for pending(sim) && sim.Now() < deadline {
		if _, ok := sim.Step(); !ok {
			break
		}
	}
	if pending(sim) {
		t.Fatalf("%s's smoke commands: operations still pending after %v: %+v", p.ID, smokeLimit, sim.History())
	}
	plan.done, plan.doneLook, plan.ops = sim.StepCount(), looks(sim), len(sim.History())
	if plan.ops < clientOps {
		t.Fatalf("%s's smoke commands sent %d client requests but the history holds %d operations", p.ID, clientOps, plan.ops)
	}
	return plan
}

// badgesOnNamesExpr lists the nodes whose badge's box meets their name's
// box on the screen (a page's badge must leave its node's name readable).
const badgesOnNamesExpr = `[...document.querySelectorAll('[data-view="cluster"] [data-node]')].filter((n) => {
  const badge = n.querySelector('.badge rect'), name = n.querySelector('text.name');
  if (!badge || !name) return false;
  const a = badge.getBoundingClientRect(), b = name.getBoundingClientRect();
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}).map((n) => n.dataset.node)`

// laneNamesOverlapExpr lists the pairs of space-time lane names on one
// line whose boxes run into each other.
const laneNamesOverlapExpr = `(() => {
  const r = [...document.querySelectorAll('[data-view="spacetime"] .st-head .st-lane-name')].map((el) => [el.textContent, el.getBoundingClientRect()]);
  const out = [];
  for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
    const a = r[i][1], b = r[j][1];
    if (a.left < b.right && b.left < a.right && Math.abs(a.top - b.top) < 4) out.push(r[i][0] + '/' + r[j][0]);
  }
  return out;
})()`

func pending(sim *engine.Sim) bool {
	for _, op := range sim.History() {
		if op.Status == engine.OpPending {
			return true
		}
	}
	return false
}

// looks is each process's role and status, as the page draws them on the
// cluster's nodes (data-role, data-status).
func looks(sim *engine.Sim) map[string]string {
	out := map[string]string{}
	for _, n := range sim.View().Nodes {
		out[n.ID] = n.Role + "/" + n.Status
	}
	return out
}

const pageLooksExpr = `JSON.stringify(Object.fromEntries([...document.querySelectorAll('[data-view="cluster"] [data-node]')].map((n) => [n.dataset.node, (n.dataset.role || '') + '/' + n.dataset.status])))`

func sameLooks(t *testing.T, b *browsertest.Browser, at string, want map[string]string) {
	t.Helper()
	var got map[string]string
	if err := json.Unmarshal([]byte(eval[string](t, b, pageLooksExpr)), &got); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if got[id] != want[id] {
			// The status line says why a command was refused, if one was.
			t.Errorf("at %s the page draws %s as %q; the simulation has %q (status: %q)", at, id, got[id], want[id],
				eval[string](t, b, `(document.querySelector('[data-view="status"]') || {}).textContent || ''`))
		}
	}
}

// tablesCutExpr lists the node panels whose tables scroll sideways.
const tablesCutExpr = `[...document.querySelectorAll('[data-view="nodes"] .tablewrap')].filter((w) => w.scrollWidth > w.clientWidth + 1).map((w) => (w.closest('[data-panel]')?.dataset.panel || '?') + ': ' + w.querySelector('th')?.textContent)`

// seek asks the server to run (or rewind) to step n, as a shared link's
// step does, and waits for the page to draw it: no real-time play.
func seek(t *testing.T, b *browsertest.Browser, n int) {
	t.Helper()
	do(t, b, fmt.Sprintf("seek to step %d", n), chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.clusterscope.send({type: 'seek', step: %d})`, n)))
	poll[bool](t, b, fmt.Sprintf("step %d", n), fmt.Sprintf(`document.querySelector('[data-step]').dataset.step === '%d'`, n))
}

// Every live pattern's page loads in chromium and draws what its simulation
// holds, driven by the pattern's own smoke declaration: the cluster appears,
// a step from the page's button moves it, at the step where Smoke.Ready
// holds every process has the role and status the simulation gives it, the
// smoke commands sent over the protocol show in the history once they
// return, and the page's first broken variant can be switched on.
func TestBrowserEveryLivePatternPage(t *testing.T) {
	ts := startServer(t)
	for _, p := range patterns.Live() {
		t.Run(p.ID, func(t *testing.T) {
			// Each page in a tab and a run of its own: pages side by side
			// (go test -parallel, 2 on 2 cores), so each new pattern adds
			// half its time to make test.
			t.Parallel()
			plan := planSmoke(t, p)
			b := browsertest.Tab(t, 1366, 900)
			do(t, b, "open the page", chromedp.Navigate(fmt.Sprintf("%s/patterns/%s?seed=%d", ts.URL, p.ID, smokeSeed)))
			poll[bool](t, b, "the cluster", fmt.Sprintf(`document.querySelectorAll('[data-view="cluster"] [data-node]').length === %d`, plan.nodes))
			if h := eval[string](t, b, `document.querySelector('h1').textContent`); h != p.Title {
				t.Errorf("title %q, want %q", h, p.Title)
			}

			do(t, b, "step", chromedp.Click(`[data-action="step"]`, chromedp.NodeVisible))
			poll[bool](t, b, "step 1", `document.querySelector('[data-step]').dataset.step === '1'`)
			seek(t, b, plan.ready)
			sameLooks(t, b, fmt.Sprintf("step %d (ready: %s)", plan.ready, p.Cluster.Smoke.Ready), plan.readyLook)

			for _, c := range plan.commands {
				do(t, b, "send "+c, chromedp.Evaluate[chromedp.Void](`window.clusterscope.cmd(`+c+`)`))
			}
			seek(t, b, plan.done)
			poll[bool](t, b, fmt.Sprintf("%d operations in the history", plan.ops), fmt.Sprintf(`document.querySelectorAll('[data-view="history"] [data-op]').length === %d`, plan.ops))
			sameLooks(t, b, fmt.Sprintf("step %d (the smoke commands' operations returned)", plan.done), plan.doneLook)
			// A table in a node panel fits its panel: its long last column
			// (votes, reasons) wraps rather than hide behind a scroll bar.
			if cut := eval[[]string](t, b, tablesCutExpr); len(cut) > 0 {
				t.Errorf("at step %d these node panels' tables run past their panel: %v", plan.done, cut)
			}
			if covered := eval[[]string](t, b, badgesOnNamesExpr); len(covered) > 0 {
				viewportShot(t, b, "badge-over-name-"+p.ID)
				t.Errorf("at step %d these nodes' badges cover their names: %v", plan.done, covered)
			}

			loadSpaceTime(t, b)
			poll[bool](t, b, "the diagram's lane names", `document.querySelectorAll('[data-view="spacetime"] .st-head .st-lane-name').length > 0`)
			for _, size := range [][2]int64{{1366, 900}, {1920, 1080}} {
				do(t, b, "resize", chromedp.EmulateViewport(size[0], size[1]))
				// The diagram lays its head out again once it has seen its new
				// width (a resize observer): wait a few frames for it.
				if clash, err := chromedp.Run(b.Ctx, chromedp.Evaluate[[]string](`new Promise((ok) => { let n = 0; const tick = () => { window.clusterscope.views.spacetime.render(); const c = `+laneNamesOverlapExpr+`; if (!c.length || ++n > 30) ok(c); else requestAnimationFrame(tick); }; tick(); })`, chromedp.EvalAwaitPromise)); err != nil || len(clash) > 0 {
					t.Errorf("%dx%d: space-time lane names overlap: %v %v %s", size[0], size[1], clash, err, eval[string](t, b, `(() => { const st = window.clusterscope.views.spacetime; return JSON.stringify({w: st.nameW, step: st.laneX().step, vw: st.view.w, cls: st.head.className, hw: st.head.getBoundingClientRect().width, r: [...st.head.children].map((e) => [e.style.left, Math.round(e.getBoundingClientRect().left), Math.round(e.getBoundingClientRect().right), e.offsetWidth])}); })()`))
				}
			}
			do(t, b, "resize back", chromedp.EmulateViewport(1366, 900))

			if vs := p.Cluster.Variants; len(vs) > 0 {
				v := vs[0].Name
				do(t, b, "switch on "+v, chromedp.Click(fmt.Sprintf(`[data-variant=%q]`, v), chromedp.NodeVisible))
				poll[bool](t, b, "the variant in the event log", fmt.Sprintf(`[...document.querySelectorAll('[data-view="events"] li')].some((li) => li.textContent.includes('variant %s on'))`, v))
			}
			noBrowserErrors(t, b)
		})
	}
}
