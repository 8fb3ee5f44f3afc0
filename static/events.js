// The event log, the invariant panel and the screen-reader announcer.
import { h, fmtTime } from './dom.js';
import { highlight, current } from './highlight.js';

// The log keeps the newest rows of each sort: folded traffic never pushes
// out the notes that tell the story.
const MAX_STORY_ROWS = 400;
const MAX_TRAFFIC_ROWS = 400;
// Message traffic, folded by default: a partition's lost heartbeats would
// bury the notes that tell the story (a drop by hand shows as its command).
const MESSAGE_KINDS = new Set(['send', 'deliver', 'duplicate', 'drop']);
const ANNOUNCED = new Set(['crash', 'restart', 'pause', 'resume', 'note', 'violation', 'command']);

export function describe(e) {
  const k = e.msgKind || '';
  switch (e.kind) {
    case 'send': return `${e.from} → ${e.to}  ${k}`;
    case 'deliver': return `${e.to} ← ${e.from}  ${k}${e.text ? ' (' + e.text + ')' : ''}`;
    case 'drop': return `✕ ${k} ${e.from} → ${e.to} lost: ${e.text || 'dropped'}`;
    case 'duplicate': return `${k} ${e.from} → ${e.to} duplicated${e.text ? ' (' + e.text + ')' : ''}`;
    case 'timer': return `${e.node}: timer ${e.text} fired`;
    case 'request': return `${e.node} ← ${e.text}`;
    // A note that names its node first needs no prefix ("byzantium: byzantium becomes leader").
    case 'note': return `${e.node && !String(e.text || '').startsWith(e.node + ' ') ? e.node + ': ' : ''}${e.text}`;
    case 'start': return `${e.node} starts`;
    case 'crash': return `${e.node} ${e.text || 'crash'}`;
    case 'restart': return `${e.node} restarts`;
    case 'pause': return `${e.node} pauses (a long GC: state kept, nothing runs)`;
    case 'resume': return `${e.node} resumes`;
    default: return [e.node, e.text].filter(Boolean).join(': ');
  }
}

export class EventLog {
  constructor(root, onSeek) {
    this.root = root;
    this.list = root.querySelector('ol');
    this.onSeek = onSeek;
    for (const box of root.querySelectorAll('[data-filter]')) {
      const show = () => this.root.classList.toggle('hide-' + box.dataset.filter, !box.checked);
      box.addEventListener('change', show);
      show();
    }
  }

  reset() { this.list.replaceChildren(); this.lastOp = new Map(); this.count(); }

  // The folded message traffic says how much it holds.
  count() {
    const out = this.root.querySelector('[data-count="messages"]');
    if (out) out.textContent = `(${this.list.querySelectorAll('.is-message').length})`;
  }

  add(events) {
    if (!events || !events.length) return;
    if (!this.lastOp) this.lastOp = new Map();
    const frag = document.createDocumentFragment();
    for (const e of events) {
      const cls = ['ev', 'ev-' + e.kind, MESSAGE_KINDS.has(e.kind) && 'is-message', e.kind === 'timer' && 'is-timer'];
      const text = describe(e);
      const li = h('li', { class: cls, 'data-seq': e.seq, 'data-kind': e.kind, 'data-step': e.step, 'data-msg': e.msg || undefined },
        h('button', { type: 'button', class: 'at', title: 'Go back to this step', text: '#' + e.step, onclick: () => this.onSeek(e.step) }),
        h('span', { class: 't', text: fmtTime(e.at) }),
        h('span', { class: 'k', text: e.kind }),
        h('span', { class: 'txt', text }));
      if (e.kind === 'op') this.foldRepeat(e, text, li);
      frag.prepend(li);
    }
    this.list.prepend(frag);
    if (this.list.childElementCount > MAX_STORY_ROWS) {
      trim(this.list.querySelectorAll('li.is-message, li.is-timer'), MAX_TRAFFIC_ROWS);
      trim(this.list.querySelectorAll('li:not(.is-message):not(.is-timer)'), MAX_STORY_ROWS);
    }
    this.count();
  }

