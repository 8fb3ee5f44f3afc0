// The linked views of a pattern page, attached to the App of app.js: the
// space-time diagram, the timeline with branches, the client history, and
// the export buttons, and the cluster panel (the pattern's cluster-level
// widgets). They share the app's step cursor (every click that
// moves in time sends a seek) and the highlight bus of highlight.js.
//
//   const views = attachViews(app)   // app: { root, state, send(msg) }
//   views.frame(f)                   // every frame, after app.state took it
//   views.draw(state)                // whenever the app redraws
//
// The space-time diagram (the largest module of the page) loads when its
// section comes near the screen, or when compare mode or the SVG export
// needs it: a visit that never looks at it never downloads it (issue 19's
// first-load budget). Loaded late, it fetches the trace so far.
import { $, h, download } from './dom.js';
import { install as installHighlight } from './highlight.js';
import { once } from './lazy.js';
import { create as createTimeline } from './timeline.js';
import { create as createHistory } from './history-view.js';
import { ClusterPanel } from './panels.js';

export function attachViews(app) {
  installHighlight();
  const root = app.root;
  const st = () => app.state;
  const seek = (step) => app.send({ type: 'seek', step: Math.max(0, step) });
  const base = () => (st().session ? `/session/${encodeURIComponent(st().session)}` : null);
  // Export URLs carry the run's export key (from its snapshot), not just its id.
  const key = () => `key=${encodeURIComponent(st().exportKey || '')}`;
  const out = { spacetime: null, timeline: null, history: null, clusterPanel: null };
  const cpEl = $('[data-view="cluster-panel"]', root);
  if (cpEl) out.clusterPanel = new ClusterPanel(cpEl);

  // In compare mode the compared run's diagram stands beside the run's,
  // showing the same stretch of virtual time (the run's drives it).
  const twinBox = $('[data-view="spacetime-twin"]', root);
  const twinEl = twinBox && $('.st-body', twinBox);
  const stEl = $('[data-view="spacetime"] .st-body', root);
  // twinFrames holds the compared run's events while the module loads.
  let twinFrames = null;
  const loadSpaceTime = once(() => import('./spacetime.js').then(async ({ create }) => {
    if (twinEl) {
      out.twin = create(twinEl, { seek() {} });
      for (const f of twinFrames || []) out.twin.ingest(f);
      twinFrames = null;
    }
    if (stEl) {
      out.spacetime = create(stEl, {
        seek, traceURL: (since) => base() && `${base()}/trace.json?since=${since}&${key()}`,
        onView: (scale, top) => { if (out.twin && st().compare) out.twin.viewAt(scale, top); },
      });
      views.draw(st());
      await out.spacetime.fill(0); // the trace so far: frames before the load were not kept
    }
    views.draw(st());
  }));
  out.loadSpaceTime = loadSpaceTime;
  if (stEl && 'IntersectionObserver' in window) {
    const seen = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      seen.disconnect();
      loadSpaceTime();
    }, { rootMargin: '400px 0px' });
    seen.observe(stEl.closest('[data-view="spacetime"]') || stEl);
  } else if (stEl) loadSpaceTime();
  let twinOn = false;
  const tlEl = $('[data-view="timeline"]', root);
  if (tlEl) out.timeline = createTimeline(tlEl, {
    seek, branch: (id, step) => app.send(step === undefined ? { type: 'branch', id } : { type: 'branch', id, step }),
    compareBranch: (id) => app.send({ type: 'compare-branch', id }),
  });
  const hvEl = $('[data-view="history"] .hv-body', root);
  if (hvEl) out.history = createHistory(hvEl, { historyURL: () => base() && `${base()}/history.json?${key()}`, htmlURL: () => base() && `${base()}/history.html?${key()}` });

  const exEl = $('[data-view="exports"]', root);
  if (exEl) {
    const trace = h('a', { 'data-export': 'trace', download: 'trace.json', text: 'Trace (JSON)', title: 'The whole run: inputs, every event, violations, client history (schema: /schema/trace.json)' });
    const history = h('a', { 'data-export': 'history', download: 'history.json', text: 'History (JSON)', title: 'The client history with its linearizability verdict, for offline checking' });
    const svg = h('button', { type: 'button', 'data-export': 'svg', text: 'Diagram (SVG)', title: 'The space-time diagram as an SVG picture' });
    svg.addEventListener('click', async () => {
      await loadSpaceTime();
      if (!out.spacetime) return;
      const url = URL.createObjectURL(new Blob([out.spacetime.exportSVG()], { type: 'image/svg+xml' }));
      download(url, `${st().pattern ? st().pattern.id : 'run'}-step${st().step}.svg`);
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });
    exEl.append(trace, svg, history, h('a', { href: '/schema/trace.json', target: '_blank', class: 'schema', text: 'schema' }));
    // The links name the step, so they are written when a learner reaches
    // for them (and on the first frame), not on every frame.
    const exportLinks = () => {
      const b = base();
      if (!b) return;
      const name = `${st().pattern ? st().pattern.id : 'run'}-step${st().step}`;
      trace.href = `${b}/trace.json?${key()}`;
      trace.download = `${name}-trace.json`;
      history.href = `${b}/history.json?${key()}`;
      history.download = `${name}-history.json`;
    };
    for (const a of [trace, history]) for (const ev of ['pointerdown', 'focus', 'click', 'contextmenu']) a.addEventListener(ev, exportLinks);
    out.exportLinks = () => { if (!trace.href) exportLinks(); };
  }

  const views = {
    get spacetime() { return out.spacetime; },
    get twin() { return out.twin; },
    get timeline() { return out.timeline; },
    get history() { return out.history; },
    get clusterPanel() { return out.clusterPanel; },
    loadSpaceTime,
    frame(f) {
      if (f.type === 'error') return;
      if (f.branches) st().branches = f.branches;
      // Cluster widgets: all in a snapshot, the changed ones by position in a delta.
      if (f.type === 'snapshot') st().cluster = f.cluster || [];
      else if (f.cn !== undefined) {
        const ws = (st().cluster || []).slice(0, f.cn);
        for (const p of f.cw || []) ws[p.i] = p.w;
        st().cluster = ws;
      }
      if (out.spacetime) out.spacetime.ingest(f);
      // The compared run's trace: afresh on a snapshot or a new compare.
      if (f.type === 'snapshot' || (f.compare && f.compare.off)) twinOn = false;
      if (twinEl && f.compare && !f.compare.off) {
        const tf = { type: twinOn ? 'delta' : 'snapshot', events: f.compare.events || [] };
        twinOn = true;
        if (out.twin) out.twin.ingest(tf);
        else {
          (twinFrames ||= []).push(tf);
          loadSpaceTime();
        }
      }
    },
    draw(state) {
      if (out.clusterPanel) out.clusterPanel.render(state);
      if (out.spacetime) out.spacetime.update(state);
      const tw = state.compare;
      if (twinBox) {
        if (twinBox.hidden !== !tw) twinBox.hidden = !tw; // the same value written again still restyles
        twinBox.closest('.inspect-row')?.classList.toggle('twin-on', !!tw);
      }
      const div = tw && tw.diverged >= 0 ? { at: tw.divergedAt, step: tw.diverged } : null;
      if (out.spacetime) out.spacetime.setDivergence(div);
      if (out.twin && tw) {
        out.twin.update(Object.assign({}, state, {
          nodes: new Map(tw.nodes.map((n) => [n.id, n])), msgs: new Map(tw.msgs.map((m) => [m.id, m])),
          step: tw.step, time: tw.time, violations: tw.violations || [],
        }));
        out.twin.setDivergence(div);
        const head = $('.st-twin-what', twinBox);
        if (head) head.textContent = tw.branch ? `branch ${tw.branch.id}` : (tw.variants.length ? tw.variants.join(', ') : 'the pattern as it should be');
      }
      if (out.timeline) out.timeline.update(state);
      if (out.history) out.history.update(state);
      if (out.exportLinks) out.exportLinks();
    },
  };
  return views;
}
