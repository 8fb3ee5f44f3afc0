// The cluster diagram: servers on a circle, clients beside it, links, cut
// links, partition groups, messages moving by their virtual send and due
// times, arrows (votes, leases) and timer rings.
import { s, hue, slug, nodeClock } from './dom.js';

const R_NODE = 44;

export class ClusterView {
  constructor(svg, handlers) {
    this.svg = svg;
    this.on = handlers; // {node(id, event), message(id, event), background()}
    this.layers = {};
    for (const name of ['groups', 'links', 'arrows', 'msgs', 'nodes']) {
      this.layers[name] = s('g', { class: 'layer-' + name });
    }
    const defs = s('defs', {},
      s('marker', { id: 'arrowhead', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' })),
      s('marker', { id: 'cuthead', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'cuthead' })));
    svg.append(defs, this.layers.groups, this.layers.links, this.layers.arrows, this.layers.msgs, this.layers.nodes);
    svg.addEventListener('click', (e) => { if (e.target === svg) this.on.background(); });
    this.pos = new Map();
    this.layoutKey = '';
    this.timerSeen = new Map(); // "node/name/due" -> virtual time first seen, for countdown rings
  }

  layout(order, nodes) {
    const servers = order.filter((id) => !nodes.get(id).client);
    const clients = order.filter((id) => nodes.get(id).client);
    const key = servers.join(',') + '|' + clients.join(',');
    if (key === this.layoutKey) return;
    this.layoutKey = key;
    this.pos.clear();
    const cx = clients.length ? -70 : 0;
    const r = servers.length <= 2 ? 150 : 200;
    servers.forEach((id, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / servers.length;
      this.pos.set(id, { x: cx + r * Math.cos(a), y: r * Math.sin(a) });
    });
    clients.forEach((id, i) => {
      const span = Math.min(360, 130 * (clients.length - 1));
      const y = clients.length === 1 ? 0 : -span / 2 + (span * i) / (clients.length - 1);
      this.pos.set(id, { x: 290, y });
    });
    // Fit the drawing to the nodes, with room for badges, crowns and clocks.
    const xs = [...this.pos.values()].map((p) => p.x), ys = [...this.pos.values()].map((p) => p.y);
    const x0 = Math.min(...xs) - 110, x1 = Math.max(...xs) + 110, y0 = Math.min(...ys) - 95, y1 = Math.max(...ys) + 90;
    this.svg.setAttribute('viewBox', `${x0} ${y0} ${x1 - x0} ${y1 - y0}`);
    this.layers.nodes.replaceChildren();
    this.layers.msgs.replaceChildren();
    this.nodeEls = new Map();
    this.msgEls = new Map();
  }

  // render draws the state at virtual time vt (µs).
  render(st, vt) {
    this.layout(st.order, st.nodes);
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
    for (let k = 0; k < n; k++) {
      const members = ids.filter((id) => group.get(id) === k);
      const blob = s('g', { class: 'pgroup pgroup-' + (k % 4) });
      for (const a of members) {
        const p = this.pos.get(a);
        blob.append(s('circle', { cx: p.x, cy: p.y, r: R_NODE + 22 }));
        for (const b of members) {
          if (a < b) {
            const q = this.pos.get(b);
            blob.append(s('line', { x1: p.x, y1: p.y, x2: q.x, y2: q.y, 'stroke-width': 2 * (R_NODE + 22) }));
          }
        }
      }
      g.append(blob);
    }
  }

  renderLinks(st) {
    const g = this.layers.links;
    g.replaceChildren();
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
        g.append(s('line', { class: cls, x1: p.x, y1: p.y, x2: q.x, y2: q.y, 'data-link': a + '-' + b }));
        if (ab !== ba) {
          // Show which direction is cut: an arrow on the dead half.
          const [from, to] = ab ? [p, q] : [q, p];
          const m = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
          const f = { x: from.x + (m.x - from.x) * 0.45, y: from.y + (m.y - from.y) * 0.45 };
          g.append(s('line', { class: 'cutdir', x1: f.x, y1: f.y, x2: m.x, y2: m.y, 'marker-end': 'url(#cuthead)' }));
          g.append(s('text', { class: 'cutmark', x: m.x, y: m.y - 8, 'text-anchor': 'middle', text: '✕' }));
        }
      }
    }
  }

  renderArrows(st) {
    const g = this.layers.arrows;
    g.replaceChildren();
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
      const start = { x: p.x + ux * (R_NODE + 4), y: p.y + uy * (R_NODE + 4) };
      const end = { x: q.x - ux * (R_NODE + 6), y: q.y - uy * (R_NODE + 6) };
      // Bend to the left of travel so a → b and b → a do not overlap.
      const c = { x: (start.x + end.x) / 2 - uy * 30, y: (start.y + end.y) / 2 + ux * 30 };
      g.append(s('path', { class: ['arrow', ...pr.kinds.map((k) => 'kind-' + k)].join(' '), d: `M${start.x},${start.y} Q${c.x},${c.y} ${end.x},${end.y}`, 'marker-end': 'url(#arrowhead)' }));
      if (pr.labels.length) {
        const mx = 0.25 * start.x + 0.5 * c.x + 0.25 * end.x, my = 0.25 * start.y + 0.5 * c.y + 0.25 * end.y;
        g.append(s('text', { class: 'arrow-label', x: mx, y: my - 4, 'text-anchor': 'middle', text: pr.labels.join(' · ') }));
      }
    }
  }

  renderNodes(st, vt) {
    const g = this.layers.nodes;
    const violators = new Set(st.violations.flatMap((v) => v.nodes || []));
    const seen = new Set();
    st.order.forEach((id, i) => {
      const n = st.nodes.get(id);
      const p = this.pos.get(id);
      let el = this.nodeEls.get(id);
      if (!el) {
        el = s('g', { class: 'node', 'data-node': id, tabindex: 0, role: 'button' });
        el.addEventListener('click', (e) => { e.stopPropagation(); this.on.node(id, e); });
        el.addEventListener('keydown', (e) => { if (e.key === 'Enter') this.on.node(id, e); });
        el.parts = {};
        this.nodeEls.set(id, el);
        g.append(el);
      }
      const r = n.client ? R_NODE * 0.72 : R_NODE;
      const role = slug(n.role);
      el.setAttribute('class', ['node', n.client ? 'client' : 'server', 'status-' + n.status, role && 'role-' + role,
        st.selected === id && 'selected', violators.has(id) && 'violating'].filter(Boolean).join(' '));
      el.setAttribute('data-status', n.status);
      el.setAttribute('data-role', n.role || '');
      el.setAttribute('aria-label', `${id}, ${n.role || (n.client ? 'client' : 'node')}, ${n.status}`);
      el.setAttribute('transform', `translate(${p.x},${p.y})`);
      // Rebuild the drawing only when the node's look changed, so a click
      // in progress is not lost to a replaced element while playing.
      const sig = [n.role, n.badge, n.status, n.skew, n.client, i].join('|');
      if (el.sig !== sig) {
        el.sig = sig;
        const kids = [s('circle', { class: 'halo', r: r + 10 }), s('circle', { class: 'body', r })];
        el.parts.ring = s('circle', { class: 'timer-ring', r: r + 5, transform: 'rotate(-90)' });
        kids.push(el.parts.ring);
        kids.push(s('text', { class: 'name', y: n.role ? -2 : 5, 'text-anchor': 'middle', text: id }));
        if (n.role) kids.push(s('text', { class: 'role', y: 16, 'text-anchor': 'middle', text: n.role }));
        if (role === 'leader') kids.push(s('text', { class: 'crown', y: -r - 8, 'text-anchor': 'middle', text: '♛' }));
        if (n.badge) {
          const w = 14 + n.badge.length * 8;
          kids.push(s('g', { class: 'badge', transform: `translate(${r * 0.75},${-r * 0.8})` },
            s('rect', { x: -w / 2, y: -12, width: w, height: 22, rx: 11 }),
            s('text', { y: 4, 'text-anchor': 'middle', text: n.badge })));
        }
        el.parts.clock = s('text', { class: 'clock', y: r + 21, 'text-anchor': 'middle' });
        kids.push(el.parts.clock);
        if (n.status === 'crashed') kids.push(s('text', { class: 'status-mark', y: 14, 'text-anchor': 'middle', text: '✕' }));
        if (n.status === 'paused') kids.push(s('text', { class: 'status-mark paused', x: -r + 2, y: -r + 14, 'text-anchor': 'middle', text: '❚❚' }));
        kids.push(s('title', { text: `${id}${n.role ? ' (' + n.role + ')' : ''}: ${n.status}${n.skew ? ', clock skew ' + n.skew : ''}. Click for its menu; key ${i + 1} selects it.` }));
        el.replaceChildren(...kids);
      }
      const clock = nodeClock(st, id);
      el.parts.clock.textContent = clock ? clock + (n.skew ? ' (skewed)' : '') : '';
      this.updateRing(el.parts.ring, st, n, vt, r);
      seen.add(id);
    });
    for (const [id, el] of this.nodeEls) {
      if (!seen.has(id)) { el.remove(); this.nodeEls.delete(id); }
    }
  }

  // tick redraws only what moves with virtual time: rings and messages.
  tick(st, vt) {
    for (const id of st.order) {
      const el = this.nodeEls && this.nodeEls.get(id);
      const n = st.nodes.get(id);
      if (el && n) this.updateRing(el.parts.ring, st, n, vt, n.client ? R_NODE * 0.72 : R_NODE);
    }
    this.renderMessages(st, vt);
  }

  // A ring that empties as the node's next timer comes due.
  updateRing(ring, st, n, vt, r) {
    if (n.status !== 'up' || !n.timers || !n.timers.length) {
      ring.setAttribute('stroke-dasharray', '0 1000');
      return;
    }
    const t = n.timers.reduce((a, b) => (b.dueAt < a.dueAt ? b : a));
    const key = `${n.id}/${t.name}/${t.dueAt}`;
    if (!this.timerSeen.has(key)) this.timerSeen.set(key, Math.min(st.time, t.dueAt));
    if (this.timerSeen.size > 500) this.timerSeen = new Map([...this.timerSeen].slice(-100));
    const start = this.timerSeen.get(key);
    const span = t.dueAt - start;
    const left = span > 0 ? Math.max(0, Math.min(1, (t.dueAt - vt) / span)) : 0;
    const len = 2 * Math.PI * (r + 5);
    ring.setAttribute('stroke-dasharray', `${(len * left).toFixed(1)} ${len.toFixed(1)}`);
  }

  renderMessages(st, vt) {
    const g = this.layers.msgs;
    if (!this.msgEls) this.msgEls = new Map();
    const many = st.msgs.size > 8;
    for (const [id, el] of this.msgEls) {
      if (!st.msgs.has(id)) { el.remove(); this.msgEls.delete(id); }
    }
    for (const m of st.msgs.values()) {
      const p = this.pos.get(m.from), q = this.pos.get(m.to);
      if (!p || !q) continue;
      let f = 0.5;
      if (!m.held) f = m.dueAt > m.sentAt ? Math.max(0, Math.min(1, (vt - m.sentAt) / (m.dueAt - m.sentAt))) : 1;
      const dx = q.x - p.x, dy = q.y - p.y, len = Math.hypot(dx, dy) || 1;
      const ux = dx / len, uy = dy / len;
      // Travel from edge to edge, offset to the right so replies pass by.
      const a = { x: p.x + ux * R_NODE - uy * 7, y: p.y + uy * R_NODE + ux * 7 };
      const b = { x: q.x - ux * R_NODE - uy * 7, y: q.y - uy * R_NODE + ux * 7 };
      const x = a.x + (b.x - a.x) * f, y = a.y + (b.y - a.y) * f;
      let el = this.msgEls.get(m.id);
      const label = !many || m.held || st.selectedMsg === m.id;
      // The label trails the message, so it never covers the node it is
      // heading for.
      const behind = ux > 0.5;
      const sig = [m.held, label, st.selectedMsg === m.id, behind].join('|');
      if (!el) {
        el = s('g', { 'data-msg': m.id, 'data-kind': m.kind, tabindex: 0, role: 'button' });
        el.addEventListener('click', (e) => { e.stopPropagation(); this.on.message(m.id, e); });
        el.addEventListener('keydown', (e) => { if (e.key === 'Enter') this.on.message(m.id, e); });
        this.msgEls.set(m.id, el);
        g.append(el);
      }
      if (el.sig !== sig) {
        el.sig = sig;
        el.setAttribute('class', ['msg', 'hue-' + hue(m.kind), m.held && 'held', st.selectedMsg === m.id && 'selected'].filter(Boolean).join(' '));
        el.replaceChildren(
          s('circle', { r: m.held ? 9 : 7 }),
          label ? s('text', { class: 'msg-label', x: behind ? -11 : 11, y: 4, 'text-anchor': behind ? 'end' : 'start', text: m.kind }) : '',
          s('title', { text: `#${m.id} ${m.kind} ${m.from} → ${m.to}${m.summary ? ': ' + m.summary : ''}. Click to deliver, drop or duplicate it.` }));
      }
      el.setAttribute('transform', `translate(${x.toFixed(1)},${y.toFixed(1)})`);
    }
  }
}