  // foldRepeat: a process that asks the same thing again and gets the same
  // answer (a data node polling /controller every 250 ms) would fill the
  // log. The row says it once, at its latest, with how many times: the
  // node's previous invocation (or answer) is folded into it when the text
  // is the same. A different answer stays a row of its own.
  foldRepeat(e, text, li) {
    const key = e.node + '\u0000' + (text.startsWith(e.node + ': invoke ') ? 'invoke' : 'done');
    const prev = this.lastOp.get(key);
    this.lastOp.set(key, li);
    if (!prev || !prev.parentNode || prev.querySelector('.txt').textContent !== text) return;
    const n = (Number(prev.dataset.repeats) || 1) + 1;
    prev.remove();
    li.dataset.repeats = String(n);
    li.append(h('span', { class: 'repeats', title: `the same ${n} times in a row; this row is the latest`, text: `×${n}` }));
  }
}

// trim removes the oldest rows past the first max (newest first).
function trim(rows, max) {
  for (let i = rows.length - 1; i >= max; i--) rows[i].remove();
}

export class Invariants {
  constructor(root, onSeek) {
    this.root = root;
    this.list = root.querySelector('ul');
    this.onSeek = onSeek;
  }

  render(st) {
    const invs = (st.pattern && st.pattern.invariants) || [];
    const broken = new Map();
    for (const v of st.violations) if (!broken.has(v.invariant)) broken.set(v.invariant, v);
    this.root.classList.toggle('broken', broken.size > 0);
    // Rebuild only when what the list shows changes: a rebuild on every
    // frame while playing would drop the focus and a highlight in progress.
    const key = JSON.stringify([invs.map((inv) => inv.name), [...broken.values()].map((v) => [v.invariant, v.step, v.at, v.text, v.nodes])]);
    if (key === this.key) return;
    this.key = key;
    if (!invs.length) {
      this.list.replaceChildren(h('li', { class: 'none', text: 'This pattern declares no invariants.' }));
      return;
    }
    this.list.replaceChildren(...invs.map((inv) => {
      const v = broken.get(inv.name);
      return h('li', { class: v ? 'inv bad' : 'inv ok', 'data-invariant': inv.name, title: inv.description },
        h('span', { class: 'mark', 'aria-hidden': 'true', text: v ? '✗' : '✓' }),
        h('div', {},
          h('b', { text: inv.name }),
          h('p', { class: 'desc', text: inv.description }),
          v ? h('p', { class: 'why' }, h('strong', { text: `Broken at step ${v.step} (${fmtTime(v.at)}): ` }), v.text,
            (v.nodes || []).length ? h('span', { class: 'who', text: ` (${v.nodes.join(', ')})` }) : '') : '',
          v ? h('p', { class: 'jumps' },
            h('button', { type: 'button', class: 'link', 'data-jump': 'broke', text: `go to the step where it broke (${v.step})`, onclick: () => this.onSeek(v.step) }),
            h('button', { type: 'button', class: 'link', 'data-jump': 'last-good', text: `go to the last good step (${Math.max(0, v.step - 1)})`, onclick: () => this.onSeek(Math.max(0, v.step - 1)) })) : ''));
    }));
    // Pointing at a broken invariant lights up its nodes and what happened
    // at the step it broke, in every view (highlight.js).
    for (const li of this.list.querySelectorAll('.inv.bad')) {
      const v = broken.get(li.dataset.invariant);
      const on = () => highlight({ nodes: v.nodes || [], step: v.step, source: 'invariants' });
      const off = () => { if (current() && current().source === 'invariants') highlight(null); };
      li.addEventListener('mouseenter', on);
      li.addEventListener('focusin', on);
      li.addEventListener('mouseleave', off);
      li.addEventListener('focusout', off);
    }
  }
}

// Announcer speaks the events that matter (not every message) to screen readers.
export class Announcer {
  constructor(el) { this.el = el; }
  events(events) {
    const lines = (events || []).filter((e) => ANNOUNCED.has(e.kind)).slice(-3).map(describe);
    if (lines.length) this.say(lines.join('. '));
  }
  say(text) { this.el.textContent = text; }
}
