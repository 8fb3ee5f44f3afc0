// The timeline scrubber and the branch tree.
//
// API:
//   const tl = create(container, { seek(step), branch(id), compareBranch(id) })
//   tl.update(state)   state.step, state.branches ({current, list}), state.log,
//                      state.violations
//
// The scrubber runs from step 0 to the furthest step the current branch
// reached; dragging it asks the server to replay to that step (a few
// seeks a second while dragging, the exact one on release). Steps past the
// cursor are the "old future": stepping forward replays it unchanged, acting
// starts a new branch and the tree below keeps the old one.
import { h, setText } from './dom.js';

const SEEK_EVERY_MS = 120; // while dragging; the server rate-limits messages

export function create(container, callbacks) {
  return new Timeline(container, callbacks);
}

// decodeLog reads the command log as the URL carries it (web/share): base64url
// of the JSON list, raw-deflated when that was shorter (a leading "z").
export async function decodeLog(s) {
  if (!s) return [];
  try {
    const z = s.startsWith('z');
    const b64 = (z ? s.slice(1) : s).replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - b64.length % 4) % 4));
    let bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    if (z) bytes = new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'))).arrayBuffer());
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return [];
  }
}

class Timeline {
  constructor(root, cb) {
    this.root = root;
    this.cb = cb;
    this.reach = 0;
    this.step = 0;
    this.dragging = false;
    this.lastSeek = 0;
    const btn = (act, text, title) => h('button', { type: 'button', 'data-tl': act, title, 'aria-label': title, text });
    this.range = h('input', { type: 'range', min: 0, max: 0, value: 0, step: 1, 'data-action': 'scrub', 'aria-label': 'Step of the run' });
    this.label = h('output', { class: 'tl-label', text: 'step 0 of 0' });
    this.ticks = h('div', { class: 'tl-ticks', 'aria-hidden': 'true' });
    this.ghost = h('div', { class: 'tl-ghost', 'aria-hidden': 'true' });
    this.track = h('div', { class: 'tl-track' }, this.ghost, this.ticks, this.range);
    this.tree = h('ol', { class: 'tl-branches', 'aria-label': 'Branches of this run' });
    root.append(
      h('div', { class: 'tl-bar' },
        btn('start', '«', 'Go to step 0'), btn('back', '◀', 'One step back'),
        this.track,
        btn('fwd', '▶', 'One step forward'), btn('end', '»', 'Go to the furthest step of this branch'),
        this.label),
      h('div', { class: 'tl-tree' }, h('h3', { text: 'Branches' }), this.tree));
    root.addEventListener('click', (e) => {
      const b = e.target.closest('[data-tl]');
      if (b) {
        const to = { start: 0, back: this.step - 1, fwd: this.step + 1, end: this.reach }[b.dataset.tl];
        if (to >= 0 && to !== this.step) this.cb.seek(to);
        return;
      }
      const cmp = e.target.closest('[data-action="compare-branch"]');
      if (cmp) {
        if (this.cb.compareBranch) this.cb.compareBranch(Number(cmp.dataset.compareBranch));
        return;
      }
      const fork = e.target.closest('[data-fork]');
      if (fork) {
        const br = fork.closest('[data-branch]');
        if (br && !br.classList.contains('current')) this.cb.branch(Number(br.dataset.branch), Number(fork.dataset.fork));
        else this.cb.seek(Number(fork.dataset.fork));
        return;
      }
      const br = e.target.closest('[data-branch]');
      if (br && !br.classList.contains('current')) this.cb.branch(Number(br.dataset.branch));
    });
    root.addEventListener('keydown', (e) => {
      const br = e.key === 'Enter' && e.target.closest('[data-branch]');
      if (br && !br.classList.contains('current')) this.cb.branch(Number(br.dataset.branch));
    });
    this.range.addEventListener('input', () => {
      this.dragging = true;
      const n = Number(this.range.value);
      this.label.textContent = `step ${n} of ${this.reach}`;
      const now = performance.now();
      if (now - this.lastSeek >= SEEK_EVERY_MS) {
        this.lastSeek = now;
        this.cb.seek(n);
      } else {
        clearTimeout(this.trail);
        this.trail = setTimeout(() => { this.lastSeek = performance.now(); this.cb.seek(Number(this.range.value)); }, SEEK_EVERY_MS);
      }
    });
    this.range.addEventListener('change', () => {
      clearTimeout(this.trail);
      this.dragging = false;
      const n = Number(this.range.value);
      if (n !== this.step) this.cb.seek(n);
    });
  }

