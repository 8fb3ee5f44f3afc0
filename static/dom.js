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
