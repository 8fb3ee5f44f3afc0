// clusterscope pattern page: connects to the server's session for this page,
// keeps the state the frames describe, and draws it.
import { $, fmtTime, reducedMotion, wsURL, backoff, setData, setText } from './dom.js';
import { ClusterView } from './cluster.js';
import { NodePanels } from './panels.js';
import { EventLog, Invariants, Announcer } from './events.js';
import { Controls } from './controls.js';
import { attachViews } from './views.js';
import { attachPlayer } from './player.js';
import { attachCounters } from './counters.js';
import { once, loadOnClick } from './lazy.js';

// runQuery is the query that reproduces a run at its step (the server's
// /ws parameters): the page keeps it in its URL, and share links and copies
// of a room's run use it too.
export function runQuery(st) {
  const q = new URLSearchParams();
  q.set('seed', String(st.config.seed));
  q.set('nodes', String(st.config.nodes));
  if (st.config.variants && st.config.variants.length) q.set('variants', st.config.variants.join(','));
  if (st.config.setup) q.set('setup', st.config.setup);
  q.set('step', String(st.step));
  if (st.log) q.set('log', st.log);
  return q;
}

const PLAY_RATE = 0.1; // virtual time per real time at speed 1 (as the server plays)
const RUN_KEYS = ['seed', 'nodes', 'variants', 'setup', 'step', 'log']; // runQuery's keys

class App {
  constructor(root) {
    this.root = root;
    this.patternID = root.dataset.pattern;
    this.state = this.emptyState();
    this.cluster = new ClusterView($('[data-view="cluster"] svg', root), {
      node: (id, e) => this.controls.nodeMenu(id, e),
      message: (id, e) => this.controls.messageMenu(id, e),
      background: () => { this.select(null); this.controls.closeMenu(); },
    });
    this.panels = new NodePanels($('[data-view="nodes"]', root), (id, e) => this.controls.nodeMenu(id, e));
    this.events = new EventLog($('[data-view="events"]', root), (step) => this.send({ type: 'seek', step }));
    this.invariants = new Invariants($('[data-view="invariants"]', root), (step) => this.send({ type: 'seek', step }));
    this.views = attachViews(this); // views.js: space-time, timeline and branches, history, exports
    this.player = attachPlayer(this); // player.js: the scenario player beside the cluster
    // search.js (find me a failure) and compare.js (a twin run side by
    // side) load on first use: their button, or a twin run in a frame.
    loadOnClick($('[data-action="find-failure"]', root), once(() => import('./search.js').then((m) => m.attachSearch(root, this))));
    const loadCompare = once(() => import('./compare.js').then((m) => { this.twin = m.attachCompare(root, this); this.draw(null); }));
    loadOnClick($('[data-action="compare"]', root), loadCompare);
    this.compare = { draw: (st) => (this.twin ? this.twin.draw(st) : st.compare && loadCompare()) };
    this.counters = attachCounters(root); // counters.js: messages and bytes sent
    this.announcer = new Announcer($('[data-view="announce"]'));
    this.controls = new Controls(root, this);
    this.stepEl = $('[data-step]', root);
    this.timeEl = $('[data-time]', root);
    this.statusEl = $('[data-view="status"]', root);
    this.retry = 0;
    this.anim = null;
    this.connect();
  }

  emptyState() {
    return {
      session: null, pattern: null, config: null, step: 0, time: 0,
      nodes: new Map(), order: [], msgs: new Map(), cut: [], conns: [], net: null,
      violations: [], ops: new Map(), manual: false, variants: {}, params: {}, compare: null, differ: new Set(), traffic: null,
      play: { playing: false, speed: 1 }, log: '', future: 0, skewedClocks: {},
      selected: null, selectedMsg: null, frameAt: 0, prevTime: 0,
    };
  }

  // ---- connection ----

  storeKey() { return 'clusterscope-session:' + this.patternID; }

  ownsRun() { return this.root.dataset.keepUrl !== 'false'; }

  // emit tells other modules (room.js, embed.js) about a frame, after it is
  // applied to the state.
  emit(f) { document.dispatchEvent(new CustomEvent('clusterscope:frame', { detail: f })); }

