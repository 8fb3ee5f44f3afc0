// A tiny highlight bus shared by the linked views. Any view may announce
// "this message / these nodes / this step" with highlight(); every element in
// the page that carries the matching data-msg or data-node attribute (cluster,
// event log, space-time diagram, history...) gets the class "hl" until the
// next announcement. Views that draw lazily call current() after drawing.
//
//   highlight({ msg: 42, source: 'spacetime' })
//   highlight({ nodes: ['athens'], step: 120, source: 'invariants' })
//   highlight(null)                      // clear
//   document.addEventListener('cs:highlight', (e) => e.detail ...)

const EVENT = 'cs:highlight';
let cur = null;
let marked = [];

export function highlight(detail) {
  document.dispatchEvent(new CustomEvent(EVENT, { detail: detail || null }));
}

export function current() { return cur; }

// mark adds "hl" to the elements under root that match the current
// highlight; views call it for elements they have just drawn.
export function mark(root) {
  if (!cur) return;
  const sel = selectors(cur);
  if (!sel) return;
  for (const el of root.querySelectorAll(sel)) {
    el.classList.add('hl');
    marked.push(el);
  }
}

function selectors(d) {
  const parts = [];
  if (d.msg !== undefined && d.msg !== null) parts.push(`[data-msg="${Number(d.msg)}"]`);
  if (d.step !== undefined && d.step !== null) {
    const st = Number(d.step);
    parts.push(`[data-view="spacetime"] .st-msg[data-step="${st}"]`, `[data-view="spacetime"] [data-kind][data-step="${st}"]`, `[data-view="events"] li[data-step="${st}"]`);
  }
  for (const n of d.nodes || []) parts.push(`[data-view="cluster"] [data-node="${CSS.escape(n)}"]`, `[data-lane="${CSS.escape(n)}"]`, `[data-panel="${CSS.escape(n)}"]`);
  return parts.join(',');
}

let installed = false;

// install wires the bus once: it applies highlights, and turns hovering a
// message in the cluster view or a row of the event log into one.
export function install() {
  if (installed) return;
  installed = true;
  document.addEventListener(EVENT, (e) => {
    for (const el of marked) el.classList.remove('hl');
    marked = [];
    cur = e.detail;
    document.documentElement.toggleAttribute('data-highlighting', !!cur);
    mark(document);
  });
  const hover = (sel, source) => {
    document.addEventListener('mouseover', (e) => {
      const el = e.target.closest && e.target.closest(sel);
      if (!el || !el.dataset.msg) return;
      if (cur && cur.msg === Number(el.dataset.msg) && cur.source === source) return;
      highlight({ msg: Number(el.dataset.msg), source });
    });
    document.addEventListener('mouseout', (e) => {
      const el = e.target.closest && e.target.closest(sel);
      if (!el || !cur || cur.source !== source) return;
      if (e.relatedTarget && el.contains(e.relatedTarget)) return;
      highlight(null);
    });
  };
  hover('[data-view="cluster"] [data-msg]', 'cluster');
  hover('[data-view="events"] [data-msg]', 'events');
}
