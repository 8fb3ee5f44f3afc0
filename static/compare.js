// Compare mode (web/compare.go): beside the learner's run, the same seed and
// commands with other broken variants, drawn by a second ClusterView. Nodes
// whose state differs are outlined in both; the step where the runs first
// differ is named here and marked on the timeline (timeline.js).
import { $, h, setData, setHidden, setText } from './dom.js';
import { ClusterView } from './cluster.js';
import { loadStyle } from './lazy.js';

const flaws = (vs) => (vs && vs.length ? vs.join(', ') : 'the pattern as it should be');
// what names the compared run: another branch, or other variants.
const what = (tw) => (tw.branch ? `branch ${tw.branch.id} (${tw.branch.parent < 0 ? 'first run' : tw.branch.label})` : flaws(tw.variants));

export function attachCompare(root, app) {
  loadStyle('compare.css');
  const box = $('[data-view="cluster"]', root);
  const pane = $('[data-view="compare"]', root);
  const button = $('[data-action="compare"]', root);
  if (!box || !pane || !button) return { draw() {} };
  const mine = $('.compare-mine', box);
  const head = $('.compare-head', pane);
  const view = new ClusterView($('svg', pane), { node() {}, message() {}, background() {} });
  button.addEventListener('click', () => app.send(app.state.compare ? { type: 'compare-off' } : { type: 'compare' }));
  let drawn = null;
  return {
    draw(st) {
      const tw = st.compare;
      setData(box, 'compare', tw ? 'on' : 'off');
      setHidden(pane, !tw);
      setHidden(mine, !tw);
      setText(button, tw ? 'Stop comparing' : 'Compare side by side');
      if (!tw) { drawn = null; return; }
      const on = Object.entries(st.variants || {}).filter(([, v]) => v).map(([k]) => k);
      const verdict = (vs) => (vs && vs.length ? h('b', { class: 'bad', text: `✗ ${vs[0].invariant}` }) : h('span', { class: 'good', text: '✓ nothing broken' }));
      mine.replaceChildren(h('b', { text: 'This run: ' }), flaws(on), ' · ', verdict(st.violations));
      if (drawn !== tw) {
        drawn = tw;
        const seek = h('button', { type: 'button', 'data-action': 'seek-divergence', text: `diverged at step ${tw.diverged}` });
        seek.addEventListener('click', () => app.send({ type: 'seek', step: tw.diverged }));
        head.replaceChildren(h('b', { text: 'Compared: ' }), what(tw), ' · ', verdict(tw.violations), ' · ',
          tw.diverged >= 0 ? seek : h('span', { class: 'hint', text: 'same so far' }),
          tw.stopped ? h('span', { class: 'hint', text: ' · ' + tw.stopped }) : '');
      }
      const twin = Object.assign({}, st, {
        nodes: new Map(tw.nodes.map((n) => [n.id, n])), msgs: new Map(tw.msgs.map((m) => [m.id, m])),
        cut: tw.cut || [], selected: null, selectedMsg: null, skewedClocks: {}, step: tw.step, time: tw.time, violations: tw.violations || [],
      });
      view.render(twin, tw.time);
    },
  };
}