  connect() {
    const page = new URLSearchParams(location.search);
    const q = new URLSearchParams({ pattern: this.patternID });
    for (const k of RUN_KEYS) if (page.has(k)) q.set(k, page.get(k));
    // A reload of the same URL (or a reconnect) goes back to the same run;
    // a run presented to a room also needs the presenter's secret (room.js).
    // A follower's or an embed's page (data-keep-url="false") keeps no run.
    try {
      const saved = this.ownsRun() && JSON.parse(sessionStorage.getItem(this.storeKey()) || 'null');
      if (saved && (saved.search === location.search || this.state.session === saved.id)) q.set('session', saved.id);
      const room = q.has('session') && JSON.parse(sessionStorage.getItem('clusterscope-room:' + this.patternID) || 'null');
      if (room && room.key) q.set('key', room.key);
    } catch { /* storage may be unavailable */ }
    const ws = new WebSocket(wsURL(this.root.dataset.ws || '/ws', q));
    this.ws = ws;
    ws.onopen = () => { this.retry = 0; this.root.dataset.connected = 'true'; };
    ws.onmessage = (e) => this.onFrame(JSON.parse(e.data));
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.root.dataset.connected = 'false';
      if (e.code === 4001) { // another tab took this run: carry on with a copy
        sessionStorage.removeItem(this.storeKey());
        this.state.session = null;
        this.status('This run was opened in another tab; this tab continues with its own copy.');
        setTimeout(() => this.connect(), 300);
        return;
      }
      if (e.code === 1008 || e.code === 1011 || e.code === 1009 && this.retry > 3) {
        this.status((e.reason || 'The connection was closed.') + ' Reload the page to start again.', true);
        return;
      }
      const wait = backoff(this.retry++);
      this.status(`Connection lost; reconnecting in ${(wait / 1000).toFixed(1)} s…`);
      setTimeout(() => this.connect(), wait);
    };
  }

  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      this.status('Not connected yet.', true);
      return;
    }
    this.ws.send(JSON.stringify(msg));
  }

  cmd(c) { this.send({ type: 'cmd', cmd: c }); }

  status(text, isError) {
    this.statusEl.textContent = text;
    this.statusEl.title = text || '';
    this.statusEl.classList.toggle('error', !!isError);
    clearTimeout(this.statusTimer);
    if (text) this.statusTimer = setTimeout(() => { this.statusEl.textContent = ''; }, isError ? 8000 : 4000);
    if (isError) this.announcer.say(text);
  }

  select(id) {
    this.state.selected = id;
    if (id === null) this.state.selectedMsg = null;
    this.draw(null);
  }

  // ---- frames ----

  onFrame(f) {
    const st = this.state;
    if (f.type === 'room' || f.type === 'ended' || f.type === 'search') return this.emit(f); // room.js, search.js
    if (f.type === 'error') {
      this.status(f.error, true);
      if (f.code === 'no-session') sessionStorage.removeItem(this.storeKey());
      return this.emit(f);
    }
    st.prevTime = this.vnow();
    let changed = new Set();
    if (f.type === 'snapshot') {
      const fresh = st.session !== f.session;
      const selected = st.selected;
      Object.assign(st, this.emptyState());
      st.selected = selected;
      st.session = f.session;
      st.exportKey = f.exportKey || '';
      st.pattern = f.pattern;
      st.config = f.config;
      st.order = f.nodes.map((n) => n.id);
      if (!st.order.includes(selected)) st.selected = null;
      this.events.reset();
      this.panels.reset();
      changed = null;
      if (fresh) this.status('');
    }
    st.step = f.step;
    st.time = f.time;
    st.frameAt = performance.now();
    for (const n of f.nodes || []) st.nodes.set(n.id, n);
    // A changed node comes with its small parts whole and only the widgets
    // that changed, by position.
    for (const d of f.changed || []) {
      const old = st.nodes.get(d.id) || { widgets: [] };
      const widgets = (old.widgets || []).slice(0, d.nw);
      for (const p of d.w || []) widgets[p.i] = p.w;
      const { w, nw, ...head } = d;
      st.nodes.set(d.id, { ...head, widgets });
      if (changed) changed.add(d.id);
    }
    // Skewed clocks' readings come in f.clocks when they change (dom.js nodeClock).
    if (f.clocks || f.type === 'snapshot') st.skewedClocks = f.clocks || {};
    for (const m of f.msgs || []) st.msgs.set(m.id, m);
    for (const id of f.gone || []) st.msgs.delete(id);
    if (st.selectedMsg !== null && !st.msgs.has(st.selectedMsg)) st.selectedMsg = null;
    if (f.cut) st.cut = f.cut;
    if (f.net) st.net = f.net;
    if (f.conns) st.conns = f.conns;
    if (f.violations) st.violations = st.violations.concat(f.violations);
    for (const op of f.ops || []) st.ops.set(op.id, op);
    if (f.manual !== undefined) st.manual = f.manual;
    if (f.variants) st.variants = f.variants;
    if (f.params) st.params = f.params;
    if (f.compare) {
      // The compared run's counters come only with the run's (web/frames.go).
      const traffic = st.compare && st.compare.traffic;
      st.compare = f.compare.off ? null : f.compare;
      if (st.compare && !st.compare.traffic) st.compare.traffic = traffic;
      st.differ = new Set(st.compare ? st.compare.differ : []);
    }
    if (f.traffic) st.traffic = f.traffic;
    if (f.play) st.play = f.play;
    if (f.log !== undefined) st.log = f.log;
    if (f.future !== undefined) st.future = f.future;
    this.events.add(f.earlier);
    this.events.add(f.events);
    this.views.frame(f);
    this.player.frame(f);
    if (f.type === 'delta') this.announcer.events(f.events);
    if (f.violations && f.violations.length && f.type === 'delta') {
      this.status('Invariant broken: ' + f.violations.map((v) => `${v.invariant}: ${v.text}`).join(' '), true);
    }
    if (f.type === 'snapshot') this.controls.setup(st);
    if (f.variants) this.controls.syncVariants(st);
    if (f.params) this.controls.syncParams(st);
    this.draw(changed);
    if (this.ownsRun()) this.rememberURL(f.type === 'snapshot');
    this.emit(f);
  }

  // vnow is the virtual time to draw: between frames, while playing or
  // easing after a step, it moves on smoothly.
  vnow() {
    const st = this.state;
    if (reducedMotion()) return st.time;
    const dt = performance.now() - st.frameAt;
    if (st.play.playing) return st.time + Math.min(dt, 120) * 1000 * PLAY_RATE * st.play.speed;
    const ease = Math.min(1, dt / 250);
    return st.prevTime < st.time ? st.prevTime + (st.time - st.prevTime) * ease : st.time;
  }

  draw(changed) {
    const st = this.state;
    if (!st.pattern) return;
    this.cluster.render(st, this.vnow());
    this.compare.draw(st);
    this.counters.draw(st);
    this.panels.render(st, changed);
    this.invariants.render(st);
    this.views.draw(st);
    this.controls.render(st);
    this.stepEl.dataset.step = String(st.step);
    setText(this.stepEl, `step ${st.step}`);
    this.timeEl.dataset.time = String(st.time);
    setText(this.timeEl, `t = ${fmtTime(st.time)}${st.future ? ` · ${st.future} undone command(s) ahead` : ''}`);
    setData(this.root, 'playing', String(st.play.playing));
    this.animate();
  }

  animate() {
    if (this.anim !== null || reducedMotion()) return;
    const loop = () => {
      const st = this.state;
      this.cluster.tick(st, this.vnow());
      const easing = performance.now() - st.frameAt < 300;
      this.anim = st.play.playing || easing ? requestAnimationFrame(loop) : null;
    };
    this.anim = requestAnimationFrame(loop);
  }

  // ---- the URL is the run: pattern (path), seed, nodes, variants, step, log ----

  rememberURL(now) {
    const write = () => {
      const q = runQuery(this.state);
      const story = this.player.urlName(); // a story being followed is its own link
      const search = '?' + (story ? new URLSearchParams({ scenario: story }) : q).toString();
      if (search !== location.search) history.replaceState(null, '', location.pathname + search + location.hash);
      try {
        sessionStorage.setItem(this.storeKey(), JSON.stringify({ id: this.state.session, search: location.search }));
      } catch { /* ignore */ }
    };
    // Browsers throttle replaceState; while playing, write at most twice a second.
    if (now || !this.state.play.playing) {
      clearTimeout(this.urlTimer);
      this.urlTimer = null;
      write();
    } else if (!this.urlTimer) {
      this.urlTimer = setTimeout(() => { this.urlTimer = null; write(); }, 500);
    }
  }
}

const root = document.getElementById('app');
if (root) window.clusterscope = new App(root);
