// Client history and linearizability: each client's operations as bars over
// virtual time (invoke → response; an operation without an answer stays
// open to the right), porcupine's verdict, and when the history is not
// linearizable the operations no order can place, highlighted. Below it, one
// line per named history check the pattern declares (read-your-writes,
// monotonic reads...), ✓ or ✗ with its text; the operations of a breach are
// marked in the bars.
//
// API:
//   const hv = create(container, { historyURL(), htmlURL() })
//   hv.update(state)   state.ops (Map id -> engine.Operation, with the
//                      server's text for it), state.time,
//                      state.pattern.clients, state.play
// The verdicts come from the server (historyURL: JSON with a "verdict" and
// "checks"),
// fetched when the history changed and the run is not racing ahead.
import { s, h, fmtTime } from './dom.js';

const MAX_BARS = 300;
const ROW = 34;
const LEFT = 70;

export function create(container, callbacks) {
  return new HistoryView(container, callbacks);
}

class HistoryView {
  constructor(root, cb) {
    this.root = root;
    this.cb = cb;
    this.verdict = null;
    this.checks = [];
    this.checkedKey = '';
    this.verdictEl = h('div', { class: 'hv-verdict', 'data-verdict': 'none', role: 'status' });
    this.link = h('a', { class: 'hv-porcupine', target: '_blank', rel: 'noopener', text: 'open porcupine’s visualization', hidden: true });
    this.svg = s('svg', { class: 'hv-svg', role: 'img', 'aria-label': 'Client operations over time' });
    this.empty = h('p', { class: 'hv-empty', text: 'No client operations yet: send a read or a write from the requests box.' });
    this.checksEl = h('ul', { class: 'hv-checks', 'aria-label': 'History checks' });
    root.append(h('div', { class: 'hv-top' }, this.verdictEl, this.link), this.checksEl, this.empty, h('div', { class: 'hv-scroll' }, this.svg));
  }

  update(st) {
    this.st = st;
    const ops = [...st.ops.values()].sort((a, b) => a.id - b.id);
    this.empty.hidden = ops.length > 0;
    this.svg.style.display = ops.length ? '' : 'none';
    const key = ops.map((o) => o.id + (o.status || 'p')).join(',');
    if (ops.length) this.draw(ops, st);
    if (key !== this.checkedKey) {
      this.stale = true;
      this.scheduleCheck(key, st.play && st.play.playing ? 2000 : 300);
    }
    this.showVerdict(ops.length);
  }

  scheduleCheck(key, wait) {
    if (this.timer) return;
    this.timer = setTimeout(async () => {
      this.timer = null;
      const url = this.cb.historyURL();
      if (!url) return;
      const want = key;
      try {
        const res = await fetch(url, { cache: 'no-store' });
        if (!res.ok) throw new Error(res.status + ' ' + res.statusText);
        const doc = await res.json();
        this.verdict = doc.verdict;
        this.checks = Array.isArray(doc.checks) ? doc.checks : [];
        this.verdictStep = doc.step;
        this.checkedKey = want;
        this.stale = false;
      } catch (err) {
        this.verdict = { result: 'error', text: 'Could not check the history: ' + err.message };
      }
      if (this.st) this.update(this.st);
    }, wait);
  }

  showVerdict(n) {
    const v = this.verdict;
    const result = n === 0 ? 'none' : v ? v.result : 'pending';
    const html = this.cb.htmlURL && this.cb.htmlURL();
    // Redrawn only when something it shows changed (it is asked every frame).
    const shown = [n, result, v && v.text, this.stale, this.checks, html];
    if (this.shown && shown.every((x, i) => x === this.shown[i])) return;
    this.shown = shown;
    this.verdictEl.dataset.verdict = result;
    this.root.dataset.verdict = result;
    const title = { ok: '✓ Linearizable', illegal: '✗ Not linearizable', unknown: '? Undecided', none: 'Not checked', error: 'Check failed', pending: 'Checking…' }[result] || result;
    // The server's text may start with the verdict the title already says.
    const said = v && n ? String(v.text || '').replace(/^(not )?linearizable\b[:.]?\s*/i, '') : '';
    this.verdictEl.replaceChildren(h('b', { text: title }), ' ', h('span', { text: said }),
      this.stale && v && n ? h('span', { class: 'hv-stale', text: ' (rechecking…)' }) : '');
    this.checksEl.hidden = !n || !this.checks.length;
    this.checksEl.replaceChildren(...(n ? this.checks : []).map((c) => h('li', { class: c.ok ? 'ok' : 'breach', 'data-check': c.check, 'data-ok': String(!!c.ok), title: c.doc || '' },
      h('b', { text: (c.ok ? '✓ ' : '✗ ') + c.check }), ' ', h('span', { text: c.text }))));
    this.link.hidden = !html || !n || !v || v.result === 'none';
    if (html) this.link.href = html;
  }

