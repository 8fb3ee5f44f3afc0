// The counters panel (data-view="counters"): what the run put on the
// network, per message kind, per node and per link, in the whole run and in
// the last second of virtual time (web/traffic.go). In compare mode the
// compared run's counters stand beside the run's, the rows whose whole-run
// counts differ from the other run's marked (data-differs).
import { $, h } from './dom.js';

const num = (n) => n.toLocaleString('en');
const bytes = (n) => (n < 1000 ? `${n} B` : n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(2)} MB`);

// table draws rows [name, ...cells]; differs(name) marks a row.
function table(head, rows, differs) {
  return h('table', { class: 'ctable' },
    h('thead', {}, h('tr', {}, head.map((t, i) => h('th', { scope: 'col', class: i ? 'n' : '', text: t })))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-differs': differs(r[0]) ? 'true' : undefined },
      r.map((c, i) => (i ? h('td', { class: 'n', text: c }) : h('th', { scope: 'row', text: c })))))));
}

// sent maps each kind, node and link (by its row name) to its whole-run count.
function sent(t) {
  const m = new Map();
  for (const k of t.kinds) m.set('k:' + k.kind, k.sent.messages);
  for (const n of t.nodes) m.set('n:' + n.id, n.sent.messages + '/' + n.received.messages);
  for (const l of t.links) m.set(`l:${l.from} → ${l.to}`, l.sent.messages);
  return m;
}

// block is one run's counters (which: run or compared); label names the
// run in compare mode.
// other, in compare mode, is the other run's counters.
function block(t, which, label, other) {
  const mine = sent(t);
  const theirs = other ? sent(other) : mine;
  const differs = (prefix) => (name) => mine.get(prefix + name) !== theirs.get(prefix + name);
  const kinds = table(['kind', 'messages', 'bytes', 'last s'],
    t.kinds.map((k) => [k.kind, num(k.sent.messages), bytes(k.sent.bytes), num(k.lastSecond.messages)]), differs('k:'));
  const nodes = table(['node', 'sent', 'received', 'last s'],
    t.nodes.filter((n) => n.sent.messages || n.received.messages)
      .map((n) => [n.id, num(n.sent.messages), num(n.received.messages), num(n.lastSecond.messages)]), differs('n:'));
  const links = table(['link', 'messages', 'bytes', 'last s'],
    t.links.map((l) => [`${l.from} → ${l.to}`, num(l.sent.messages), bytes(l.sent.bytes), num(l.lastSecond.messages)]), differs('l:'));
  const more = (n, what) => (n ? h('p', { class: 'hint', text: `and ${n} more ${what}` }) : '');
  return h('div', { class: 'cblock', 'data-run': which },
    label ? h('h3', { text: label }) : '',
    h('p', { class: 'ctotal' },
      h('b', { 'data-count': 'messages', text: num(t.total.messages) }), ' messages · ',
      h('b', { 'data-count': 'bytes', text: bytes(t.total.bytes) }),
      h('span', { class: 'hint', text: ` · last second: ${num(t.lastSecond.messages)} (${bytes(t.lastSecond.bytes)})` })),
    t.kinds.length
      ? h('div', { class: 'ctables' }, kinds, h('div', {}, nodes, more(t.moreNodes, 'nodes')), h('div', {}, links, more(t.moreLinks, 'links')))
      : h('p', { class: 'hint', text: 'Nothing sent yet.' }));
}

export function attachCounters(root) {
  const box = $('[data-view="counters"]', root);
  if (!box) return { draw() {} };
  const body = $('.counters-body', box);
  let drawn = null;
  let drawnTwin = null;
  return {
    draw(st) {
      const tw = st.compare && st.compare.traffic ? st.compare : null;
      if (st.traffic === drawn && (tw && tw.traffic) === drawnTwin) return;
      drawn = st.traffic;
      drawnTwin = tw && tw.traffic;
      if (!drawn) { body.replaceChildren(); return; }
      box.dataset.compare = tw ? 'on' : 'off';
      if (!tw) { body.replaceChildren(block(drawn, 'run')); } else {
        const on = Object.entries(st.variants || {}).filter(([, v]) => v).map(([k]) => k);
        const name = (vs) => (vs && vs.length ? vs.join(', ') : 'the pattern as it should be');
        body.replaceChildren(block(drawn, 'run', `This run: ${name(on)}`, tw.traffic), block(tw.traffic, 'compared', `Compared: ${tw.branch ? `branch ${tw.branch.id}` : name(tw.variants)}`, drawn));
      }
    },
  };
}
