// Small DOM helpers. Everything is built with createElement and textContent:
// text from the server is never parsed as HTML.

const SVG = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// h('div', {class: 'x'}, child...) makes an HTML element.
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

// s('circle', {r: 4}) makes an SVG element.
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG, tag), attrs, children);
}

// ---- patching: a renderer called every frame touches only what changed ----

// setText, setHidden and setData write only a change: the same value written
// again still costs the browser a restyle and a repaint.
// A change goes into the element's one text node (its data), so the
// browser re-lays out that text rather than remove one node and insert
// another (which also restyles it).
export function setText(el, text) {
  const t = el.firstChild;
  if (t && t === el.lastChild && t.nodeType === Node.TEXT_NODE) {
    if (t.data !== text) t.data = text;
  } else if (el.textContent !== text) el.textContent = text;
}

// morph brings the live element el into the shape of built, a freshly built
// element of the same kind, changing only what differs: a widget redrawn
// every frame keeps its nodes, and the browser re-lays out only the text and
// attributes that changed. It returns the element now on the page. (built's
// nodes move into el where el has none; listeners are not carried over:
// use it for drawings without them.)
export function morph(el, built) {
  if (el.nodeType !== built.nodeType || el.nodeName !== built.nodeName) {
    el.replaceWith(built);
    return built;
  }
  if (el.nodeType === Node.TEXT_NODE) {
    if (el.data !== built.data) el.data = built.data;
    return el;
  }
  if (el.nodeType !== Node.ELEMENT_NODE) {
    el.replaceWith(built);
    return built;
  }
  for (const { name, value } of built.attributes) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }
  for (const { name } of [...el.attributes]) {
    if (!built.hasAttribute(name)) el.removeAttribute(name);
  }
  const want = [...built.childNodes];
  for (let i = 0; i < want.length; i++) {
    const have = el.childNodes[i];
    if (have) morph(have, want[i]);
    else el.append(want[i]);
  }
  while (el.childNodes.length > want.length) el.lastChild.remove();
  return el;
}

export function setHidden(el, hidden) {
  if (el.hidden !== hidden) el.hidden = hidden;
}

export function setData(el, key, value) {
  if (el.dataset[key] !== value) el.dataset[key] = value;
}

// spec is an SVG element to be: patch turns it into one, or keeps the
// element already there with the same key. Without an id the key is the tag
// and every attribute (any change makes a new element); with one it is the
// tag and the id, and a kept element has its changed attributes set.
export function spec(tag, attrs, id) {
  return id === undefined ? { tag, attrs, key: tag + JSON.stringify(attrs) } : { tag, attrs, key: tag + '#' + id, id };
}

// SpecGroup is a <g> to be, kept by its class: its items are specs and groups.
export class SpecGroup {
  constructor(attrs) {
    this.tag = 'g';
    this.attrs = attrs;
    this.key = 'g.' + attrs.class;
    this.items = [];
  }

  append(...items) { this.items.push(...items); }
}

// patch makes group's children the elements of items, in order: an element
// whose key is unchanged stays (and is not moved when its place is right),
// a new one is made, a gone one removed. A browser restyles and repaints
// only what it touched.
export function patch(group, items) {
  const old = group.keyed || new Map();
  const next = new Map();
  let cur = group.firstChild;
  for (const it of items) {
    const same = old.get(it.key);
    let el = same && same.pop();
    if (!el) el = s(it.tag, it instanceof SpecGroup ? { class: it.attrs.class } : it.attrs);
    else if (it.id !== undefined) update(el, el.specAttrs, it.attrs);
    if (it.id !== undefined) el.specAttrs = it.attrs;
    if (it instanceof SpecGroup) patch(el, it.items);
    const list = next.get(it.key);
    if (list) list.push(el); else next.set(it.key, [el]);
    if (el === cur) cur = cur.nextSibling;
    else group.insertBefore(el, cur);
  }
  for (const list of old.values()) for (const el of list) el.remove();
  group.keyed = next;
}

function attrText(k, v) {
  if (v === undefined || v === null || v === false) return null;
  if (k === 'class' && Array.isArray(v)) return v.filter(Boolean).join(' ');
  return v === true ? '' : String(v);
}

// update sets on el the attributes of now that differ from was.
function update(el, was, now) {
  for (const k of Object.keys(was || {})) {
    if (!(k in now) && k !== 'text') el.removeAttribute(k);
  }
  for (const [k, v] of Object.entries(now)) {
    const t = attrText(k, v);
    if (t === attrText(k, was && was[k])) continue;
    if (k === 'text') el.textContent = t === null ? '' : t;
    else if (t === null) el.removeAttribute(k);
    else el.setAttribute(k, t);
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// Virtual microseconds as seconds with milliseconds: 1250000 -> "1.250s".
export function fmtTime(us) {
  return (us / 1e6).toFixed(3) + 's';
}

// nodeClock is node id's clock reading in the app state: a skewed node's as
// the server last sent it (frames name only skewed clocks, and only when
// they change), any other node's is the cluster's time.
export function nodeClock(st, id) {
  const n = st.nodes.get(id);
  return n && n.skew ? st.skewedClocks[id] || '' : fmtTime(st.time);
}

// A stable colour index (0..7) for a message kind.
export function hue(text) {
  let x = 0;
  for (const ch of text || '') x = (x * 31 + ch.charCodeAt(0)) >>> 0;
  return x % 8;
}

// The palette index of a message: its own hue when the server sends one
// (1 + index), else its kind's.
export const msgHue = (m) => (m.hue ? (m.hue - 1) % 8 : hue(m.kind));

export const reducedMotion = () => window.matchMedia('(prefers-reduced-motion: reduce)').matches;

// A CSS class name part from text the server sends ("Leader" -> "leader").
export const slug = (text) => String(text || '').toLowerCase().replace(/[^a-z0-9-]/g, '');

// typing says a key went to a form field or an open dialog, where the
// page's shortcuts must not act.
export const typing = (e) => !!(e.target.closest && e.target.closest('input, select, textarea, dialog[open]'));

// wsURL is the WebSocket address of path on this server.
export function wsURL(path, query) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${path}?${query}`;
}

// backoff is the wait (ms) before reconnect attempt n (0, 1, ...).
export const backoff = (n) => Math.min(8000, 300 * 2 ** n);

// download offers href as a file named name, through a temporary link.
export function download(href, name, attrs) {
  const a = h('a', { ...attrs, href, download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

// skewWords says how a node's clock is off, in a learner's words, from the
// server's skew text ("+250ms, +500000 ppm"): a clock that drifts forward
// runs fast, one set forward is ahead.
export function skewWords(skew) {
  const m = /^([+-]?[^,]*),\s*([+-]?\d+)\s*ppm/.exec(skew || '');
  if (!m) return skew ? 'skewed' : '';
  const ppm = Number(m[2]);
  const off = m[1].trim().replace(/^\+/, '');
  const words = [];
  if (ppm) words.push(`${ppm > 0 ? 'fast' : 'slow'} ${ppm > 0 ? '+' : '−'}${+(Math.abs(ppm) / 1e4).toFixed(2)} %`);
  if (!/^-?0s?$/.test(off)) words.push(off.startsWith('-') ? `behind ${off.slice(1)}` : `ahead ${off}`);
  return words.join(', ') || 'skewed';
}

// fmtCode shows a room code as people read it aloud: K7M3QX → K7M-3QX.
export const fmtCode = (c) => (c && c.length === 6 ? c.slice(0, 3) + '-' + c.slice(3) : c || '');
