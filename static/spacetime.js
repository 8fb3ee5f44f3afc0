// The space-time (Lamport) diagram: one lane per process, time flowing down,
// an arrow per message from its send to its delivery (a cross where it was
// lost, a dashed tail while it is in flight), crashes, pauses and restarts
// on the lanes, notes and violations as markers.
//
// API (see create):
//   const st = create(container, { seek(step), traceURL(since) })
//   st.ingest(frame)   every frame from the server (snapshot / delta)
//   st.update(state)   after the app state changed (step, time, order,
//                      violations...)
//   st.exportSVG()     the whole diagram (or the visible part of a long run)
//                      as a standalone SVG string with inline styles
//   st.setDivergence({at, step} | null)  marks where a compared run differs
//   st.viewAt(scale, top)                shows the same time as another
//                      diagram (callbacks.onView(scale, top) reports ours)
//
// It keeps its own copy of the trace (frames carry only recent events; a
// gap is filled from traceURL). Events past the cursor that a step back
// left behind stay, dimmed, as the "old future" until the run diverges.
// Only what lies in the visible time window is drawn (at most MAX_ITEMS
// SVG items), so 10,000 events scroll as smoothly as 100.
import { s, h, fmtTime, hue, spec, SpecGroup, patch } from './dom.js';
import { describe } from './events.js';
import { highlight, mark, current } from './highlight.js';
import { laneOrder, groups, LARGE } from './roles.js';
import { Cone, sendSeq } from './causal.js';

const ARROW_KINDS = new Set(['send', 'deliver', 'drop', 'duplicate']);
const LANE_KINDS = { crash: 'crashed', restart: 'up', pause: 'paused', resume: 'up', start: 'up' };
const MAX_ITEMS = 1600;      // SVG items drawn at most per frame
const BLOCK = 128;           // messages per block of the window index
const GUTTER = 64;           // px, time labels on the left
const MIN_SCALE = 0.00002;   // px per µs (0.02 px/ms)
const MAX_SCALE = 0.1;       // px per µs (100 px/ms)
const LARGE_REDRAW_MS = 250; // a large cluster's diagram is redrawn at most this often
const OFFSCREEN_REDRAW_MS = 500; // and any diagram out of sight
const STAMP_GAP = 13;        // px: a stamp closer than this to the last one on its lane is left out
const STAMP_MIN_LANE = 56;   // px: lanes narrower than this get no stamps

export function create(container, callbacks) {
  return new SpaceTime(container, callbacks);
}

class SpaceTime {
  constructor(root, cb) {
    this.root = root;
    this.cb = cb;
    this.scale = 0.003; // px per µs: 3 px per ms
    this.follow = true;
    this.evs = [];       // the trace copy, index = seq
    this.live = 0;       // events [0, live) belong to the run; the rest is the old future
    this.fetching = false;
    this.reset();
    this.order = [];
    this.clients = new Set();
    this.now = 0;
    this.step = 0;
    this.inflight = new Map();
    this.violations = []; // the app state's, as of the last update
    this.stats = { renders: 0, lastMs: 0, items: 0 };
    this.causal = false; // clicking an event shows its causal cone instead of going to it
    this.cone = null;
    this.build();
  }

  reset() {
    this.msgs = new Map();  // id -> message record
    this.msgList = [];      // in creation order
    this.blocks = [];       // {minS, maxE} per BLOCK messages
    this.points = [];       // non-message events, in trace order
    this.laneChanges = [];  // {node, at, status, seq}
    this.indexed = 0;       // evs[0, indexed) are in the structures above
  }

