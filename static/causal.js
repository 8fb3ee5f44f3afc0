// Causal cones over the space-time diagram's copy of the trace: what
// happened before an event and what happened after it, by process order
// and messages (Lamport's happened-before), and what is concurrent with it.
//
//   const c = new Cone(focus)      focus: { lane, seq } (a trace event)
//   c.extend(evs, msgs, upTo)      take in trace events [.., upTo)
//   c.side(lane, seq)              'focus' | 'past' | 'future' | 'conc'
//
// evs are trace events by seq ({kind, node, msg, seq}); msgs maps a message
// id to its record ({from, to, sSeq, dupOf}). A copy the network made is
// caused by its original's send.

export class Cone {
  constructor(focus) {
    this.focus = focus;
    this.past = null;     // lane -> the last seq on it that happened before the focus
    this.future = new Map([[focus.lane, focus.seq]]); // lane -> the first seq on it after the focus
    this.scanned = focus.seq; // the future is known up to here
  }

  // extend works out the past once, then the future as far as upTo.
  extend(evs, msgs, upTo) {
    if (!this.past) this.past = pastOf(this.focus, evs, msgs);
    for (let i = this.scanned + 1; i < upTo; i++) {
      const e = evs[i];
      if (!e || e.kind !== 'deliver') continue;
      const m = msgs.get(e.msg);
      const s = m ? sendSeq(m, msgs) : -1;
      const from = m && this.future.get(m.from);
      // Its send came after the focus, so its delivery does too, and
      // everything after that on the receiving lane.
      if (from !== undefined && s >= from && !this.future.has(e.node)) this.future.set(e.node, e.seq);
    }
    this.scanned = Math.max(this.scanned, upTo - 1);
  }

  side(lane, seq) {
    if (lane === this.focus.lane && seq === this.focus.seq) return 'focus';
    const p = this.past && this.past.get(lane);
    if (p !== undefined && seq <= p) return 'past';
    const f = this.future.get(lane);
    if (f !== undefined && seq >= f) return 'future';
    return 'conc';
  }
}

// pastOf walks the trace back from the focus: a delivery on a lane within
// the past brings its send, and everything before it on the sender's
// lane, into the past. Sends come before their deliveries in the trace, so
// one backward pass settles every lane.
function pastOf(focus, evs, msgs) {
  const past = new Map([[focus.lane, focus.seq]]);
  for (let i = focus.seq; i >= 0; i--) {
    const e = evs[i];
    if (!e || e.kind !== 'deliver') continue;
    const r = past.get(e.node);
    if (r === undefined || e.seq > r) continue;
    const m = msgs.get(e.msg);
    if (!m) continue;
    const s = sendSeq(m, msgs);
    const had = past.get(m.from);
    if (s >= 0 && (had === undefined || had < s)) past.set(m.from, s);
  }
  return past;
}

// sendSeq is the trace position of the send that caused message m: its
// original's, for a copy.
export function sendSeq(m, msgs) {
  if (m.dupOf > 0) {
    const o = msgs.get(m.dupOf);
    return o ? o.sSeq : -1;
  }
  return m.sSeq;
}