  update(st) {
    this.step = st.step;
    const br = st.branches;
    const cur = br && br.list.find((b) => b.id === br.current);
    // A branch list fresh from the server sets the reach; between lists (the
    // server sends one only when the tree changes) it grows with the steps.
    const fresh = br !== this.lastBranches;
    this.lastBranches = br;
    this.reach = Math.max(st.step, cur ? cur.reach : 0, fresh ? 0 : this.reach);
    const max = Math.max(1, this.reach);
    this.range.max = String(max);
    if (!this.dragging) this.range.value = String(st.step);
    this.range.setAttribute('aria-valuetext', `step ${st.step} of ${this.reach}`);
    this.root.dataset.step = String(st.step);
    this.root.dataset.reach = String(this.reach);
    if (!this.dragging) setText(this.label, `step ${st.step} of ${this.reach}`);
    const pct = (n) => (100 * n / max).toFixed(3) + '%';
    this.ghost.style.left = pct(st.step);
    this.ghost.style.width = pct(this.reach - st.step);
    this.ghost.title = this.reach > st.step ? `steps ${st.step + 1}–${this.reach}: the old future (step forward to replay it; act to branch)` : '';
    // Ticks: commands of the log, violations, branch points.
    const diverged = st.compare ? st.compare.diverged : -1;
    const key = [st.log, st.violations.length, max, br ? JSON.stringify(br) : '', diverged].join('|');
    if (key !== this.tickKey) {
      this.tickKey = key;
      const ticks = [];
      // The log's ticks join when it is decoded (inflating is asynchronous).
      decodeLog(st.log).then((cmds) => {
        if (this.tickKey !== key) return;
        this.ticks.append(...cmds.map((c) => h('span', { class: 'tl-tick cmd', style: `left:${pct(c.step)}`, title: `step ${c.step}: ${c.kind}${c.node ? ' ' + c.node : ''}` })));
      });
      for (const v of st.violations) ticks.push(h('span', { class: 'tl-tick bad', style: `left:${pct(v.step)}`, title: `step ${v.step}: ${v.invariant} broke` }));
      if (diverged >= 0) ticks.push(h('span', { class: 'tl-tick diverge', style: `left:${pct(diverged)}`, title: `step ${diverged}: the compared run first differs here` }));
      if (br) for (const b of br.list) if (b.parent >= 0 && (b.id === br.current || b.parent === br.current)) ticks.push(h('span', { class: 'tl-tick fork', style: `left:${pct(b.fork)}`, title: `branch ${b.id} starts at step ${b.fork}` }));
      this.ticks.replaceChildren(...ticks);
      this.drawTree(br);
    }
  }

  drawTree(br) {
    const list = br ? br.list : [];
    this.root.classList.toggle('has-branches', list.length > 1);
    if (list.length <= 1) {
      this.tree.replaceChildren(h('li', { class: 'tl-none', text: 'One branch so far. Go back and act (crash a node, send a request…) to start another; this run is kept.' }));
      return;
    }
    const byParent = new Map();
    for (const b of list) {
      if (!byParent.has(b.parent)) byParent.set(b.parent, []);
      byParent.get(b.parent).push(b);
    }
    const ids = new Set(list.map((b) => b.id));
    const rows = [];
    const walk = (b, depth) => {
      const current = b.id === br.current;
      rows.push(h('li', { class: ['tl-branch', current && 'current'], style: `--depth:${depth}`, 'data-branch': b.id, tabindex: 0, role: 'button',
        'aria-current': current ? 'true' : undefined, title: current ? 'You are on this branch' : 'Switch to this branch' },
      h('span', { class: 'dot', 'aria-hidden': 'true' }),
      h('b', { text: b.parent < 0 ? 'first run' : `branch ${b.id}` }),
      b.parent >= 0 ? h('span', { class: 'what', text: ` ${b.label}` }) : '',
      h('span', { class: 'span', text: ` · to step ${current ? this.reach : b.reach} · ${b.commands} command(s)` }),
      b.parent >= 0 ? h('button', { type: 'button', class: 'link', 'data-fork': b.fork, title: 'Go to the step where it diverged', text: `diverged at ${b.fork}` }) : '',
      current ? '' : h('button', { type: 'button', class: 'link', 'data-action': 'compare-branch', 'data-compare-branch': b.id, title: 'Show this branch side by side with the run, one step cursor for both', text: 'compare' })));
      for (const c of byParent.get(b.id) || []) walk(c, depth + 1);
    };
    for (const b of list) if (b.parent < 0 || !ids.has(b.parent)) walk(b, 0);
    this.tree.replaceChildren(...rows);
  }
}