  build() {
    const r = this.root;
    this.head = h('div', { class: 'st-head' });
    this.scroller = h('div', { class: 'st-scroll', tabindex: 0, 'aria-label': 'Space-time diagram; scroll for time' });
    this.spacer = h('div', { class: 'st-spacer' });
    this.svg = s('svg', { class: 'st-svg', role: 'img', 'aria-label': 'Space-time diagram of the run' });
    this.defs = s('defs', {},
      s('marker', { id: 'st-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'st-arrowhead' })));
    this.layer = s('g', { class: 'st-layer' });
    this.svg.append(this.defs, this.layer);
    this.spacer.append(this.svg);
    this.scroller.replaceChildren(this.spacer);
    this.tip = h('div', { class: 'st-tip', hidden: true });
    this.note = h('p', { class: 'st-note', hidden: true });
    this.legend = h('p', { class: 'st-legend', hidden: true });
    // The zoom and follow buttons sit in the view's heading, outside root.
    const view = r.closest('[data-view="spacetime"]');
    const tools = view && view.querySelector('.st-tools');
    if (tools) {
      tools.addEventListener('click', (e) => {
        const b = e.target.closest('[data-st]');
        if (!b) return;
        if (b.dataset.st === 'zoom-in') this.zoom(2);
        if (b.dataset.st === 'zoom-out') this.zoom(0.5);
        if (b.dataset.st === 'follow') { this.follow = true; this.scrollToTime(this.now, true); }
        if (b.dataset.st === 'causal') this.setCausal(!this.causal, b);
      });
    }
    r.append(this.head, this.legend, this.scroller, this.note, this.tip);
    this.scroller.addEventListener('scroll', () => {
      this.top = this.scroller.scrollTop;
      if (!this.programmatic) this.follow = this.atEnd();
      this.programmatic = false;
      this.schedule();
    }, { passive: true });
    this.scroller.addEventListener('wheel', (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      this.zoom(e.deltaY < 0 ? 1.25 : 0.8, e.clientY - this.scroller.getBoundingClientRect().top);
    }, { passive: false });
    this.svg.addEventListener('mouseover', (e) => this.hover(e));
    this.svg.addEventListener('mouseleave', () => { this.tip.hidden = true; if (current() && current().source === 'spacetime') highlight(null); });
    this.svg.addEventListener('click', (e) => {
      const el = e.target.closest('[data-step]');
      if (!el) return;
      if (this.causal) this.focusOn(el);
      else this.cb.seek(Number(el.dataset.step));
    });
    // The view's size and scroll position are kept here, so rendering reads
    // no layout: a read after the page was changed makes the browser lay it
    // out on the spot, and render ran several such layouts a frame.
    this.view = { w: 0, h: 0 };
    this.top = 0;
    new ResizeObserver((es) => {
      const r = es[es.length - 1].contentRect;
      this.view = { w: r.width, h: r.height };
      this.schedule();
    }).observe(this.scroller);
    this.onScreen = true;
    this.lastRender = 0;
    new IntersectionObserver((es) => {
      this.onScreen = es[es.length - 1].isIntersecting;
      if (this.onScreen && (this.dirty || this.pending)) { this.cancelPending(); this.dirty = false; this.schedule(); }
    }, { rootMargin: '200px 0px' }).observe(this.scroller);
    document.addEventListener('cs:highlight', (e) => this.onHighlight(e.detail));
  }

  // onHighlight brings a message pointed at in another view (cluster, event
  // log, history) into the diagram's window: only the visible stretch is
  // drawn, so an arrow scrolled out of view would have nothing to light up.
  // When the pointing ends, the diagram goes back to where it was, unless
  // the reader scrolled it meanwhile.
  onHighlight(d) {
    const sc = this.scroller;
    if (!d || d.source === 'spacetime') {
      const back = this.peek;
      this.peek = null;
      if (!d && back && sc.scrollTop === back.at) {
        if (back.top !== sc.scrollTop) this.programmatic = true;
        sc.scrollTop = back.top;
        this.top = sc.scrollTop;
        this.follow = back.follow;
        this.schedule();
      }
      return;
    }
    this.catchUp();
    const m = d.msg !== undefined && d.msg !== null && this.msgs.get(Number(d.msg));
    if (!m || !sc.clientHeight) return;
    this.catchUpScroll();
    const y1 = this.y(m.sAt);
    const y2 = this.y(Number.isFinite(m.eAt) ? m.eAt : Math.max(m.sAt, this.now));
    if (y2 >= sc.scrollTop + 8 && y1 <= sc.scrollTop + sc.clientHeight - 8) return; // already in view
    if (!this.peek) this.peek = { top: sc.scrollTop, follow: this.follow };
    this.follow = false;
    const to = Math.round(Math.max(0, Math.min(sc.scrollHeight - sc.clientHeight, (y1 + y2) / 2 - sc.clientHeight / 2)));
    if (to !== Math.round(sc.scrollTop)) {
      this.programmatic = true; // only on a real move: the scroll event it causes clears it
      sc.scrollTop = to;
      this.top = sc.scrollTop;
    }
    this.peek.at = sc.scrollTop;
    this.cancelPending();
    this.render();
  }

  // catchUpScroll takes in a scroll the browser has not reported yet (its
  // event comes with the next frame), as the scroll handler would: a peek
  // that started before it would remember the old follow and, when it
  // ended, jump back to the cursor the reader had just scrolled away from.
  catchUpScroll() {
    const sc = this.scroller;
    if (sc.scrollTop === this.top) return;
    this.top = sc.scrollTop;
    if (!this.programmatic) this.follow = this.atEnd();
  }

  // ---- causality ----

  // setCausal switches causal mode: a click on an event then lights what
  // happened before it and after it, and leaves the rest (concurrent) dim.
  setCausal(on, button) {
    this.causal = on;
    if (button) button.setAttribute('aria-pressed', String(on));
    this.root.classList.toggle('st-causal', on);
    if (!on) this.cone = null;
    this.showLegend();
    this.schedule();
  }

  // focusOn makes the clicked event (an arrow stands for its delivery, or
  // its send while it has not arrived) the cone's focus.
  focusOn(el) {
    let focus = null;
    if (el.dataset.msg) {
      const m = this.msgs.get(Number(el.dataset.msg));
      if (m && m.end === 'deliver' && m.eSeq < this.live) focus = { lane: m.to, seq: m.eSeq };
      else if (m) focus = { lane: m.from, seq: sendSeq(m, this.msgs) };
    } else if (el.dataset.seq) {
      const ev = this.evs[Number(el.dataset.seq)];
      if (ev && ev.node) focus = { lane: ev.node, seq: ev.seq };
    }
    if (!focus || focus.seq < 0) return;
    this.cone = new Cone(focus);
    this.showLegend();
    this.schedule();
  }

  showLegend() {
    const c = this.cone && this.evs[this.cone.focus.seq];
    this.legend.hidden = !this.causal;
    this.legend.replaceChildren(...(c
      ? [h('b', { text: `${describe(c)} (step ${c.step}): ` }), h('span', { class: 'cz-past', text: 'happened before it' }), ' · ',
        h('span', { class: 'cz-future', text: 'happened after it' }), ' · ', h('span', { class: 'cz-conc', text: 'concurrent (neither)' })]
      : ['Click an event or an arrow to see what happened before it, after it, and concurrently.']));
  }

  // czClass is the cone class of an event on a lane, when there is a cone.
  czClass(lane, seq) {
    return this.cone && lane ? 'cz-' + this.cone.side(lane, seq) : null;
  }

  // ---- the trace copy ----

  ingest(f) {
    if (f.type === 'error') return;
    const evs = f.events || [];
    if (f.type === 'snapshot') {
      // A snapshot after a step back matches our copy: the old future stays
      // (dimmed). After a reset or a branch switch it does not: start over.
      if (!evs.length || !this.matches(evs[0])) this.truncate(0);
      this.live = 0;
    }
    if (evs.length) {
      if (evs[0].seq > this.evs.length) {
        // A gap: fetched when there is a trace to fetch from, else a hole.
        if (this.cb.traceURL) this.fill(this.evs.length);
        else this.evs.length = evs[0].seq;
      }
      this.merge(evs);
      this.live = evs[evs.length - 1].seq + 1;
    }
    this.index();
  }

  matches(e) { return e.seq < this.evs.length && this.same(this.evs[e.seq], e); }

  same(a, b) {
    return !!a && a.step === b.step && a.at === b.at && a.kind === b.kind && (a.msg || 0) === (b.msg || 0) && (a.node || '') === (b.node || '') && (a.text || '') === (b.text || '');
  }

  merge(evs) {
    for (const e of evs) {
      if (e.seq < this.evs.length) {
        if (this.same(this.evs[e.seq], e)) continue;
        this.truncate(e.seq);
      }
      if (e.seq === this.evs.length) this.evs.push(e);
    }
  }

  truncate(n) {
    if (n >= this.evs.length) return;
    this.evs.length = n;
    if (this.cone) this.cone = this.cone.focus.seq < n ? new Cone(this.cone.focus) : null;
    if (this.indexed > n) this.reset(); // rebuild the index from scratch
  }

  async fill(from) {
    if (!this.cb.traceURL) return;
    // A gap seen while a fetch is out (a long run's tail arriving as the
    // diagram loads) is fetched once that one is in: it asked for less.
    if (this.fetching) { this.refill = true; return; }
    const url = this.cb.traceURL(from);
    if (!url) return;
    this.fetching = true;
    try {
      const res = await fetch(url, { cache: 'no-store' });
      if (!res.ok) throw new Error(res.status + ' ' + res.statusText);
      const doc = await res.json();
      const evs = doc.events || [];
      // Drop our copy from the first disagreement, then take theirs. A
      // run longer than one download starts part-way (the rest is a hole).
      for (const e of evs) {
        if (e.seq < this.evs.length && !this.same(this.evs[e.seq], e)) { this.truncate(e.seq); break; }
      }
      if (this.evs.length < doc.eventsFrom) this.evs.length = doc.eventsFrom;
      for (const e of evs) if (e.seq === this.evs.length) this.evs.push(e);
      this.live = Math.max(this.live, Math.min(this.evs.length, doc.eventsTotal));
      this.index();
      this.schedule();
    } catch (err) {
      this.showNote('Could not load the whole trace: ' + err.message);
    } finally {
      this.fetching = false;
      if (this.refill) {
        this.refill = false;
        this.fill(this.evs.length);
      }
    }
  }

  // index adds evs[indexed..] to the message and marker structures.
  index() {
    for (let i = this.indexed; i < this.evs.length; i++) {
      const e = this.evs[i];
      if (!e) continue;
      if (ARROW_KINDS.has(e.kind)) this.indexMessage(e);
      else {
        this.points.push(e);
        if (LANE_KINDS[e.kind] && e.node) this.laneChanges.push({ node: e.node, at: e.at, seq: e.seq, status: LANE_KINDS[e.kind] });
      }
    }
    this.indexed = this.evs.length;
    this.schedule();
  }

  indexMessage(e) {
    let m = this.msgs.get(e.msg);
    const create = (at) => {
      m = { id: e.msg, from: e.from, to: e.to, kind: e.msgKind, sAt: at, sStep: e.step, sSeq: e.seq, eAt: Infinity, eStep: -1, eSeq: -1, end: null, dupOf: 0, text: '' };
      this.msgs.set(e.msg, m);
      m.i = this.msgList.length;
      this.msgList.push(m);
      const b = m.i / BLOCK | 0;
      if (!this.blocks[b]) this.blocks[b] = { minS: Infinity, maxE: -Infinity };
      this.blocks[b].minS = Math.min(this.blocks[b].minS, at);
      this.blocks[b].maxE = Infinity;
    };
    switch (e.kind) {
      case 'send': create(e.at); break;
      case 'duplicate': {
        const orig = this.msgs.get(Number((/#(\d+)/.exec(e.text || '') || [])[1]));
        create(orig ? orig.sAt : e.at);
        m.dupOf = orig ? orig.id : -1;
        if (orig) m.sStep = orig.sStep;
        m.dupAt = e.at;
        break;
      }
      case 'deliver': case 'drop':
        if (!m) create(e.at);
        m.end = e.kind; m.eAt = e.at; m.eStep = e.step; m.eSeq = e.seq;
        if (e.text) m.text = e.text;
        this.reblock(m.i / BLOCK | 0);
        break;
    }
  }

  reblock(b) {
    let maxE = -Infinity;
    const end = Math.min(this.msgList.length, (b + 1) * BLOCK);
    for (let i = b * BLOCK; i < end; i++) maxE = Math.max(maxE, this.msgList[i].eAt);
    this.blocks[b].maxE = maxE;
  }

  // ---- compare mode ----

  setDivergence(d) {
    const key = d ? `${d.at}/${d.step}` : '';
    if (key === (this.diverge ? `${this.diverge.at}/${this.diverge.step}` : '')) return;
    this.diverge = d;
    this.schedule();
  }

  viewAt(scale, top) {
    if (scale === this.scale && top === this.top && !this.follow) return;
    this.scale = scale;
    this.follow = false;
    this.pinTop = top; // render scrolls there
    this.schedule();
  }

  // ---- app state ----

  update(st) {
    // Lanes are grouped by structural role (roles.js): a coordinator's lane
    // beside its participants', a core's beside its data nodes'.
    const order = laneOrder(st).slice();
    if (order.join() !== this.order.join()) {
      this.order = order;
      this.clients = new Set(order.filter((id) => st.nodes.get(id) && st.nodes.get(id).client));
      if (order.length > LARGE) {
        // Too many lanes to name each: one label per role group, at its first lane.
        const gs = groups(st);
        const clients = [...this.clients];
        if (clients.length) gs.push({ role: 'client', ids: clients });
        // Every other label on a second line: a small group's lanes are a
        // few pixels wide, and its neighbour's label would cover it.
        this.head.replaceChildren(...gs.map((g, i) => h('span', { class: ['st-lane-name', 'st-group-name', i % 2 && 'second'], 'data-lane': g.ids[0], title: g.ids.join(' '), text: `${g.role || 'nodes'} ×${g.ids.length}` })));
        this.head.classList.add('grouped');
      } else {
        this.head.replaceChildren(...order.map((id, i) => h('span', { class: ['st-lane-name', this.clients.has(id) && 'client', i % 2 && 'second'], 'data-lane': id, text: id })));
        this.head.classList.remove('grouped');
      }
      this.nameW = null;
      this.layoutHead();
    }
    // A jump in time (seek, step back, branch switch) brings the cursor into view.
    if (st.step < this.step || (!(st.play && st.play.playing) && Math.abs(st.step - this.step) > 1)) this.reveal = true;
    this.now = st.time;
    this.step = st.step;
    this.inflight = st.msgs;
    this.violations = st.violations || [];
    this.schedule();
  }

  // ---- geometry ----

  end() {
    const last = this.evs.length ? this.evs[this.evs.length - 1].at : 0;
    return Math.max(last, this.now, 1);
  }

  y(at) { return 16 + at * this.scale; }

  laneX() {
    const w = this.view.w || 600;
    const n = Math.max(1, this.order.length);
    const step = (w - GUTTER - 16) / n;
    const x = new Map();
    this.order.forEach((id, i) => x.set(id, GUTTER + step * (i + 0.5)));
    return { x, w, step };
  }

  layoutHead() {
    const { x, step } = this.laneX();
    // Lanes closer than two neighbouring names are wide (a narrow view,
    // compare mode's two diagrams, a long name like "coordinator"): every
    // other name on a second line. The names are measured once per lane
    // order and width (a layout read on every redraw would cost each frame;
    // the page's type grows with the window).
    if (!this.nameW || this.nameWAt !== this.view.w || this.nameW.some((w) => w === 0)) {
      this.nameW = [...this.head.children].map((el) => el.offsetWidth);
      this.nameWAt = this.view.w;
    }
    const w = this.nameW;
    const crowded = !this.head.classList.contains('grouped') && w.some((wi, i) => i > 0 && step < (w[i - 1] + wi) / 2 + 6);
    if (this.head.classList.contains('crowded') !== crowded) this.head.classList.toggle('crowded', crowded);
    for (const el of this.head.children) {
      const left = (x.get(el.dataset.lane) || 0) + 'px';
      if (el.style.left !== left) el.style.left = left;
    }
  }

  atEnd() {
    const sc = this.scroller;
    return sc.scrollTop + sc.clientHeight >= sc.scrollHeight - 24;
  }

  scrollToTime(at, bottom) {
    this.setTop(this.topFor(at, bottom));
  }

  // topFor is the scroll position that shows time at near the view's bottom
  // (or middle), as far as the run reaches.
  topFor(at, bottom, spacerH = this.spacerH) {
    const viewH = this.view.h || 400;
    const y = this.y(at);
    const max = Math.max(0, (spacerH || 0) - viewH);
    return Math.round(Math.max(0, Math.min(max, bottom ? y - viewH + 40 : y - viewH / 2)));
  }

  // setTop scrolls the view to top px (as far as the run reaches), keeping
  // this.top what the browser will say.
  setTop(top) {
    const max = Math.max(0, (this.spacerH || 0) - (this.view.h || 0));
    const to = Math.round(Math.max(0, Math.min(max, top)));
    if (to === this.top) return;
    this.programmatic = true;
    this.scroller.scrollTop = to;
    this.top = to;
  }

  zoom(factor, anchorPx) {
    const anchor = anchorPx === undefined ? (this.view.h || 400) / 2 : anchorPx;
    const at = (this.top + anchor - 16) / this.scale;
    this.scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.scale * factor));
    this.spacerH = Math.round(this.y(this.end()) + 40);
    this.spacer.style.height = this.spacerH + 'px';
    this.setTop(this.y(at) - anchor);
    this.schedule();
  }

  // catchUp draws at once a diagram whose redraw is waiting (off screen,
  // or a large cluster's), before something reads what it has drawn.
  catchUp() {
    if (!this.pending && !this.dirty) return;
    this.cancelPending();
    this.dirty = false;
    this.render();
  }

  cancelPending() {
    if (!this.pending) return;
    if (this.pendingTimer) clearTimeout(this.pending);
    else cancelAnimationFrame(this.pending);
    this.pending = 0;
  }

  schedule() {
    if (this.pending) return;
    // Off screen, the diagram is redrawn at most OFFSCREEN_REDRAW_MS apart
    // (a large cluster's not at all): below the fold of a playing page its
    // redraws were the page's largest script cost. It catches up as it
    // comes into sight. On screen, a large cluster's diagram is redrawn at
    // most LARGE_REDRAW_MS apart: hundreds of lanes cost the cluster
    // diagram its frame rate otherwise.
    const large = this.order.length > LARGE;
    if (large && !this.onScreen) { this.dirty = true; return; }
    if (large || !this.onScreen) {
      const wait = this.lastRender + (this.onScreen ? LARGE_REDRAW_MS : OFFSCREEN_REDRAW_MS) - performance.now();
      if (wait > 0) {
        this.pending = setTimeout(() => { this.pending = 0; this.schedule(); }, wait);
        this.pendingTimer = true;
        return;
      }
    }
    this.pending = requestAnimationFrame(() => { this.pending = 0; this.render(); });
    this.pendingTimer = false;
  }

  // ---- drawing ----

  render() {
    const t0 = performance.now();
    this.lastRender = t0;
    // Everything is worked out first and the page written after, the
    // scroll position last: writing it makes the browser lay the page out
    // at once, and that layout then covers every change of the frame.
    const endAt = this.end();
    const height = Math.round(this.y(endAt) + 40);
    const viewH = this.view.h || 400;
    let top = this.top;
    if (this.pinTop !== undefined) {
      top = this.pinTop;
      this.pinTop = undefined;
    }
    const cy = this.y(this.now);
    if (this.follow && (cy > top + viewH - 30 || cy < top)) top = this.topFor(this.now, true, height); // keep the cursor in sight as the run grows
    if (this.reveal) {
      this.reveal = false;
      if (cy > top + viewH - 30 || cy < top + 10) top = this.topFor(this.now, false, height);
    }
    // The SVG covers the view and a view's height either side, and stays
    // put while the view scrolls within it: the browser then scrolls it
    // without repainting, and a frame repaints only what moved. It moves
    // (and is repainted whole) when the view nears its edge.
    const width = this.view.w || 600;
    let anc = this.anchor;
    if (!anc || anc.scale !== this.scale || anc.width !== width || top < anc.top || top + viewH > anc.top + anc.h) {
      anc = this.anchor = { top: Math.max(0, top - viewH), h: 3 * viewH, scale: this.scale, width };
      this.svg.setAttribute('height', anc.h);
      this.svg.setAttribute('width', width);
      this.svg.style.top = anc.top + 'px';
    }
    const win = { a: (anc.top - 16) / this.scale - 2000, b: (anc.top + anc.h) / this.scale + 2000 };
    this.layoutHead();
    const g = this.draw(win, anc.top, width, true);
    if (this.layer.getAttribute('transform') !== g.attrs.transform) this.layer.setAttribute('transform', g.attrs.transform);
    patch(this.layer, g.items);
    if (this.spacerH !== height) {
      this.spacerH = height;
      this.spacer.style.height = height + 'px';
    }
    this.setTop(top);
    if (this.cb.onView) this.cb.onView(this.scale, top);
    mark(this.svg);
    this.stats.renders++;
    this.stats.lastMs = performance.now() - t0;
  }

  // draw builds the items of the window [win.a, win.b] (µs), shifted up by
  // offsetPx, into a fresh group.
  //
  // While rendering (live) it makes specs, not elements: render keeps the
  // elements already on screen whose spec has not changed, so a frame costs
  // the browser only what moved (a rebuilt layer was restyled, laid out and
  // repainted whole, every frame).
  draw(win, offsetPx, width, live = false) {
    const mk = this.mk = live ? spec : (tag, attrs) => s(tag, attrs);
    const grp = live ? (attrs) => new SpecGroup(attrs) : (attrs) => s('g', attrs);
    const g = grp({ class: 'st-layer', transform: `translate(0,${-offsetPx})` });
    const { x, step } = this.laneX();
    const ghostFrom = this.live; // seqs at or past this are the old future
    if (this.cone) this.cone.extend(this.evs, this.msgs, this.live);
    let items = 0;
    const full = () => items >= MAX_ITEMS;
    const y = (at) => this.y(at);
    // Stamps (a clock's reading at an event, engine.Stamped) are gathered
    // while the arrows and markers are drawn, and written after them.
    this.stampsAt = step >= STAMP_MIN_LANE ? [] : null;

    // Time grid: a line each "nice" interval.
    const pxPerMs = this.scale * 1000;
    const gridMs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000].find((ms) => ms * pxPerMs >= 60) || 60000;
    const grid = grp({ class: 'st-grid' });
    for (let t = Math.max(0, Math.floor(win.a / 1000 / gridMs) * gridMs); t * 1000 <= win.b; t += gridMs) {
      const yy = y(t * 1000);
      grid.append(mk('line', { x1: GUTTER - 6, x2: width, y1: yy, y2: yy }), mk('text', { x: 4, y: yy + 4, text: fmtTime(t * 1000) }));
      items += 2;
    }
    g.append(grid);

    // Lanes, by status.
    const lanes = grp({ class: 'st-lanes' });
    for (const id of this.order) {
      const segs = this.segments(id, Math.max(0, win.a), Math.min(win.b, this.end()));
      for (const [k, sg] of segs.entries()) {
        // By lane and stretch: the last stretch grows every frame, and is
        // lengthened in place.
        lanes.append(mk('line', { class: ['st-lane', 'st-' + sg.status, this.clients.has(id) && 'client', sg.ghost && 'ghost'], 'data-lane': id, x1: x.get(id), x2: x.get(id), y1: y(sg.a), y2: y(sg.b) }, id + '/' + k));
        items++;
      }
    }
    g.append(lanes);
    if (this.cone) {
      g.append(this.coneLanes(grp, x, win));
      items += this.order.length * 2;
    }

    // Cursor: now.
    const cy = y(this.now);
    g.append(mk('line', { class: 'st-cursor', x1: GUTTER - 6, x2: width, y1: cy, y2: cy }, 'cursor'),
      mk('text', { class: 'st-cursor-label', x: width - 6, y: cy - 4, 'text-anchor': 'end', text: `step ${this.step}` }, 'cursor'));
    if (this.diverge) {
      const dy = y(this.diverge.at);
      g.append(mk('line', { class: 'st-diverge', 'data-diverge': this.diverge.step, x1: GUTTER - 6, x2: width, y1: dy, y2: dy }, 'diverge'),
        mk('text', { class: 'st-diverge-label', x: GUTTER, y: dy - 4, text: `runs differ from here (step ${this.diverge.step})` }, 'diverge'));
    }

    // Messages.
    const arrows = grp({ class: 'st-arrows' });
    let hidden = 0;
    for (let b = 0; b < this.blocks.length; b++) {
      const blk = this.blocks[b];
      if (blk.minS > win.b || blk.maxE < win.a) continue;
      const end = Math.min(this.msgList.length, (b + 1) * BLOCK);
      for (let i = b * BLOCK; i < end; i++) {
        const m = this.msgList[i];
        if (m.sAt > win.b || m.eAt < win.a) continue;
        if (full()) { hidden++; continue; }
        items += this.arrow(arrows, m, x, step, ghostFrom);
      }
    }
    g.append(arrows);

    // Markers.
    const marks = grp({ class: 'st-marks' });
    const pts = this.points;
    let lo = 0, hi = pts.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (pts[mid].at < win.a) lo = mid + 1; else hi = mid; }
    for (let i = lo; i < pts.length && pts[i].at <= win.b; i++) {
      if (full()) { hidden++; continue; }
      items += this.marker(marks, pts[i], x, width, ghostFrom);
    }
    for (const v of this.violations) {
      if (v.at < win.a || v.at > win.b) continue;
      const xs = (v.nodes && v.nodes.length ? v.nodes : this.order).map((n) => x.get(n)).filter((v) => v !== undefined);
      if (!xs.length) continue;
      const vy = y(v.at);
      marks.append(mk('rect', { class: 'st-violation', 'data-step': v.step, 'data-invariant': v.invariant, x: Math.min(...xs) - 14, y: vy - 5, width: Math.max(...xs) - Math.min(...xs) + 28, height: 10, rx: 5 }));
      items++;
    }
    g.append(marks);
    if (this.stampsAt) {
      const stamps = grp({ class: 'st-stamps' });
      items += this.stamps(stamps, items);
      g.append(stamps);
    }
    this.stats.items = items;
    this.showNote(hidden ? `${hidden} more items in this stretch: zoom in to see every one.` : '');
    return g;
  }

  // coneLanes shades each lane's stretch before the cone's past ends there
  // and after its future starts, and rings the focus.
  coneLanes(grp, x, win) {
    const mk = this.mk;
    const g = grp({ class: 'st-cone' });
    const c = this.cone;
    const at = (seq) => (this.evs[seq] ? this.evs[seq].at : 0);
    for (const id of this.order) {
      const lx = x.get(id);
      const p = c.past && c.past.get(id);
      if (p !== undefined) g.append(mk('line', { class: 'st-cz-lane cz-past', x1: lx, x2: lx, y1: this.y(Math.max(0, win.a)), y2: this.y(Math.min(at(p), win.b)) }, 'czp' + id));
      const f = c.future.get(id);
      if (f !== undefined) g.append(mk('line', { class: 'st-cz-lane cz-future', x1: lx, x2: lx, y1: this.y(Math.max(at(f), win.a)), y2: this.y(Math.min(this.end(), win.b)) }, 'czf' + id));
    }
    const fx = x.get(c.focus.lane);
    if (fx !== undefined) g.append(mk('circle', { class: 'st-cz-focus', cx: fx, cy: this.y(at(c.focus.seq)), r: 8 }, 'czfocus'));
    return g;
  }

  // segments splits a lane into status stretches within [a, b].
  segments(id, a, b) {
    let status = 'up', from = 0, ghost = false;
    const out = [];
    const push = (to) => { if (to > a && from < b && to > from) out.push({ status, a: Math.max(a, from), b: Math.min(b, to), ghost }); };
    for (const c of this.laneChanges) {
      if (c.node !== id) continue;
      push(c.at);
      status = c.status; from = c.at; ghost = c.seq >= this.live;
    }
    push(b);
    return out;
  }

  arrow(g, m, x, laneStep, ghostFrom) {
    const mk = this.mk;
    const x1 = x.get(m.from), x2 = x.get(m.to);
    if (x1 === undefined || x2 === undefined) return 0;
    const y1 = this.y(m.sAt);
    const ghost = m.sSeq >= ghostFrom || (m.end && m.eSeq >= ghostFrom);
    const cls = ['st-msg', 'hue-' + hue(m.kind), m.dupOf && 'dup', ghost && 'ghost', this.czClass(m.from, sendSeq(m, this.msgs))];
    let x2e, y2e, step = m.sStep, tail = '';
    if (m.end === 'deliver' && m.eSeq < ghostFrom) {
      x2e = x2; y2e = this.y(m.eAt); step = m.eStep;
      this.addStamp(this.evs[m.eSeq], x2, y2e, x1 > x2);
    } else if (m.end === 'drop' && m.eSeq < ghostFrom) {
      const f = m.eAt > m.sAt ? 0.6 : 0.35;
      x2e = x1 + (x2 - x1) * f; y2e = Math.max(this.y(m.eAt), y1 + 8); step = m.eStep; tail = 'drop';
      cls.push('dropped');
    } else if (m.end && ghost) {
      x2e = m.end === 'deliver' ? x2 : x1 + (x2 - x1) * 0.6; y2e = this.y(m.eAt) + (m.end === 'drop' ? 8 : 0); step = m.eStep;
      if (m.end === 'drop') tail = 'drop';
    } else {
      // In flight: as far as it has travelled by now.
      const v = this.inflight.get(m.id);
      let f = 0.5;
      if (v && !v.held && v.dueAt > v.sentAt) f = Math.max(0.05, Math.min(1, (this.now - v.sentAt) / (v.dueAt - v.sentAt)));
      x2e = x1 + (x2 - x1) * f; y2e = Math.max(this.y(this.now), y1 + 4);
      cls.push('inflight');
      if (v && v.held) cls.push('held');
    }
    const a = { class: cls, 'data-msg': m.id, 'data-step': step, x1, y1, x2: x2e, y2: y2e };
    if (!tail && !cls.includes('inflight')) a['marker-end'] = 'url(#st-arrow)';
    // A message in flight grows every frame: it is kept by id and lengthened.
    const id = cls.includes('inflight') ? m.id : undefined;
    g.append(mk('line', a, id));
    g.append(mk('line', { class: 'st-hit', 'data-msg': m.id, 'data-step': step, x1, y1, x2: x2e, y2: y2e }, id === undefined ? undefined : 'hit' + id));
    let n = 2;
    if (tail === 'drop') {
      g.append(mk('path', { class: ['st-cross', ghost && 'ghost'], 'data-msg': m.id, 'data-step': step, d: `M${x2e - 5},${y2e - 5}L${x2e + 5},${y2e + 5}M${x2e - 5},${y2e + 5}L${x2e + 5},${y2e - 5}` }));
      n++;
    }
    if (m.dupOf) {
      g.append(mk('text', { class: 'st-dup', 'data-msg': m.id, 'data-step': step, x: (x1 + x2e) / 2, y: (y1 + y2e) / 2 - 3, 'text-anchor': 'middle', text: '×2' }));
      n++;
    }
    return n;
  }

  marker(g, e, x, width, ghostFrom) {
    const mk = this.mk;
    const ghost = e.seq >= ghostFrom;
    const base = { 'data-seq': e.seq, 'data-step': e.step, 'data-kind': e.kind };
    const cz = this.czClass(e.node, e.seq);
    const cls = (c) => ['st-mark', c, ghost && 'ghost', cz];
    if (e.kind === 'command') {
      const yy = this.y(e.at);
      g.append(mk('line', { ...base, class: cls('st-command'), x1: GUTTER - 6, x2: width, y1: yy, y2: yy }));
      return 1;
    }
    const cx = x.get(e.node);
    if (cx === undefined) return 0;
    const cy = this.y(e.at);
    if (!ghost) this.addStamp(e, cx, cy, false);
    let el;
    switch (e.kind) {
      case 'timer': el = mk('line', { ...base, class: cls('st-timer'), x1: cx - 5, x2: cx + 5, y1: cy, y2: cy }); break;
      case 'crash': el = mk('path', { ...base, class: cls('st-crash'), d: `M${cx - 7},${cy - 7}L${cx + 7},${cy + 7}M${cx - 7},${cy + 7}L${cx + 7},${cy - 7}` }); break;
      case 'restart': case 'start': el = mk('path', { ...base, class: cls('st-restart'), d: `M${cx},${cy - 6}L${cx + 6},${cy + 4}L${cx - 6},${cy + 4}z` }); break;
      case 'pause': case 'resume': el = mk('rect', { ...base, class: cls('st-' + e.kind), x: cx - 5, y: cy - 5, width: 10, height: 10 }); break;
      case 'note': el = mk('path', { ...base, class: cls('st-note'), d: `M${cx},${cy - 6}L${cx + 6},${cy}L${cx},${cy + 6}L${cx - 6},${cy}z` }); break;
      case 'violation': el = mk('circle', { ...base, class: cls('st-violation-dot'), cx, cy, r: 6 }); break;
      case 'op': el = mk('circle', { ...base, class: cls('st-op'), cx, cy, r: 4 }); break;
      case 'request': el = mk('rect', { ...base, class: cls('st-request'), x: cx - 4, y: cy - 4, width: 8, height: 8 }); break;
      default: el = mk('circle', { ...base, class: cls('st-other'), cx, cy, r: 3 });
    }
    g.append(el);
    return 1;
  }

  // addStamp notes event e's stamp, to be written beside its point (cx,
  // cy): on the left when its arrow comes in from the right.
  addStamp(e, cx, cy, left) {
    if (this.stampsAt && e && e.stamp) this.stampsAt.push({ e, cx, cy, left });
  }

  // stamps writes the gathered stamps, lane by lane up the time axis,
  // leaving out one that would sit on the one written just after it on its
  // lane: of two events at one moment (a boot and a clock set by hand) the
  // later stamp is the clock's reading. Zoom in to see them all.
  stamps(g, items) {
    const mk = this.mk;
    const all = this.stampsAt.sort((a, b) => a.cx - b.cx || b.cy - a.cy || b.e.seq - a.e.seq);
    this.stampsAt = null;
    let n = 0, lane = NaN, last = Infinity;
    for (const p of all) {
      if (items + n >= MAX_ITEMS) break;
      if (p.cx !== lane) { lane = p.cx; last = Infinity; }
      if (last - p.cy < STAMP_GAP) continue;
      last = p.cy;
      const e = p.e;
      g.append(mk('text', {
        class: ['st-stamp', this.czClass(e.node, e.seq)], 'data-seq': e.seq, 'data-step': e.step,
        x: p.left ? p.cx - 7 : p.cx + 7, y: p.cy + 4, 'text-anchor': p.left ? 'end' : 'start', text: e.stamp,
      }, 'stamp' + e.seq));
      n++;
    }
    return n;
  }

  hover(e) {
    const el = e.target.closest('[data-msg],[data-seq]');
    if (!el) { this.tip.hidden = true; return; }
    let text;
    if (el.dataset.msg) {
      const m = this.msgs.get(Number(el.dataset.msg));
      if (!m) return;
      const end = m.end === 'deliver' ? `delivered at ${fmtTime(m.eAt)} (step ${m.eStep})` : m.end === 'drop' ? `lost at ${fmtTime(m.eAt)}${m.text ? ': ' + m.text : ''}` : 'in flight';
      text = `#${m.id} ${m.kind} ${m.from} → ${m.to}${m.dupOf ? ' (duplicate of #' + m.dupOf + ')' : ''}, sent at ${fmtTime(m.sAt)}, ${end}${m.text && m.end === 'deliver' ? ' — ' + m.text : ''}. Click to go to step ${el.dataset.step}.`;
      if (!current() || current().msg !== m.id) highlight({ msg: m.id, source: 'spacetime' });
    } else {
      const ev = this.evs[Number(el.dataset.seq)];
      if (!ev) return;
      text = `${fmtTime(ev.at)} · step ${ev.step}: ${describe(ev)}${ev.stamp ? ', stamped ' + ev.stamp : ''}. Click to go there.`;
      if (current() && current().source === 'spacetime') highlight(null);
    }
    this.tip.textContent = text;
    this.tip.hidden = false;
    const box = this.root.getBoundingClientRect();
    this.tip.style.left = Math.min(box.width - 260, Math.max(0, e.clientX - box.left + 12)) + 'px';
    this.tip.style.top = (e.clientY - box.top + 14) + 'px';
  }

  showNote(text) {
    if (this.note.textContent === text) return;
    this.note.textContent = text;
    this.note.hidden = !text;
  }

  // ---- export ----

  // exportSVG draws the whole run (or, when it is too long for one picture,
  // the part on screen) into a standalone SVG with the page's styles inlined.
  exportSVG() {
    const sc = this.scroller;
    const width = sc.clientWidth || 800;
    let win = { a: 0, b: this.end() };
    const whole = this.msgList.length + this.points.length <= MAX_ITEMS;
    if (!whole) win = { a: sc.scrollTop / this.scale, b: (sc.scrollTop + sc.clientHeight) / this.scale };
    const offset = whole ? 0 : this.y(win.a) - 16;
    const height = (whole ? this.y(win.b) + 30 : sc.clientHeight) + 30;
    const svg = s('svg', { xmlns: 'http://www.w3.org/2000/svg', width, height, viewBox: `0 -30 ${width} ${height}`, class: 'st-svg st-export' });
    svg.append(this.defs.cloneNode(true));
    const { x } = this.laneX();
    for (const id of this.order) svg.append(s('text', { class: 'st-lane-label', x: x.get(id), y: -12, 'text-anchor': 'middle', text: id }));
    svg.append(this.draw(win, offset, width));
    // Inline the computed styles, so the file looks the same anywhere.
    const holder = h('div', { class: 'st-export-holder', 'aria-hidden': 'true' });
    holder.append(svg);
    this.root.append(holder);
    const props = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity', 'font-size', 'font-family', 'font-weight'];
    for (const el of svg.querySelectorAll('*')) {
      const cs = getComputedStyle(el);
      el.setAttribute('style', props.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';'));
      el.removeAttribute('class');
    }
    const bg = getComputedStyle(this.root).getPropertyValue('--panel') || '#fff';
    svg.insertBefore(s('rect', { x: 0, y: -30, width, height, style: `fill:${bg.trim() || '#fff'}` }), svg.firstChild.nextSibling);
    holder.remove();
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg);
  }
}