  draw(all, st) {
    const ops = all.slice(-MAX_BARS);
    const clients = [...new Set([...(st.pattern && st.pattern.clients) || [], ...ops.map((o) => o.client)])];
    const width = Math.max(300, this.root.clientWidth - 4);
    const t0 = Math.min(...ops.map((o) => o.call));
    const t1 = Math.max(st.time, ...ops.map((o) => o.return || o.call)) || t0 + 1;
    const span = Math.max(1, t1 - t0);
    const x = (t) => LEFT + (width - LEFT - 12) * (t - t0) / span;
    const height = clients.length * ROW + 26;
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.svg.setAttribute('width', width);
    this.svg.setAttribute('height', height);
    const unordered = new Set(this.verdict && this.verdict.unordered || []);
    const blocking = this.verdict && this.verdict.blocking;
    const breaches = new Map(); // op id -> the checks it breaks
    for (const c of this.checks) {
      if (!c.ok) for (const id of c.ops || []) breaches.set(id, [...(breaches.get(id) || []), c.check]);
    }
    const kids = [];
    clients.forEach((c, i) => {
      const y = i * ROW + 4;
      kids.push(s('text', { class: 'hv-client', x: 4, y: y + 19, text: c }),
        s('line', { class: 'hv-row', x1: LEFT, x2: width - 8, y1: y + ROW - 4, y2: y + ROW - 4 }));
    });
    for (const op of ops) {
      const row = clients.indexOf(op.client);
      const y = row * ROW + 8;
      const open = !op.status || op.status === 'unknown';
      const xa = x(op.call);
      const xb = open ? x(t1) : Math.max(xa + 3, x(op.return));
      const broken = breaches.get(op.id);
      const cls = ['hv-op', 'st-' + (op.status || 'pending'), unordered.has(op.id) && 'unordered', blocking === op.id && 'blocking', broken && 'breach', open && 'open'];
      const text = op.text || ''; // the pattern's own words for it, from the server
      const g = s('g', { class: cls, 'data-op': op.id },
        s('rect', { x: xa, y, width: Math.max(3, xb - xa), height: ROW - 14, rx: 4 }),
        // Inside the bar when it fits, else just after it (a short bar still says what it is).
        xb - xa > text.length * 6.5 ? s('text', { x: xa + 4, y: y + 14, text }) : s('text', { class: 'outside', x: xb + 3, y: y + 14, text }),
        s('title', { text: `#${op.id} ${op.client}: ${text}; invoked ${fmtTime(op.call)}${op.status === 'ok' || op.status === 'fail' ? ', answered ' + fmtTime(op.return) : op.status === 'unknown' ? ', timed out: outcome unknown' : ', waiting'}${unordered.has(op.id) ? '. No linearizable order can place this operation.' : ''}${broken ? '. Part of a breach of ' + broken.join(', ') + '.' : ''}` }));
      kids.push(g);
    }
    kids.push(s('text', { class: 'hv-axis', x: LEFT, y: height - 6, text: fmtTime(t0) }),
      s('text', { class: 'hv-axis', x: width - 8, y: height - 6, 'text-anchor': 'end', text: fmtTime(t1) }));
    if (all.length > ops.length) kids.push(s('text', { class: 'hv-axis', x: width / 2, y: height - 6, 'text-anchor': 'middle', text: `last ${ops.length} of ${all.length} operations` }));
    this.svg.replaceChildren(...kids);
  }
}
