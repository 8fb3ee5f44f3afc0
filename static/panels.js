// Node panels, drawn from the generic widgets of engine/view.go: fields,
// log, kv, clock, vector, queue, ranges, meter. No pattern has its own code.
import { h, fmtTime, slug, nodeClock } from './dom.js';

const widgets = {
  fields(w) {
    return h('dl', { class: 'fields' }, (w.fields || []).map((f) => [h('dt', { text: f.label }), h('dd', { text: f.value })]));
  },
  log(w) {
    const markers = new Map();
    for (const m of w.markers || []) {
      if (!markers.has(m.index)) markers.set(m.index, []);
      markers.get(m.index).push(m.name);
    }
    const entries = w.entries || [];
    if (!entries.length) return h('p', { class: 'empty', text: 'empty log' });
    const cells = entries.map((e) => h('li', {
      class: ['entry', e.synced ? 'synced' : 'unsynced', 'gen-' + ((e.gen || 0) % 6)],
      title: `index ${e.index}${e.gen ? ', generation ' + e.gen : ''}${e.synced ? ', on disk' : ', not yet synced'}`,
    },
    h('span', { class: 'idx', text: e.index }),
    e.gen ? h('span', { class: 'gen', text: 'g' + e.gen }) : '',
    h('span', { class: 'txt', text: e.text }),
    ...(markers.get(e.index) || []).map((name) => h('span', { class: 'marker marker-' + slug(name), text: '▲ ' + name }))));
    // Markers pointing past the entries (e.g. commit at 0) are listed after.
    const shown = new Set(entries.map((e) => e.index));
    const extra = (w.markers || []).filter((m) => !shown.has(m.index));
    return h('div', { class: 'logwrap' },
      h('ol', { class: 'log' }, cells),
      extra.length ? h('p', { class: 'markers-extra', text: extra.map((m) => `${m.name}: ${m.index}`).join(' · ') }) : '');
  },
  kv(w) {
    const rows = w.kv || [];
    if (!rows.length) return h('p', { class: 'empty', text: 'no keys' });
    return h('table', { class: 'kv' }, h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { text: r.key }), h('td', { text: r.value })))));
  },
  clock(w) {
    const c = w.clock || {};
    return h('div', { class: 'clockw' },
      h('span', { class: 'value', text: c.value || '' }),
      c.offset ? h('span', { class: 'sub', text: 'offset ' + c.offset }) : '',
      c.drift ? h('span', { class: 'sub', text: 'drift ' + c.drift }) : '',
      c.uncertainty ? h('span', { class: 'sub', text: '± ' + c.uncertainty }) : '');
  },
  vector(w) {
    return h('p', { class: 'vector' }, (w.kv || []).map((r) => h('span', { class: 'pill' }, h('b', { text: r.key }), ' ' + r.value)));
  },
  queue(w) {
    const items = w.items || [];
    if (!items.length) return h('p', { class: 'empty', text: 'empty' });
    return h('ol', { class: 'queue' }, items.map((i) => h('li', { text: i })));
  },
  ranges(w) {
    return h('table', { class: 'ranges' }, h('tbody', {}, (w.ranges || []).map((r) =>
      h('tr', {}, h('th', { text: r.name }), h('td', { text: r.owner }), h('td', { class: 'note', text: r.note || '' })))));
  },
  meter(w) {
    return h('ul', { class: 'meters' }, (w.meters || []).map((m) => {
      const frac = m.max > 0 ? Math.max(0, Math.min(1, m.value / m.max)) : 0;
      return h('li', { class: m.alarm ? 'alarm' : '' },
        h('span', { class: 'label', text: m.label }),
        h('meter', { min: 0, max: 1, value: frac.toFixed(3), title: `${m.value} of ${m.max}` }),
        h('span', { class: 'num', text: `${fmtNum(m.value)}/${fmtNum(m.max)}` }));
    }));
  },
};

function fmtNum(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export function renderWidget(w, emphasis) {
  const draw = widgets[w.type];
  const body = draw ? draw(w) : h('p', { class: 'empty', text: `(unknown widget “${w.type}”)` });
  return h('section', { class: ['widget', 'w-' + w.type, emphasis && 'emph'] },
    w.title ? h('h4', { text: w.title }) : '', body);
}

// NodePanels keeps one panel per process and redraws the changed ones.
export class NodePanels {
  constructor(root, onSelect) {
    this.root = root;
    this.onSelect = onSelect;
    this.panels = new Map();
  }

  reset() {
    this.root.replaceChildren();
    this.panels.clear();
  }

  render(st, changed) {
    const emph = new Set((st.pattern && st.pattern.emphasis) || []);
    for (const id of st.order) {
      const n = st.nodes.get(id);
      let p = this.panels.get(id);
      if (!p) {
        p = h('article', { class: 'panel', 'data-panel': id });
        p.addEventListener('click', (e) => { if (e.target.closest('header')) this.onSelect(id, e); });
        this.panels.set(id, p);
        this.root.append(p);
        changed = null; // draw everything on first sight
      }
      if (changed && !changed.has(id) && p.dataset.selected === String(st.selected === id)) {
        p.querySelector('.pclock').textContent = nodeClock(st, id);
        continue;
      }
      p.dataset.selected = String(st.selected === id);
      p.className = ['panel', n.client ? 'client' : 'server', 'status-' + n.status, st.selected === id && 'selected'].filter(Boolean).join(' ');
      const ws = [...(n.widgets || [])];
      ws.sort((a, b) => (emph.has(b.title) ? 1 : 0) - (emph.has(a.title) ? 1 : 0));
      p.replaceChildren(
        h('header', { title: 'Select (for keyboard shortcuts) and open the node menu' },
          h('h3', { text: id }),
          n.role ? h('span', { class: 'role-tag role-' + slug(n.role), text: n.role }) : '',
          n.badge ? h('span', { class: 'badge-tag', text: n.badge }) : '',
          n.status !== 'up' ? h('span', { class: 'status-tag', text: n.status }) : '',
          h('span', { class: 'pclock', text: nodeClock(st, id) }),
          n.skew ? h('span', { class: 'skew', text: 'skew ' + n.skew }) : ''),
        n.status === 'crashed' ? h('p', { class: 'empty', text: 'crashed: memory lost, disk kept. Restart it from its menu.' }) : '',
        ...ws.map((w) => renderWidget(w, emph.has(w.title))),
        n.timers && n.timers.length ? h('p', { class: 'timers', text: 'timers: ' + n.timers.map((t) => `${t.name} @ ${fmtTime(t.dueAt)}`).join(' · ') }) : '');
    }
    for (const [id, p] of this.panels) {
      if (!st.nodes.has(id)) { p.remove(); this.panels.delete(id); }
    }
  }
}
