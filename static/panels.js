// Node panels and the cluster panel, drawn from the generic widgets
// (widgets.js). No pattern has its own code. A large cluster (roles.js)
// gets panels only for the nodes in focus: the selected one, those a broken
// invariant names, the smaller role groups.
import { h, fmtTime, slug, nodeClock, skewWords, setText, morph } from './dom.js';
import { renderWidget, gridCellClass, gridCellTitle } from './widgets.js';
import { isLarge, focus } from './roles.js';

// clockOffset is node id's clock minus true time (µs), for deadlines drawn
// on its own clock.
function clockOffset(st, id) {
  const n = st.nodes.get(id);
  if (!n || !n.skew) return 0;
  const secs = parseFloat(st.skewedClocks[id]);
  return Number.isFinite(secs) ? secs * 1e6 - st.time : 0;
}

// Widgets whose elements count down between frames (widgets.js tracks them).
const MOVING = new Set(['queue', 'deadline']);

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
    this.hint = null;
  }

  render(st, changed) {
    const emph = new Set((st.pattern && st.pattern.emphasis) || []);
    const only = isLarge(st) ? focus(st) : null;
    this.note(st, only);
    for (const id of st.order) {
      const n = st.nodes.get(id);
      if (only && !only.has(id)) {
        const gone = this.panels.get(id);
        if (gone) { gone.remove(); this.panels.delete(id); }
        continue;
      }
      let p = this.panels.get(id);
      if (!p) {
        p = h('article', { class: 'panel', 'data-panel': id });
        p.addEventListener('click', (e) => { if (e.target.closest('header')) this.onSelect(id, e); });
        this.panels.set(id, p);
        this.root.insertBefore(p, this.hint || null);
        changed = null; // draw everything on first sight
      }
      if (changed && !changed.has(id) && p.dataset.selected === String(st.selected === id)) {
        setText(p.querySelector('.pclock'), nodeClock(st, id));
        continue;
      }
      p.dataset.selected = String(st.selected === id);
      p.className = ['panel', n.client ? 'client' : 'server', 'status-' + n.status, st.selected === id && 'selected'].filter(Boolean).join(' ');
      drawPanel(p, st, id, n, emph);
    }
    for (const [id, p] of this.panels) {
      if (!st.nodes.has(id)) { p.remove(); this.panels.delete(id); }
    }
  }

  // note says, in a large cluster, why most panels are missing.
  note(st, only) {
    if (!only) {
      if (this.hint) { this.hint.remove(); this.hint = null; }
      return;
    }
    if (!this.hint) {
      this.hint = h('p', { class: 'panels-hint', 'data-panels-hint': '' });
      this.root.append(this.hint);
    }
    const hidden = st.order.length - only.size;
    this.hint.textContent = `${hidden} more nodes: click one in the cluster to see its panel here.`;
  }
}

