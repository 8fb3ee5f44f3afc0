// The generic widgets of engine/view.go and engine/widgets.go, one renderer
// per kind, for node panels and the cluster panel alike. No pattern has its
// own code. web/widgets_test.go reads the keys of `renderers` below and
// checks them against engine.WidgetKinds(): keep one `kind(w, ctx) {` per line.
//
//   renderWidget(w, { emphasis, offset })   a <section> for widget w;
//                                           offset: the rendering process's
//                                           clock minus true time (µs)
//   tickWidgets(vt)                         moves deadline rings to virtual time vt
import { h, s, slug } from './dom.js';

const STATES = new Set(['ok', 'pending', 'warn', 'bad', 'inactive', 'focus']);
const stateClass = (st) => (STATES.has(st) ? 'state-' + st : '');

export const renderers = {
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
    const segs = new Set(w.segments || []);
    const base = w.base > 1 ? h('li', { class: 'entry compacted', title: `entries 1–${w.base - 1} were compacted` }, h('span', { class: 'txt', text: `…${w.base - 1}` })) : '';
    if (!entries.length && !base) return h('p', { class: 'empty', text: 'empty log' });
    const cells = entries.map((e) => h('li', {
      class: ['entry', e.synced ? 'synced' : 'unsynced', e.applied && 'applied', segs.has(e.index) && 'segment-start', 'gen-' + ((e.gen || 0) % 6)],
      title: `index ${e.index}${e.gen ? ', generation ' + e.gen : ''}: written${e.synced ? ', durable' : ', not yet synced'}${e.applied ? ', applied' : ''}`,
    },
    h('span', { class: 'idx', text: e.index }),
    e.gen ? h('span', { class: 'gen', text: 'g' + e.gen }) : '',
    h('span', { class: 'txt', text: e.text }),
    ...(markers.get(e.index) || []).map((name) => h('span', { class: 'marker marker-' + slug(name), text: '▲ ' + name }))));
    // Markers pointing past the entries (e.g. commit at 0) are listed after.
    const shown = new Set(entries.map((e) => e.index));
    const extra = (w.markers || []).filter((m) => !shown.has(m.index));
    return h('div', { class: 'logwrap' },
      h('ol', { class: 'log' }, base, cells),
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
    return vectorPills(w.kv);
  },
  queue(w, ctx) {
    const items = (w.items || []).map((text) => h('li', { text }));
    for (const q of w.queue || []) {
      const li = h('li', { class: ['qitem', stateClass(q.state)], title: q.state || '' },
        h('b', { text: q.id }), q.text ? ' ' + q.text : '');
      if (q.expiry) {
        const left = h('span', { class: 'expiry' });
        li.append(left);
        track(left, { kind: 'countdown', at: q.expiry, offset: ctx.offset });
      }
      items.push(li);
    }
    if (!items.length) return h('p', { class: 'empty', text: 'empty' });
    return h('ol', { class: 'queue' }, items);
  },
  ranges(w) {
    const rs = w.ranges || [];
    const detailed = rs.some((r) => r.start || r.end || (r.replicas && r.replicas.length) || r.epoch);
    if (!detailed) {
      return h('table', { class: 'ranges' }, h('tbody', {}, rs.map((r) =>
        h('tr', { class: stateClass(r.state) }, h('th', { text: r.name }), h('td', { text: r.owner }), h('td', { class: 'note', text: r.note || '' })))));
    }
    return h('table', { class: 'ranges detailed' },
      h('thead', {}, h('tr', {}, ['range', 'keys', 'owner', 'replicas', 'epoch'].map((c) => h('th', { text: c })))),
      h('tbody', {}, rs.map((r) => h('tr', { class: stateClass(r.state), title: [r.state, r.note].filter(Boolean).join(': ') },
        h('th', { text: r.name }),
        h('td', { class: 'rkeys', text: `[${r.start || '−∞'}, ${r.end || '+∞'})` }),
        h('td', { text: r.owner }),
        h('td', { text: (r.replicas || []).join(' ') }),
        h('td', { text: r.epoch ? String(r.epoch) : '' })))));
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
  table(w) {
    const rows = w.rows || [];
    if (!rows.length) return h('p', { class: 'empty', text: 'no rows' });
    return h('div', { class: 'tablewrap' }, h('table', { class: 'wtable' },
      (w.columns || []).length ? h('thead', {}, h('tr', {}, w.columns.map((c) => h('th', { text: c })))) : '',
      h('tbody', {}, rows.map((r) => h('tr', {}, (r.cells || []).map((c) =>
        h('td', { class: stateClass(c.state), 'data-state': c.state || null }, breakAtSlashes(c.text))))))));
  },
  versions(w) {
    const keys = w.versions || [];
    if (!keys.length) return h('p', { class: 'empty', text: 'no keys' });
    return h('dl', { class: 'versions' }, keys.map((k) => [
      h('dt', { text: k.key }),
      h('dd', {}, h('ol', {}, (k.versions || []).map((v) => h('li', {
        class: ['version', v.sibling && 'sibling', v.visible && 'visible'],
        title: [v.visible && 'what a read returns', v.sibling && 'a concurrent sibling'].filter(Boolean).join('; '),
      },
      h('span', { class: 'val', text: v.value }),
      v.stamp ? h('span', { class: 'stamp', text: '@' + v.stamp }) : '',
      v.vector && v.vector.length ? vectorPills(v.vector) : '')))),
    ]));
  },
  deadline(w, ctx) {
    const ds = w.deadlines || [];
    if (!ds.length) return h('p', { class: 'empty', text: 'none' });
    return h('ul', { class: 'deadlines' }, ds.map((d) => {
      const ring = s('circle', { class: 'dl-ring', r: 15, cx: 18, cy: 18, transform: 'rotate(-90 18 18)' });
      const left = h('span', { class: 'dl-left' });
      const li = h('li', { class: 'deadline' },
        s('svg', { class: 'dl-svg', viewBox: '0 0 36 36', width: 36, height: 36 }, s('circle', { class: 'dl-track', r: 15, cx: 18, cy: 18 }), ring),
        h('span', { class: 'dl-label' }, h('b', { text: d.label }), d.holder ? ' ' + d.holder : ''), left);
      track(li, { kind: 'ring', ring, left, start: d.start, at: d.at, offset: ctx.offset });
      return li;
    }));
  },
  series(w) {
    const ss = w.series || [];
    const W = 220, H = 64;
    let lo = 0, hi = 0, n = 2;
    for (const x of ss) {
      for (const v of x.values || []) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      n = Math.max(n, (x.values || []).length);
    }
    if (hi === lo) hi = lo + 1;
    const pt = (v, i) => `${((W * i) / (n - 1)).toFixed(1)},${(H - 2 - ((H - 4) * (v - lo)) / (hi - lo)).toFixed(1)}`;
    return h('div', { class: 'serieswrap' },
      s('svg', { class: 'series', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': w.title || 'chart' },
        s('line', { class: 'axis', x1: 0, y1: H - 1, x2: W, y2: H - 1 }),
        ss.map((x, k) => s('polyline', { class: 'line hue-' + (k % 8), points: (x.values || []).map(pt).join(' ') }))),
      h('ul', { class: 'legend' }, ss.map((x, k) => {
        const vs = x.values || [];
        return h('li', { class: 'hue-' + (k % 8) }, h('i'), `${x.name} `, h('b', { text: vs.length ? fmtNum(vs[vs.length - 1]) + (x.unit ? ' ' + x.unit : '') : '–' }));
      })),
      h('p', { class: 'range', text: `${fmtNum(lo)} – ${fmtNum(hi)}` }));
  },
  disk(w) {
    const files = w.files || [];
    if (!files.length) return h('p', { class: 'empty', text: 'no files' });
    return h('ul', { class: 'disk' }, files.map((f) => {
      const recs = f.records || [];
      const lost = recs.length - f.durable;
      return h('li', { class: ['file', f.active && 'active', stateClass(f.state)], 'data-file': f.name },
        h('div', { class: 'fhead' },
          h('b', { class: 'fname', text: f.name }),
          f.label ? h('span', { class: 'flabel', text: f.label }) : '',
          f.note ? h('span', { class: 'fnote', text: f.note }) : '',
          h('span', { class: 'fbytes', title: 'bytes durable / written', text: `${f.durableBytes}/${f.bytes} B` })),
        recs.length ? h('ol', { class: 'records' }, recs.map((text, i) => {
          const torn = f.torn === i + 1;
          const durable = i < f.durable;
          return h('li', {
            class: ['rec', durable ? 'durable' : 'written', torn && 'torn'],
            title: torn ? 'torn: half written, its checksum fails' : durable ? 'durable: survives a crash' : 'written, not yet fsynced: a crash now would lose it',
            text: torn ? '⚡ ' + text : text,
          });
        })) : h('p', { class: 'empty', text: 'empty file' }),
        lost > 0 ? h('p', { class: 'fwarn', text: `a crash now would lose ${lost} record${lost === 1 ? '' : 's'}` }) : '');
    }));
  },
  gantt(w) {
    const g = w.gantt || {};
    const rows = g.rows || [];
    if (!rows.length) return h('p', { class: 'empty', text: 'nothing yet' });
    const legend = g.legend || [];
    // The axis runs from the first span to the last end (Now while one is going).
    let t0 = Infinity, t1 = -Infinity;
    for (const r of rows) {
      for (const sp of r.spans || []) { t0 = Math.min(t0, sp.from); t1 = Math.max(t1, sp.to || g.now || sp.from); }
    }
    if (!Number.isFinite(t0)) t0 = t1 = g.now || 0;
    const span = Math.max(t1 - t0, 1);
    const pct = (t) => (100 * (t - t0)) / span;
    // Ticks count from the axis start: a span's length is what a learner
    // reads here (the absolute times are on the clocks), and short labels
    // fit the narrow track of a node panel.
    const ticks = axisTicks(t1 - t0).map((d) => t0 + d);
    return h('div', { class: 'gantt' },
      h('ol', { class: 'grows' }, rows.map((r) => h('li', { class: 'grow' },
        h('span', { class: ['glabel', stateClass(r.state)], title: r.label + (r.note ? ': ' + r.note : ''), text: r.label }),
        h('span', { class: 'gtrack' }, ticks.map((t) => placed(h('i', { class: 'gtick' }), pct(t))),
          (r.spans || []).map((sp) => {
            const to = sp.to || t1;
            const k = legend.indexOf(sp.name);
            return placed(h('i', {
              class: ['gspan', k >= 0 ? 'g' + (k % 8) : 'gnone', sp.wait && 'wait', !sp.to && 'open', stateClass(sp.state)],
              'data-span': sp.name,
              title: `${sp.name}: ${fmtMs(to - sp.from)}${sp.to ? '' : ' so far'}${sp.state === 'bad' ? ' (overlaps another row’s)' : ''}`,
            }), pct(sp.from), pct(to) - pct(sp.from));
          })),
        h('span', { class: 'gnote', text: r.note || '' })))),
      h('div', { class: 'gaxis' }, h('span'), h('span', { class: 'gtrack' },
        ticks.map((t, k) => placed(h('span', { class: 'gtlabel', text: tickLabel(t - t0, k === ticks.length - 1) }), pct(t)))), h('span')),
      legend.length ? h('ul', { class: 'glegend' }, legend.map((name, k) => h('li', {}, h('i', { class: 'gspan g' + (k % 8) }), name)),
        rows.some((r) => (r.spans || []).some((sp) => sp.state === 'bad')) ? h('li', {}, h('i', { class: 'gspan bad' }), 'overlaps where it must not') : '') : '');
  },
  grid(w) {
    const cells = w.cells || [];
    return h('ol', { class: 'grid' }, cells.map((c) => h('li', { class: gridCellClass(c), 'data-cell': c.id, title: gridCellTitle(c), text: c.text || '' })));
  },
};

export const gridCellClass = (c) => ['cell', stateClass(c.state)].filter(Boolean).join(' ');
export const gridCellTitle = (c) => `${c.id}${c.text ? ': ' + c.text : ''}${c.state ? ' (' + c.state + ')' : ''}`;

function vectorPills(kv) {
  return h('span', { class: 'vector' }, (kv || []).map((r) => h('span', { class: 'pill' }, h('b', { text: r.key }), ' ' + r.value)));
}

// placed positions el along a gantt track (percentages). Through the
// style object: the page's CSP refuses inline style attributes.
function placed(el, left, width) {
  el.style.left = left.toFixed(2) + '%';
  if (width !== undefined) el.style.width = Math.max(0, width).toFixed(2) + '%';
  return el;
}

// fmtMs writes µs as milliseconds: 1250 -> "1.3 ms", 42000 -> "42 ms".
function fmtMs(us) {
  const ms = us / 1000;
  return (Math.abs(ms) >= 10 || Number.isInteger(ms) ? ms.toFixed(0) : ms.toFixed(1)) + ' ms';
}

// axisTicks picks round offsets (0 and multiples of 1, 2 or 5 × a power
// of ten µs) up to span, at most four of them: more would not fit a node
// panel's track side by side.
function axisTicks(span) {
  span = Math.max(span, 1);
  let step = 1;
  for (let p = 1; ; p *= 10) {
    const s = [p, 2 * p, 5 * p].find((x) => span / x <= 3);
    if (s) { step = s; break; }
  }
  const out = [];
  for (let d = 0; d <= span; d += step) out.push(d);
  return out;
}

// tickLabel writes an offset along the axis: "0", "+50", and the unit on
// the last label only ("+100 ms").
function tickLabel(d, last) {
  if (d === 0) return '0';
  const ms = fmtMs(d);
  return '+' + (last ? ms : ms.replace(' ms', ''));
}

function fmtNum(v) {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1);
}

export function renderWidget(w, ctx = {}) {
  const draw = Object.hasOwn(renderers, w.type) ? renderers[w.type] : null;
  const c = { offset: 0, ...ctx };
  const body = draw ? draw(w, c) : h('p', { class: 'empty', text: `(unknown widget “${w.type}”)` });
  return h('section', { class: ['widget', 'w-' + slug(w.type), c.emphasis && 'emph'], 'data-widget': w.type },
    w.title ? h('h4', { text: w.title }) : '', body);
}

// Things that move with virtual time: deadline rings and queue countdowns.
// Elements leave the set once they are off the page.
const moving = new Set();
let lastVT = 0;

function track(el, spec) {
  el.moving = spec;
  moving.add(el);
  paint(el, lastVT);
}

export function tickWidgets(vt) {
  lastVT = vt;
  for (const el of moving) {
    // Renderers' output is attached as soon as it is built, so an element
    // off the page by now was replaced.
    if (!el.isConnected) moving.delete(el);
    else paint(el, vt);
  }
}

function paint(el, vt) {
  const m = el.moving;
  const local = vt + (m.offset || 0);
  const leftUs = m.at - local;
  const text = leftUs > 0 ? `${(leftUs / 1000).toFixed(0)} ms left` : 'expired';
  if (m.kind === 'countdown') {
    el.textContent = ' · ' + text;
    el.classList.toggle('expired', leftUs <= 0);
    return;
  }
  const span = m.at - m.start;
  const frac = span > 0 ? Math.max(0, Math.min(1, leftUs / span)) : 0;
  const len = 2 * Math.PI * 15;
  m.ring.setAttribute('stroke-dasharray', `${(len * frac).toFixed(1)} ${len.toFixed(1)}`);
  m.left.textContent = text;
  el.classList.toggle('expired', leftUs <= 0);
}

// breakAtSlashes lets a path (/servers/delphi) wrap after a slash in a narrow
// panel; its text stays the same (a <wbr> adds no characters).
function breakAtSlashes(text) {
  if (!text || text.indexOf('/', 1) < 0) return text;
  return text.split(/(?<=\/)/).flatMap((part, i) => (i ? [h('wbr'), part] : [part]));
}
