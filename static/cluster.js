// The cluster diagram: servers laid out (below), clients beside them,
// links, cut links, partition groups, messages moving by their virtual send
// and due times, arrows (votes, leases) and timer rings.
//
// Layouts, chosen from the servers and their roles (roles.js):
//   ring   up to 16 servers on a circle, every link drawn;
//   tiers  servers with structural roles in tiers: a coordinator above its
//          participants, a consistent core beside its data nodes;
//   large  more than 16 servers: small nodes in a grid per role group, no
//          link lines (a partition colours the nodes by side), names only
//          for the nodes in focus; messages still move.
import { s, msgHue, slug, nodeClock, skewWords, spec, patch, setText } from './dom.js';
import { tickWidgets } from './widgets.js';
import { groups, isLarge, focus, LARGE } from './roles.js';

const R_NODE = 44;
const R_SMALL = 11;   // a node in the large layout
const GAP_SMALL = 34; // grid pitch in the large layout

export class ClusterView {
  constructor(svg, handlers) {
    this.svg = svg;
    this.on = handlers; // {node(id, event), message(id, event), background()}
    this.layers = {};
    for (const name of ['groups', 'labels', 'links', 'arrows', 'msgs', 'nodes']) {
      this.layers[name] = s('g', { class: 'layer-' + name });
    }
    const defs = s('defs', {},
      s('marker', { id: 'arrowhead', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' })),
      s('marker', { id: 'cuthead', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'cuthead' })));
    svg.append(defs, this.layers.groups, this.layers.labels, this.layers.links, this.layers.arrows, this.layers.msgs, this.layers.nodes);
    svg.addEventListener('click', (e) => { if (e.target === svg) this.on.background(); });
    this.pos = new Map();
    this.layoutKey = '';
    this.timerSeen = new Map(); // "node/name/due" -> virtual time first seen, for countdown rings
    this.mode = 'ring';
    this.r = R_NODE;
  }

  layout(st) {
    const gs = groups(st);
    const clients = st.order.filter((id) => st.nodes.get(id).client);
    const large = isLarge(st);
    const mode = large ? 'large' : gs.length > 1 ? 'tiers' : 'ring';
    const key = mode + '|' + gs.map((g) => g.role + ':' + g.ids.join(',')).join(';') + '|' + clients.join(',');
    if (key === this.layoutKey) return;
    this.layoutKey = key;
    this.mode = mode;
    this.r = large ? R_SMALL : R_NODE;
    this.svg.dataset.layout = mode;
    this.pos.clear();
    const labels = [];
    if (mode === 'ring') this.ring(gs.length ? gs[0].ids : []);
    else if (mode === 'tiers') this.tiers(gs, labels);
    else this.grid(gs, labels);
    // Clients in a column to the right of the servers.
    const sx = [...this.pos.values()].map((p) => p.x), sy = [...this.pos.values()].map((p) => p.y);
    const right = sx.length ? Math.max(...sx) : 0;
    const mid = sy.length ? (Math.min(...sy) + Math.max(...sy)) / 2 : 0;
    const pitch = large ? 60 : 130;
    clients.forEach((id, i) => {
      const span = Math.min(large ? 600 : 360, pitch * (clients.length - 1));
      const y = clients.length === 1 ? mid : mid - span / 2 + (span * i) / (clients.length - 1);
      this.pos.set(id, { x: right + (large ? 110 : 160), y });
    });
    // Fit the drawing to the nodes, with room for badges, crowns and clocks.
    const xs = [...this.pos.values()].map((p) => p.x), ys = [...this.pos.values()].map((p) => p.y);
    const mx = large ? 40 : 110;
    // Role labels stand left of their group: room for them too (an
    // upper-case letter is about 12 units wide at their size; "follower"
    // was clipped at 10).
    const labelLeft = Math.min(Infinity, ...labels.map((l) => l.x - (l.anchor === 'end' ? 1 : 0.5) * 12 * l.text.length));
    const x0 = Math.min(Math.min(...xs) - mx, labelLeft - 10), x1 = Math.max(...xs) + mx, y0 = Math.min(...ys) - (large ? 60 : 95), y1 = Math.max(...ys) + (large ? 40 : 90);
    this.svg.setAttribute('viewBox', `${x0} ${y0} ${x1 - x0} ${y1 - y0}`);
    this.layers.labels.replaceChildren(...labels.map((l) => s('text', { class: 'group-label', x: l.x, y: l.y, 'text-anchor': l.anchor || 'middle', text: l.text })));
    this.layers.nodes.replaceChildren();
    this.layers.msgs.replaceChildren();
    this.box = null;
    this.nodeEls = new Map();
    this.msgEls = new Map();
  }

  // ring: servers on a circle big enough for them, centred on 0,0.
  ring(ids) {
    const n = ids.length;
    const r = n <= 2 ? 150 : Math.max(200, (n * (2 * R_NODE + 36)) / (2 * Math.PI));
    ids.forEach((id, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
      this.pos.set(id, { x: r * Math.cos(a), y: r * Math.sin(a) });
    });
  }

  // tiers: one row per role group, top to bottom (a coordinator above its
  // participants), rows wrapped at 8; when one group is a consistent core,
  // it stands in a column left of the others instead.
  tiers(gs, labels) {
    const pitch = 2 * R_NODE + 44, rowGap = 2 * R_NODE + 80, perRow = 8;
    const core = gs.find((g) => g.role === 'core');
    if (core) {
      core.ids.forEach((id, i) => this.pos.set(id, { x: 0, y: (i - (core.ids.length - 1) / 2) * (pitch + 10) }));
      labels.push({ x: 0, y: -((core.ids.length - 1) / 2) * (pitch + 10) - R_NODE - 40, text: core.role });
      const rest = gs.filter((g) => g !== core);
      let x = 2 * pitch + 40;
      for (const g of rest) {
        const cols = Math.ceil(g.ids.length / 4);
        const rows = Math.min(4, g.ids.length);
        g.ids.forEach((id, i) => this.pos.set(id, { x: x + Math.floor(i / 4) * pitch, y: ((i % 4) - (rows - 1) / 2) * rowGap * 0.8 }));
        labels.push({ x: x + ((cols - 1) * pitch) / 2, y: -((rows - 1) / 2) * rowGap * 0.8 - R_NODE - 40, text: g.role || 'other' });
        x += cols * pitch + 80;
      }
      return;
    }
    let y = 0;
    for (const g of gs) {
      for (let start = 0; start < g.ids.length; start += perRow) {
        const row = g.ids.slice(start, start + perRow);
        row.forEach((id, i) => this.pos.set(id, { x: (i - (row.length - 1) / 2) * pitch, y }));
        if (start === 0) labels.push({ x: -((row.length - 1) / 2) * pitch - R_NODE - 14, y: y + 5, anchor: 'end', text: g.role || 'other' });
        y += rowGap;
      }
    }
  }

  // grid: the large layout. Each role group is a block of small nodes,
  // blocks one under the other, labelled with the role and its count.
  grid(gs, labels) {
    const total = gs.reduce((a, g) => a + g.ids.length, 0);
    const cols = Math.max(8, Math.ceil(Math.sqrt(total * 1.6)));
    let y = 0;
    for (const g of gs) {
      // A small group (a core among many data nodes) is named node by
      // node (focus in roles.js): wider apart, so the names fit.
      const pitch = g.ids.length <= 12 ? 3 * GAP_SMALL : GAP_SMALL;
      const c = Math.min(cols, g.ids.length);
      g.ids.forEach((id, i) => this.pos.set(id, { x: ((i % cols) - (c - 1) / 2) * pitch, y: y + Math.floor(i / cols) * pitch }));
      if (gs.length > 1 || g.role) labels.push({ x: -((c - 1) / 2) * pitch - R_SMALL - 8, y: y + 4, anchor: 'end', text: `${g.role || 'other'} ×${g.ids.length}` });
      y += Math.ceil(g.ids.length / cols) * pitch + 40;
    }
  }

  // render draws the state at virtual time vt (µs).
  render(st, vt) {
    this.layout(st);
    this.renderGroups(st);
    this.renderLinks(st);
    this.renderArrows(st);
    this.renderNodes(st, vt);
    this.renderMessages(st, vt);
  }

  servers(st) {
    return st.order.filter((id) => !st.nodes.get(id).client);
  }

  cutSet(st) {
    const cut = new Set();
    for (const l of st.cut) cut.add(l.from + '>' + l.to);
    return cut;
  }

  // Partition groups: servers joined by links that are up both ways.
  renderGroups(st) {
    const g = this.layers.groups;
    g.replaceChildren();
    if (!st.cut.length) return;
    const ids = this.servers(st);
    const cut = this.cutSet(st);
    const group = new Map();
    let n = 0;
    for (const id of ids) {
      if (group.has(id)) continue;
      const stack = [id];
      group.set(id, n);
      while (stack.length) {
        const a = stack.pop();
        for (const b of ids) {
          if (!group.has(b) && !cut.has(a + '>' + b) && !cut.has(b + '>' + a)) {
            group.set(b, n);
            stack.push(b);
          }
        }
      }
      n++;
    }
    if (n < 2) return;
    if (this.mode === 'large') {
      // No blobs joined by lines: a ring in the side's colour per node.
      for (let k = 0; k < n; k++) {
        const blob = s('g', { class: 'pgroup side pgroup-' + (k % 4) });
        for (const id of ids) {
          if (group.get(id) !== k) continue;
          const p = this.pos.get(id);
          blob.append(s('circle', { cx: p.x, cy: p.y, r: this.r + 7 }));
        }
        g.append(blob);
      }
      return;
    }
    for (let k = 0; k < n; k++) {
      const members = ids.filter((id) => group.get(id) === k);
      const blob = s('g', { class: 'pgroup pgroup-' + (k % 4) });
      for (const a of members) {
        const p = this.pos.get(a);
        blob.append(s('circle', { cx: p.x, cy: p.y, r: this.r + 22 }));
        for (const b of members) {
          if (a < b) {
            const q = this.pos.get(b);
            blob.append(s('line', { x1: p.x, y1: p.y, x2: q.x, y2: q.y, 'stroke-width': 2 * (this.r + 22) }));
          }
        }
      }
      g.append(blob);
    }
  }

  // renderLinks and renderArrows run every frame and patch their layer:
  // lines that did not change are left alone (rebuilt, the browser restyled
  // and repainted them all).
  renderLinks(st) {
    const out = [];
    const g = { append: (...xs) => out.push(...xs) };
    this.drawLinks(st, g);
    patch(this.layers.links, out);
  }

  drawLinks(st, g) {
    if (this.mode === 'large') return; // n² lines would hide everything
    const cut = this.cutSet(st);
    const ids = st.order;
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const a = ids[i], b = ids[j];
        const ab = cut.has(a + '>' + b), ba = cut.has(b + '>' + a);
        const clientPair = st.nodes.get(a).client || st.nodes.get(b).client;
        if (st.nodes.get(a).client && st.nodes.get(b).client) continue;
        if (clientPair && !ab && !ba) continue; // clients talk to anyone: no permanent line
        const p = this.pos.get(a), q = this.pos.get(b);
        const cls = ab && ba ? 'link cut' : ab || ba ? 'link cut oneway' : 'link';
        g.append(spec('line', { class: cls, x1: p.x, y1: p.y, x2: q.x, y2: q.y, 'data-link': a + '-' + b }));
        if (ab !== ba) {
          // Show which direction is cut: an arrow on the dead half.
          const [from, to] = ab ? [p, q] : [q, p];
          const m = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
          const f = { x: from.x + (m.x - from.x) * 0.45, y: from.y + (m.y - from.y) * 0.45 };
          g.append(spec('line', { class: 'cutdir', x1: f.x, y1: f.y, x2: m.x, y2: m.y, 'marker-end': 'url(#cuthead)' }));
          g.append(spec('text', { class: 'cutmark', x: m.x, y: m.y - 8, 'text-anchor': 'middle', text: '✕' }));
        }
      }
    }
  }

  renderArrows(st) {
    const out = [];
    const g = { append: (...xs) => out.push(...xs) };
    this.drawArrows(st, g);
    patch(this.layers.arrows, out);
  }

  drawArrows(st, g) {
    // Arrows between the same pair (a vote and a leader pointer) are drawn
    // as one, with their labels joined, to keep a busy cluster readable.
    const pairs = new Map();
    for (const id of st.order) {
      for (const a of st.nodes.get(id).arrows || []) {
        if (!this.pos.has(a.to) || id === a.to) continue;
        const key = id + '>' + a.to;
        if (!pairs.has(key)) pairs.set(key, { from: id, to: a.to, kinds: [], labels: [] });
        const pr = pairs.get(key);
        pr.kinds.push(slug(a.kind || 'plain'));
        if (a.label) pr.labels.push(a.label);
      }
    }
    for (const pr of pairs.values()) {
      const p = this.pos.get(pr.from), q = this.pos.get(pr.to);
      const dx = q.x - p.x, dy = q.y - p.y, len = Math.hypot(dx, dy);
      const ux = dx / len, uy = dy / len;
      const start = { x: p.x + ux * (this.r + 4), y: p.y + uy * (this.r + 4) };
      const end = { x: q.x - ux * (this.r + 6), y: q.y - uy * (this.r + 6) };
      // Bend to the left of travel so a → b and b → a do not overlap.
      const c = { x: (start.x + end.x) / 2 - uy * 30, y: (start.y + end.y) / 2 + ux * 30 };
      g.append(spec('path', { class: ['arrow', ...pr.kinds.map((k) => 'kind-' + k)].join(' '), d: `M${start.x},${start.y} Q${c.x},${c.y} ${end.x},${end.y}`, 'marker-end': 'url(#arrowhead)' }));
      if (pr.labels.length) {
        const mx = 0.25 * start.x + 0.5 * c.x + 0.25 * end.x, my = 0.25 * start.y + 0.5 * c.y + 0.25 * end.y;
        g.append(spec('text', { class: 'arrow-label', x: mx, y: my - 4, 'text-anchor': 'middle', text: pr.labels.join(' · ') }));
      }
    }
  }

  renderNodes(st, vt) {
    const g = this.layers.nodes;
    const violators = new Set(st.violations.flatMap((v) => v.nodes || []));
    const large = this.mode === 'large';
    const named = large ? focus(st, LARGE) : null;
    const seen = new Set();
    st.order.forEach((id, i) => {
      const n = st.nodes.get(id);
      const p = this.pos.get(id);
      let el = this.nodeEls.get(id);
      if (!el) {
        el = s('g', { class: 'node', 'data-node': id, tabindex: 0, role: 'button' });
        el.addEventListener('click', (e) => { e.stopPropagation(); this.on.node(id, e); });
        // Enter opens the menu; it must not also press the menu's first button.
        el.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); this.on.node(id, e); } });
        el.parts = {};
        this.nodeEls.set(id, el);
        g.append(el);
      }
      const r = this.radius(n);
      const role = slug(n.role);
      const cls = ['node', n.client ? 'client' : 'server', 'status-' + n.status, role && 'role-' + role,
        st.selected === id && 'selected', violators.has(id) && 'violating', st.differ && st.differ.has(id) && 'differs'].filter(Boolean).join(' ');
      // Attributes are written only when they change: a large cluster has
      // hundreds of nodes and most of them stay the same from frame to frame.
      if (el.cls !== cls) {
        el.cls = cls;
        el.setAttribute('class', cls);
        el.setAttribute('data-status', n.status);
        el.setAttribute('data-role', n.role || '');
        el.setAttribute('aria-label', `${id}, ${n.role || (n.client ? 'client' : 'node')}, ${n.status}`);
        el.setAttribute('transform', `translate(${p.x},${p.y})`);
      }
      const label = !large || named.has(id);
      // Rebuild the drawing only when the node's look changed, so a click
      // in progress is not lost to a replaced element while playing.
      const sig = [n.role, n.badge, n.status, n.skew, n.client, i, large, label, n.busy, n.waiting].join('|');
      if (large && el.sig !== sig) {
        el.sig = sig;
        // No timer ring: hundreds of rings moving at once say nothing and
        // cost the frame rate.
        el.parts.ring = null;
        el.parts.clock = null;
        el.replaceChildren(s('circle', { class: 'halo', r: r + 6 }), s('circle', { class: 'body', r }),
          label ? s('text', { class: 'name small', y: r + 15, 'text-anchor': 'middle', text: id }) : '',
          n.status === 'crashed' ? s('text', { class: 'status-mark small', y: 5, 'text-anchor': 'middle', text: '✕' }) : '',
          s('title', { text: `${id}${n.role ? ' (' + n.role + ')' : ''}: ${n.status}${n.badge ? ', ' + n.badge : ''}${n.skew ? ', clock skew ' + n.skew : ''}. Click for its menu and its panel.` }));
      }
      if (el.sig !== sig) {
        el.sig = sig;
        const kids = [s('circle', { class: 'halo', r: r + 10 }), s('circle', { class: 'body', r })];
        el.parts.ring = s('circle', { class: 'timer-ring', r: r + 5, transform: 'rotate(-90)' });
        kids.push(el.parts.ring);
        const crashed = n.status === 'crashed';
        const nameY = n.role || crashed ? -2 : 5;
        kids.push(s('text', { class: 'name', y: nameY, 'text-anchor': 'middle', text: id }));
        // A crashed node says so under its name (the ✕ sits at its edge, off the name).
        if (n.role || crashed) kids.push(s('text', { class: crashed ? 'role crashed' : 'role', y: 16, 'text-anchor': 'middle', text: crashed ? 'crashed' : n.role }));
        if (role === 'leader') kids.push(s('text', { class: 'crown', y: -r - 8, 'text-anchor': 'middle', text: '♛' }));
        if (n.badge) {
          const w = 14 + n.badge.length * 8;
          // Top right of the node, and above its name on any radius: the
          // badge's bottom edge (y + 10) stays 10 clear of the name's top
          // (its 16-unit letters rise about 13 above the baseline), as on a
          // server. A small client's badge at -0.8 r sat on its name.
          const y = Math.min(-r * 0.8, nameY - 13 - 10 - 10);
          kids.push(s('g', { class: 'badge', transform: `translate(${r * 0.75},${y})` },
            s('rect', { x: -w / 2, y: -12, width: w, height: 22, rx: 11 }),
            s('text', { y: 4, 'text-anchor': 'middle', text: n.badge })));
        }
        el.parts.clock = s('text', { class: 'clock', y: r + 21, 'text-anchor': 'middle' });
        kids.push(el.parts.clock);
        // A process kept busy by its work (a slow write on its only thread)
        // says what it is doing, and how many messages and timers wait for
        // it (busy or paused): the queue the learner should watch grow.
        if (n.busy) kids.push(s('text', { class: 'busy', y: r + 36, 'text-anchor': 'middle', text: `busy: ${n.busy}` }));
        if (n.waiting > 0) {
          const q = String(n.waiting);
          const w = 14 + q.length * 8;
          kids.push(s('g', { class: 'waiting', transform: `translate(${-r * 0.75},${r * 0.8})` },
            s('rect', { x: -w / 2, y: -11, width: w, height: 20, rx: 10 }),
            s('text', { y: 4, 'text-anchor': 'middle', text: q }),
            s('title', { text: `${n.waiting} waiting for ${id}` })));
        }
        if (crashed) kids.push(s('text', { class: 'status-mark crashed', x: -r * 0.85, y: -r * 0.62, 'text-anchor': 'middle', text: '✕' }));
        if (n.status === 'paused') kids.push(s('text', { class: 'status-mark paused', x: -r + 2, y: -r + 14, 'text-anchor': 'middle', text: '❚❚' }));
        kids.push(s('title', { text: `${id}${n.role ? ' (' + n.role + ')' : ''}: ${n.status}${n.busy ? ', busy: ' + n.busy : ''}${n.waiting ? ', ' + n.waiting + ' waiting' : ''}${n.skew ? ', clock skew ' + n.skew : ''}. Click for its menu; key ${i + 1} selects it.` }));
        el.replaceChildren(...kids);
      }
      if (el.parts.clock) {
        const clock = nodeClock(st, id);
        setText(el.parts.clock, clock ? clock + (n.skew ? ` (${skewWords(n.skew)})` : '') : '');
      }
      this.updateRing(el.parts.ring, st, n, vt, r);
      seen.add(id);
    });
    for (const [id, el] of this.nodeEls) {
      if (!seen.has(id)) { el.remove(); this.nodeEls.delete(id); }
    }
  }

  // tick redraws only what moves with virtual time: rings and messages.
  tick(st, vt) {
    // The countdown rings move on every other frame (30 a second): each
    // move repaints its node, and a ring's slow sweep looks the same.
    this.ringFrame = !this.ringFrame;
    for (const id of this.mode === 'large' || !this.ringFrame ? [] : st.order) {
      const el = this.nodeEls && this.nodeEls.get(id);
      const n = st.nodes.get(id);
      if (el && n) this.updateRing(el.parts.ring, st, n, vt, this.radius(n));
    }
    this.renderMessages(st, vt);
    tickWidgets(vt);
  }

  // paintMessages draws the messages of a large cluster on a canvas over
  // the diagram: moving SVG circles would have the browser repaint all
  // the hundreds of nodes on every frame, a canvas repaints only itself.
  // (Its dots are not clickable; a large cluster's messages are many.)
  paintMessages(st, vt) {
    if (!this.canvas) {
      this.canvas = document.createElement('canvas');
      this.canvas.className = 'msg-canvas';
      this.canvas.setAttribute('aria-hidden', 'true');
      this.svg.after(this.canvas);
      this.hues = [];
      const css = getComputedStyle(document.documentElement);
      for (let k = 0; k < 8; k++) this.hues.push(css.getPropertyValue('--m' + k).trim() || '#888');
      this.ink = css.getPropertyValue('--ink').trim() || '#000';
      new ResizeObserver(() => { this.box = null; }).observe(this.svg);
    }
    const c = this.canvas;
    c.hidden = false;
    if (!this.box || this.box.vb !== this.svg.getAttribute('viewBox')) {
      // The SVG's box and its viewBox mapping (preserveAspectRatio meet).
      const W = this.svg.clientWidth, H = this.svg.clientHeight;
      const [x0, y0, w, h] = this.svg.getAttribute('viewBox').split(' ').map(Number);
      const k = Math.min(W / w, H / h);
      const dpr = window.devicePixelRatio || 1;
      this.box = { vb: this.svg.getAttribute('viewBox'), k, ox: (W - w * k) / 2 - x0 * k, oy: (H - h * k) / 2 - y0 * k, dpr };
      c.width = Math.round(W * dpr);
      c.height = Math.round(H * dpr);
      c.style.width = W + 'px';
      c.style.height = H + 'px';
    }
    const { k, ox, oy, dpr } = this.box;
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.lineWidth = 1;
    ctx.strokeStyle = this.ink;
    const r = Math.max(2.5, 5 * k);
    let drawn = 0;
    for (const m of st.msgs.values()) {
      const p = this.pos.get(m.from), q = this.pos.get(m.to);
      if (!p || !q) continue;
      const f = m.held ? 0.5 : m.dueAt > m.sentAt ? Math.max(0, Math.min(1, (vt - m.sentAt) / (m.dueAt - m.sentAt))) : 1;
      const x = ox + (p.x + (q.x - p.x) * f) * k, y = oy + (p.y + (q.y - p.y) * f) * k;
      ctx.beginPath();
      ctx.arc(x, y, m.held ? r * 1.5 : r, 0, 2 * Math.PI);
      ctx.fillStyle = this.hues[msgHue(m)];
      ctx.fill();
      ctx.stroke();
      drawn++;
    }
    c.dataset.drawn = String(drawn);
  }

  // labelClear: would a label of width w beside the point (x, y), to its
  // left (back) or right, stay off every node, its crown and its badge?
  labelClear(x, y, back, w) {
    const x0 = back ? x - 11 - w : x + 11, x1 = back ? x - 11 : x + 11 + w, y0 = y - 10, y1 = y + 6;
    const m = this.r + 14;
    for (const p of this.pos.values()) {
      const cx = Math.max(x0, Math.min(p.x, x1)), cy = Math.max(y0, Math.min(p.y, y1));
      if (Math.hypot(cx - p.x, cy - p.y) < m) return false;
    }
    return true;
  }

  radius(n) {
    return n.client ? (this.mode === 'large' ? R_SMALL * 1.4 : R_NODE * 0.72) : this.r;
  }

  // A ring that empties as the node's next timer comes due.
  updateRing(ring, st, n, vt, r) {
    if (!ring) return;
    if (n.status !== 'up' || !n.timers || !n.timers.length) {
      setDash(ring, '0 1000');
      return;
    }
    const t = n.timers.reduce((a, b) => (b.dueAt < a.dueAt ? b : a));
    const key = `${n.id}/${t.name}/${t.dueAt}`;
    if (!this.timerSeen.has(key)) this.timerSeen.set(key, Math.min(st.time, t.dueAt));
    const keep = Math.max(100, 2 * st.order.length);
    if (this.timerSeen.size > 5 * keep) this.timerSeen = new Map([...this.timerSeen].slice(-keep));
    const start = this.timerSeen.get(key);
    const span = t.dueAt - start;
    const left = span > 0 ? Math.max(0, Math.min(1, (t.dueAt - vt) / span)) : 0;
    const len = 2 * Math.PI * Number(ring.getAttribute('r'));
    setDash(ring, `${(len * left).toFixed(1)} ${len.toFixed(1)}`);
  }

  renderMessages(st, vt) {
    if (this.mode === 'large') return this.paintMessages(st, vt);
    if (this.canvas) this.canvas.hidden = true;
    const g = this.layers.msgs;
    if (!this.msgEls) this.msgEls = new Map();
    const many = st.msgs.size > 8;
    const large = this.mode === 'large';
    const side = large ? 2 : 7, dot = large ? 5 : 7;
    // Held messages on one link wait at one place: the oldest stands for
    // them all, with their count; its menu picks among them (controls.js).
    const stacks = new Map();
    for (const m of st.msgs.values()) {
      if (!m.held) continue;
      const k = m.from + '>' + m.to;
      if (!stacks.has(k)) stacks.set(k, []);
      stacks.get(k).push(m.id);
    }
    const shown = (m) => !m.held || stacks.get(m.from + '>' + m.to)[0] === m.id;
    for (const [id, el] of this.msgEls) {
      if (!st.msgs.has(id) || !shown(st.msgs.get(id))) { el.remove(); this.msgEls.delete(id); }
    }
    for (const m of st.msgs.values()) {
      const p = this.pos.get(m.from), q = this.pos.get(m.to);
      if (!p || !q || !shown(m)) continue;
      const count = m.held ? stacks.get(m.from + '>' + m.to).length : 1;
      let f = 0.5;
      if (!m.held) f = m.dueAt > m.sentAt ? Math.max(0, Math.min(1, (vt - m.sentAt) / (m.dueAt - m.sentAt))) : 1;
      const dx = q.x - p.x, dy = q.y - p.y, len = Math.hypot(dx, dy) || 1;
      const ux = dx / len, uy = dy / len;
      // Travel from edge to edge, offset to the right so replies pass by.
      // (Held ones further apart: a reply waits beside its request.)
      const off = m.held ? side + 9 : side;
      const a = { x: p.x + ux * this.r - uy * off, y: p.y + uy * this.r + ux * off };
      const b = { x: q.x - ux * this.r - uy * off, y: q.y - uy * this.r + ux * off };
      const x = a.x + (b.x - a.x) * f, y = a.y + (b.y - a.y) * f;
      let el = this.msgEls.get(m.id);
      // No label next to a node: it would run under the node, its crown or
      // its badge.
      // The label trails the message when it can (it then never covers the
      // node it is heading for), else leads it; with no room, it is left off
      // (the message's tooltip and menu name it).
      const want = ux > 0.5;
      const text = count > 1 ? `${m.kind} +${count - 1}` : m.kind;
      const room = (back) => this.labelClear(x, y, back, text.length * 7 + 4);
      const behind = room(want) ? want : room(!want) ? !want : null;
      const label = (!many || m.held || st.selectedMsg === m.id) && behind !== null;
      const sig = [m.held, label, st.selectedMsg === m.id, behind, count].join('|');
      if (!el) {
        el = s('g', { 'data-msg': m.id, 'data-kind': m.kind, tabindex: 0, role: 'button' });
        el.addEventListener('click', (e) => { e.stopPropagation(); this.on.message(m.id, e); });
        el.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); this.on.message(m.id, e); } });
        this.msgEls.set(m.id, el);
        g.append(el);
      }
      if (el.sig !== sig) {
        el.sig = sig;
        el.setAttribute('class', ['msg', 'hue-' + msgHue(m), m.held && 'held', st.selectedMsg === m.id && 'selected'].filter(Boolean).join(' '));
        el.replaceChildren(
          s('circle', { r: m.held ? dot + 2 : dot }),
          label ? s('text', { class: 'msg-label', x: behind ? -11 : 11, y: 4, 'text-anchor': behind ? 'end' : 'start', text }) : '',
          count > 1 ? s('g', { class: 'msg-count', transform: 'translate(0,-15)' }, s('rect', { x: -11, y: -9, width: 22, height: 16, rx: 8 }), s('text', { y: 3, 'text-anchor': 'middle', text: '×' + count })) : '',
          s('title', { text: count > 1 ? `${count} messages wait on ${m.from} → ${m.to}. Click to pick one to deliver, drop or duplicate.` : `#${m.id} ${m.kind} ${m.from} → ${m.to}${m.summary ? ': ' + m.summary : ''}. Click to deliver, drop or duplicate it.` }));
        el.dataset.count = String(count);
      }
      const tr = `translate(${x.toFixed(1)},${y.toFixed(1)})`;
      if (el.tr !== tr) { el.tr = tr; el.setAttribute('transform', tr); }
    }
  }
}

// setDash writes a ring's dash only when it changed.
function setDash(ring, d) {
  if (ring.dash !== d) { ring.dash = d; ring.setAttribute('stroke-dasharray', d); }
}