// drawPanel brings node id's panel up to date in place: the header is
// rebuilt only when what it says changed, and of the widgets only those the
// frame replaced (a delta keeps the others' objects, views.js/app.js), so a
// step that changes one line of a log does not rebuild the panel's DOM.
function drawPanel(p, st, id, n, emph) {
  const d = p.drawn || (p.drawn = { head: null, headKey: '', crash: null, widgets: [], timers: null });
  const headKey = [n.role, n.badge, n.status, n.skew].join('\u0000');
  if (!d.head || d.headKey !== headKey) {
    const head = h('header', { title: 'Select (for keyboard shortcuts) and open the node menu' },
      h('h3', { text: id }),
      n.role ? h('span', { class: 'role-tag role-' + slug(n.role), text: n.role }) : '',
      n.badge ? h('span', { class: 'badge-tag', text: n.badge }) : '',
      n.status !== 'up' ? h('span', { class: 'status-tag', text: n.status }) : '',
      h('span', { class: 'pclock', text: nodeClock(st, id) }),
      n.skew ? h('span', { class: 'skew', title: 'clock skew ' + n.skew, text: 'clock ' + skewWords(n.skew) }) : '');
    if (d.head) d.head.replaceWith(head);
    else p.prepend(head);
    d.head = head;
    d.headKey = headKey;
  } else {
    setText(d.head.querySelector('.pclock'), nodeClock(st, id));
  }
  const crashed = n.status === 'crashed';
  if (crashed && !d.crash) {
    d.crash = h('p', { class: 'empty', text: 'crashed: memory lost, disk kept. Restart it from its menu.' });
    d.head.after(d.crash);
  } else if (!crashed && d.crash) {
    d.crash.remove();
    d.crash = null;
  }
  const ws = [...(n.widgets || [])];
  ws.sort((a, b) => (emph.has(b.title) ? 1 : 0) - (emph.has(a.title) ? 1 : 0));
  const offset = clockOffset(st, id);
  let after = d.crash || d.head;
  ws.forEach((w, i) => {
    const old = d.widgets[i];
    const emphasis = emph.has(w.title);
    if (!old || old.w !== w || old.offset !== offset || old.emphasis !== emphasis) {
      let el = renderWidget(w, { emphasis, offset });
      if (!old) after.after(el);
      // A widget of the same kind is changed in place (a field's value, a
      // row); one with countdowns (their elements are tracked) is replaced.
      else if (old.w.type === w.type && !MOVING.has(w.type)) el = morph(old.el, el);
      else old.el.replaceWith(el);
      d.widgets[i] = { w, el, offset, emphasis };
    }
    after = d.widgets[i].el;
  });
  for (const gone of d.widgets.splice(ws.length)) gone.el.remove();
  const timers = n.timers && n.timers.length ? 'timers: ' + n.timers.map((t) => `${t.name} @ ${fmtTime(t.dueAt)}`).join(' · ') : '';
  if (!timers && d.timers) {
    d.timers.remove();
    d.timers = null;
  } else if (timers && !d.timers) {
    d.timers = h('p', { class: 'timers', text: timers });
    p.append(d.timers);
  } else if (timers && d.timers.textContent !== timers) {
    setText(d.timers, timers);
  }
}

// ClusterPanel draws the pattern's cluster-level widgets (engine
// ClusterView.Widgets) and hides itself when there are none. A delta keeps
// the unchanged widgets' objects (views.js), so only the changed ones are
// drawn again; a grid whose cells are the same processes is recoloured in
// place (a large cluster's grid changes on almost every frame).
export class ClusterPanel {
  constructor(root) {
    this.root = root;
    this.body = root && root.querySelector('.cp-body');
    this.shown = []; // [{ w, el }] by position
  }

  render(st) {
    if (!this.body) return;
    const ws = st.cluster || [];
    if (this.root.hidden !== !ws.length) this.root.hidden = !ws.length;
    const emph = new Set((st.pattern && st.pattern.emphasis) || []);
    ws.forEach((w, i) => {
      const old = this.shown[i];
      if (old && old.w === w) return;
      if (old && recolourGrid(old, w)) return;
      let el = renderWidget(w, { emphasis: emph.has(w.title) });
      if (!old) this.body.append(el);
      else if (old.w.type === w.type && !MOVING.has(w.type)) el = morph(old.el, el);
      else old.el.replaceWith(el);
      this.shown[i] = { w, el };
    });
    for (const gone of this.shown.splice(ws.length)) gone.el.remove();
  }
}

// recolourGrid updates a drawn grid for w when both list the same cells.
function recolourGrid(old, w) {
  const a = old.w, b = w;
  if (a.type !== 'grid' || b.type !== 'grid' || a.title !== b.title) return false;
  const ca = a.cells || [], cb = b.cells || [];
  if (ca.length !== cb.length || ca.some((c, i) => c.id !== cb[i].id)) return false;
  const lis = old.el.querySelectorAll('.cell');
  cb.forEach((c, i) => {
    if (ca[i].state === c.state && ca[i].text === c.text) return;
    lis[i].className = gridCellClass(c);
    lis[i].title = gridCellTitle(c);
    lis[i].textContent = c.text || '';
  });
  old.w = w;
  return true;
}
