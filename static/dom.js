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

// A stable colour index (0..7) for a message kind.
export function hue(text) {
  let x = 0;
  for (const ch of text || '') x = (x * 31 + ch.charCodeAt(0)) >>> 0;
  return x % 8;
}

export const reducedMotion = () => window.matchMedia('(prefers-reduced-motion: reduce)').matches;
