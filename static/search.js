// "Find me a failure" (web/search.go): the page asks the server to sweep
// random fault schedules with the variants in force; it shows progress and
// a cancel, then what broke, how far the schedule shrank, and a button that
// opens the shrunk run at the step where it broke (a new run: the browser's
// Back button returns to this one).
import { $, h } from './dom.js';

export function attachSearch(root, app) {
  const box = $('[data-view="search"]', root);
  if (!box) return;
  const button = $('[data-action="find-failure"]', box);
  const out = $('.search-result', box);
  let running = false;
  button.addEventListener('click', () => {
    app.send(running ? { type: 'find-cancel' } : { type: 'find-failure' });
  });
  const show = (st) => {
    running = st.state === 'running';
    box.dataset.state = st.state;
    button.textContent = running ? 'Cancel the search' : 'Find me a failure';
    const secs = (st.elapsedMs / 1000).toFixed(1) + ' s';
    const on = st.variants && st.variants.length ? 'with ' + st.variants.join(', ') : 'on the correct pattern';
    if (running) {
      out.replaceChildren(h('progress', { max: st.seeds, value: st.done }),
        h('span', { text: ` ${st.done} of ${st.seeds} schedules ${on} (${secs})` }));
    } else if (st.state === 'found') {
      const open = h('button', { type: 'button', class: 'primary', 'data-action': 'open-failure', text: `Open it at step ${st.step}` });
      open.addEventListener('click', () => { location.search = '?' + st.query; });
      out.replaceChildren(h('p', {},
        h('b', { class: 'bad', text: st.invariant }), ` broke in schedule ${st.seed} ${on}: ${st.text}`),
      h('p', { class: 'hint', text: `Shrunk from ${st.original} commands to ${st.commands} (step ${st.firstStep} → ${st.step}) in ${secs}.` }), open);
    } else if (st.state === 'nothing') {
      out.replaceChildren(h('p', { text: `Nothing broke in ${st.done} schedules ${on} (${secs}).` }));
    } else {
      out.replaceChildren(h('p', { class: 'hint', text: `Search cancelled after ${st.done} schedules.` }));
    }
  };
  document.addEventListener('clusterscope:frame', (e) => {
    const f = e.detail;
    if (f.type === 'search' && f.search) show(f.search);
  });
}
