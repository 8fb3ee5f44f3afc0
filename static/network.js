// The network menu: the links' delay, jitter, ordering (FIFO), bandwidth and
// cost per message, for every link or for the two directions between two
// processes (engine command table: network). It starts from what the frames
// say the links are set to (state.net) and changes only what it shows, so a
// loss rate a scenario set stays as it was.
import { h } from './dom.js';

// What a learner may enter: the engine refuses delays over an hour; a
// minute is more than any lesson needs.
export const NET_LIMITS = { delayMs: 60000, perMsgMs: 60000, bandwidthKB: 1000000 };

const UNITS = { h: 3.6e6, m: 6e4, s: 1e3, ms: 1, us: 1e-3, 'µs': 1e-3, ns: 1e-6 };

// goMs reads a Go duration as the frames write it ("1.5ms", "2s", "1m30s",
// "0s") in milliseconds; 0 for anything else.
export function goMs(d) {
  if (typeof d === 'number') return d / 1e6; // plain nanoseconds
  let ms = 0;
  for (const [, n, unit] of String(d || '').matchAll(/([\d.]+)(h|ms|m|s|us|µs|ns)/g)) ms += Number(n) * UNITS[unit];
  return Number.isFinite(ms) ? ms : 0;
}

// linkNet is the settings of the link from → to (every link's when from is
// empty) in net, a frame's network view.
export function linkNet(net, from, to) {
  if (!net) return {};
  const l = from && (net.links || []).find((x) => x.from === from && x.to === to);
  return (l ? l.net : net.all) || {};
}

// The form shows the mean delay and the jitter around it: the engine draws
// a delay uniformly from [min, 2·mean − min], so jitter = mean − min.
export function formValues(n) {
  const mean = goMs(n.meanDelay), min = goMs(n.minDelay);
  return { delay: round(mean), jitter: round(mean - min), fifo: !!n.fifo, bandwidthKB: round((n.bandwidth || 0) / 1000), perMsg: round(goMs(n.perMsg)) };
}

function round(x) { return Math.round(x * 1000) / 1000; }

// readNet checks what the form holds against its bounds and returns the
// settings to send (base with the form's fields changed), or the error that
// says what is wrong.
export function readNet(base, v) {
  const num = (name, text, lo, hi, unit) => {
    const x = Number(text);
    if (String(text).trim() === '' || !Number.isFinite(x) || x < lo || x > hi) {
      return { error: `${name} must be a number from ${lo} to ${hi} ${unit}, not “${String(text).slice(0, 20)}”.` };
    }
    return { x };
  };
  const delay = num('The delay', v.delay, 0, NET_LIMITS.delayMs, 'ms');
  if (delay.error) return delay;
  const jitter = num('The jitter', v.jitter, 0, delay.x, 'ms (at most the delay: a message takes from delay − jitter to delay + jitter)');
  if (jitter.error) return jitter;
  const bw = num('The bandwidth', v.bandwidthKB, 0, NET_LIMITS.bandwidthKB, 'KB/s (0: unlimited)');
  if (bw.error) return bw;
  const per = num('The cost per message', v.perMsg, 0, NET_LIMITS.perMsgMs, 'ms');
  if (per.error) return per;
  const net = { ...base, meanDelay: delay.x + 'ms', minDelay: (delay.x - jitter.x) + 'ms', fifo: !!v.fifo, bandwidth: Math.round(bw.x * 1000), perMsg: per.x + 'ms' };
  return { net };
}

// describe is one line for the settings n: "5 ms ± 4 ms, in order, 100 KB/s".
export function describe(n) {
  const v = formValues(n);
  const parts = [`${v.delay} ms ± ${v.jitter} ms`, v.fifo ? 'in order' : 'may reorder'];
  if (v.bandwidthKB) parts.push(`${v.bandwidthKB} KB/s`);
  if (v.perMsg) parts.push(`${v.perMsg} ms per message`);
  if (n.dropPct) parts.push(`${n.dropPct} % lost`);
  if (n.dupPct) parts.push(`${n.dupPct} % duplicated`);
  return parts.join(', ');
}

// networkItems is the menu's content for every link (a empty) or for the
// links between a and b. send gets the commands to apply once the form is
// valid.
export function networkItems(app, a, b, send) {
  const net = app.state.net;
  const base = linkNet(net, a, b);
  const v = formValues(base);
  const field = (label, name, value, unit, max) => {
    const input = h('input', { type: 'number', name, min: 0, max, step: 'any', value: String(value), 'aria-label': `${label} in ${unit}` });
    return [input, h('div', { class: 'row' }, h('span', { text: label }), input, h('span', { class: 'unit', text: unit }))];
  };
  const [delay, delayRow] = field('delay', 'delay', v.delay, 'ms', NET_LIMITS.delayMs);
  const [jitter, jitterRow] = field('jitter ±', 'jitter', v.jitter, 'ms', NET_LIMITS.delayMs);
  const [bw, bwRow] = field('bandwidth', 'bandwidth', v.bandwidthKB, 'KB/s (0: unlimited)', NET_LIMITS.bandwidthKB);
  const [per, perRow] = field('per message', 'per-msg', v.perMsg, 'ms', NET_LIMITS.perMsgMs);
  const fifo = h('input', { type: 'checkbox', name: 'fifo', checked: v.fifo });
  const error = h('p', { class: 'summary error', role: 'alert', 'data-view': 'network-error' });
  const apply = (pairs) => (e) => {
    e.stopPropagation();
    const r = readNet(base, { delay: delay.value, jitter: jitter.value, bandwidthKB: bw.value, perMsg: per.value, fifo: fifo.checked });
    if (r.error) {
      error.textContent = r.error;
      app.status(r.error, true);
      return;
    }
    send(pairs.map(([from, to]) => ({ kind: 'network', from, to, net: r.net })));
  };
  const button = (label, action, pairs, cls) => h('button', { type: 'button', 'data-action': action, class: cls, text: label, onclick: apply(pairs) });
  const buttons = a
    ? [button('Set both ways', 'network-both', [[a, b], [b, a]], 'primary'), button(`only ${a} → ${b}`, 'network-out', [[a, b]]), button(`only ${b} → ${a}`, 'network-in', [[b, a]])]
    : [button('Set every link', 'network-all', [['', '']], 'primary')];
  const back = describe(linkNet(net, b, a));
  const now = a
    ? (back === describe(base) ? `both ways: ${back}` : `${a} → ${b}: ${describe(base)}; ${b} → ${a}: ${back}`)
    : `every link: ${describe(base)}${net && net.links && net.links.length ? ` (${net.links.length} set apart differ; this sets them too)` : ''}`;
  return [
    h('p', { class: 'summary', 'data-view': 'network-now', text: 'Now ' + now + '.' }),
    delayRow, jitterRow,
    h('div', { class: 'row' }, h('label', {}, fifo, ' in order (FIFO): a message never overtakes one sent before it')),
    bwRow, perRow,
    error,
    h('div', { class: 'row' }, buttons),
  ];
}
