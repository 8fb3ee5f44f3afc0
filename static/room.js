// Rooms, share links and embed codes. Loaded after app.js on a follower's
// page (/join/{code}); on pattern pages teach.js loads it when a teacher
// first presents, shares or embeds, or comes back to a room.
// app.js announces every server frame as a 'clusterscope:frame' event; the
// room's own frames ("room", "ended") come the same way.
import { h, $, typing, wsURL, backoff, download, fmtCode } from './dom.js';
import { runQuery } from './app.js';

// The longest share link the server hands out (share.MaxURL), from the page.
const maxURL = () => Number(document.getElementById('app').dataset.maxUrl);

const onFrame = (fn) => document.addEventListener('clusterscope:frame', (e) => fn(e.detail));

async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (input) { input.focus(); input.select(); }
    try { return document.execCommand('copy'); } catch { return false; }
  }
}

// ---- a follower's page ----

class Follower {
  constructor(app, root) {
    this.app = app;
    this.root = root;
    this.code = root.dataset.room;
    this.room = null;
    this.ended = '';
    this.live = $('[data-view="room-live"]', root);
    this.qbox = $('[data-view="question"]', root);
    document.body.classList.add('following');
    $('[data-action="take-copy"]', root).addEventListener('click', () => this.takeCopy());
    onFrame((f) => this.frame(f));
  }

  frame(f) {
    if (f.type === 'room') {
      this.room = f;
      this.render();
    } else if (f.type === 'ended') {
      this.ended = f.reason || 'the room has ended';
      this.render();
      this.app.status(`The room has ended (${this.ended}). Take a copy to keep exploring from here.`, true);
    } else if (f.type === 'error' && f.code === 'read-only') {
      this.app.status('Only the presenter drives this run. Take a copy to try it yourself.', true);
    }
  }

  render() {
    const r = this.room;
    let state = 'connecting', text = 'connecting…';
    if (this.ended) [state, text] = ['ended', 'ended'];
    else if (r && r.presenter) [state, text] = ['live', '● live'];
    else if (r) [state, text] = ['away', 'presenter away'];
    this.live.dataset.state = state;
    this.live.textContent = text;
    this.renderQuestion(r && r.question);
  }

  renderQuestion(q) {
    const box = this.qbox;
    box.hidden = !q;
    if (!q) { box.replaceChildren(); return; }
    const revealed = q.answer !== undefined && q.answer !== null;
    const total = (q.counts || []).reduce((a, b) => a + b, 0);
    box.dataset.question = String(q.id);
    box.replaceChildren(
      h('h2', {}, 'Predict: ', q.text),
      h('ol', { class: 'choices' }, q.choices.map((c, i) => h('li', {},
        h('button', {
          type: 'button', 'data-choice': i, 'aria-pressed': String(q.mine === i),
          class: revealed && q.answer === i ? 'right' : null, disabled: revealed || !!this.ended,
          onclick: () => this.app.send({ type: 'answer', id: q.id, choice: i }),
        }, c, revealed && q.counts ? h('span', { class: 'count' }, `${q.counts[i]}/${total}`) : null)))),
      h('p', { class: 'room-hint' }, revealed
        ? (q.answer >= 0 ? `Answer: ${q.choices[q.answer]}.` : 'The presenter closed the question.') + (q.mine === q.answer ? ' You got it.' : '')
        : q.mine !== undefined && q.mine !== null ? 'Answer sent; you may change it until the reveal.' : 'Pick the answer you expect.'),
    );
  }

  // takeCopy opens the run as it stands, as the learner's own, with a way back.
  takeCopy() {
    const st = this.app.state;
    if (!st.pattern) return this.app.status('Nothing to copy yet: the room has not sent its run.', true);
    location.href = `/patterns/${encodeURIComponent(st.pattern.id)}?${runQuery(st)}#rejoin=${encodeURIComponent(this.code)}`;
  }
}

// ---- the pattern page: present, share, embed ----

// PatternTools are a pattern page's room tools; teach.js puts their buttons
// in the page.
export class PatternTools {
  constructor(app, root) {
    this.app = app;
    this.root = root;
    this.pattern = root.dataset.pattern;
    this.creds = null;
    this.ws = null;
    this.room = null;
    this.retry = 0;
    this.resumeOffer();
    document.addEventListener('keydown', (e) => this.key(e), true);
    onFrame((f) => this.storyFrame(f));
  }

  // storyFrame puts a scenario's prediction pause (web/story.go) to the
  // room when the presenter's story stops at it, and reveals the answer when
  // the presenter answers it (after looking at the room's tally).
  storyFrame(f) {
    if (!this.creds || !f.story || !f.story.items) return;
    const q = [...f.story.items].reverse().find((it) => it.kind === 'question');
    if (!q) return;
    const key = `${f.story.name}#${q.index}`;
    if (f.story.waiting && (q.picked === undefined || q.picked === null) && this.asked !== key) {
      this.asked = key;
      const text = new DOMParser().parseFromString(q.html || '', 'text/html').body.textContent.trim();
      this.ask(text || 'What happens next?', q.choices);
    } else if (q.answer !== undefined && q.answer !== null && this.asked === key && this.revealed !== key) {
      this.revealed = key;
      this.send({ type: 'reveal', answer: q.answer });
    }
  }

  storeKey() { return 'clusterscope-room:' + this.pattern; }

  // A presenter who comes back (reload, or the presenter link in a new tab)
  // resumes the room: from the URL fragment, or this tab's storage.
  resumeOffer() {
    const m = /(?:^#|&)present=([A-Za-z0-9]+)\.([A-Za-z0-9_-]+)/.exec(location.hash);
    let creds = null;
    if (m) {
      creds = { code: m[1], key: m[2] };
      // The secret must not stay on a projected address bar.
      history.replaceState(null, '', location.pathname + location.search);
    } else {
      try { creds = JSON.parse(sessionStorage.getItem(this.storeKey()) || 'null'); } catch { /* ignore */ }
    }
    if (!creds) return;
    this.creds = creds;
    this.save();
    this.whenSession(() => this.start());
  }

  whenSession(fn) {
    if (this.app.state.session) return fn();
    const wait = (e) => {
      if (e.detail.type === 'snapshot' && this.app.state.session) {
        document.removeEventListener('clusterscope:frame', wait);
        fn();
      }
    };
    document.addEventListener('clusterscope:frame', wait);
  }

  save() {
    try { sessionStorage.setItem(this.storeKey(), JSON.stringify(this.creds)); } catch { /* ignore */ }
  }

  async open() {
    if (this.creds) return this.start();
    const session = this.app.state.session;
    if (!session) return this.app.status('Not connected yet.', true);
    let res, body;
    try {
      res = await fetch('/rooms', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ session }) });
      body = await res.json();
    } catch {
      return this.app.status('Could not open a room: the server did not answer.', true);
    }
    if (!res.ok) return this.app.status(body.error || 'Could not open a room.', true);
    this.creds = { code: body.code, key: body.key };
    this.save();
    this.start();
  }

  start() {
    document.body.classList.add('presenting');
    this.panel();
    this.connect();
  }

  stop(message) {
    document.body.classList.remove('presenting');
    try { sessionStorage.removeItem(this.storeKey()); } catch { /* ignore */ }
    this.creds = null;
    this.room = null;
    if (this.ws) { const ws = this.ws; this.ws = null; ws.close(); }
    this.panelEl?.remove();
    this.panelEl = null;
    if (message) this.app.status(message, true);
  }

  connect() {
    const { code, key } = this.creds;
    const q = new URLSearchParams({ key, session: this.app.state.session || '' });
    const ws = new WebSocket(wsURL(`/rooms/${encodeURIComponent(code)}/ws`, q));
    this.ws = ws;
    ws.onopen = () => { this.retry = 0; };
    ws.onmessage = (e) => {
      const f = JSON.parse(e.data);
      if (f.type === 'room') { this.room = f; this.renderPanel(); }
      else if (f.type === 'ended') this.stop(`The room has ended: ${f.reason}.`);
      else if (f.type === 'error') {
        this.app.status(f.error, true);
        if (f.code === 'forbidden' || f.code === 'no-room') this.stop();
      }
    };
    ws.onclose = () => {
      if (this.ws !== ws || !this.creds) return;
      setTimeout(() => { if (this.ws === ws && this.creds) this.connect(); }, backoff(this.retry++));
    };
  }

  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  ask(question, choices) {
    if (!this.creds) return;
    if (!this.send({ type: 'predict', question, choices })) this.app.status('The room is not connected.', true);
  }

  panel() {
    if (this.panelEl) return;
    const p = h('aside', { class: 'present-panel', 'data-view': 'present-panel', 'aria-label': 'Room' });
    document.body.append(p, h('div', { class: 'blackout', 'data-view': 'blackout', hidden: true }));
    this.panelEl = p;
    this.renderPanel();
  }

  renderPanel() {
    const p = this.panelEl;
    if (!p || !this.creds) return;
    const r = this.room;
    const code = this.creds.code;
    const join = `${location.origin}/join/${code}`;
    const q = r && r.question;
    const parts = [
      h('h2', {}, 'Join at'),
      h('p', { class: 'join-url', 'data-view': 'join-url' }, join),
      h('p', { class: 'code', 'data-view': 'room-code', 'aria-label': 'Room code' }, fmtCode(code)),
      h('img', { class: 'qr', src: `/rooms/${code}/qr.svg`, alt: `QR code of ${join}` }),
      h('p', { class: 'followers', 'data-view': 'followers' }, r ? `${r.followers} following` : 'connecting…'),
    ];
    if (q) {
      const total = q.answered || 0;
      const revealed = q.answer !== undefined && q.answer !== null;
      parts.push(h('section', { class: 'tally', 'data-view': 'tally' },
        h('h2', {}, revealed ? 'Revealed' : 'Predictions'),
        h('p', {}, q.text),
        h('ol', {}, q.choices.map((c, i) => {
          const n = (q.counts || [])[i] || 0;
          return h('li', { class: revealed && q.answer === i ? 'right' : null, 'data-choice': i },
            h('span', {}, c), h('b', { 'data-count': n }, String(n)),
            h('span', { class: 'bar', style: `width:${total ? (100 * n) / total : 0}%` }));
        })),
        h('p', {}, `${total} of ${r.followers} answered`),
        revealed ? h('button', { type: 'button', onclick: () => this.send({ type: 'clear' }) }, 'Close the question')
          : h('div', {}, q.choices.map((c, i) => h('button', { type: 'button', 'data-reveal': i, onclick: () => this.send({ type: 'reveal', answer: i }) }, `Reveal “${c}”`)))));
    } else {
      const form = h('form', { 'data-view': 'ask' },
        h('h2', {}, 'Ask the room'),
        h('input', { name: 'question', placeholder: 'What happens next?', required: true, maxlength: 500 }),
        h('input', { name: 'choices', placeholder: 'choices, separated by |', required: true }),
        h('button', { type: 'submit', class: 'primary' }, 'Ask'));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const d = new FormData(form);
        this.ask(String(d.get('question')), String(d.get('choices')).split('|').map((s) => s.trim()).filter(Boolean));
      });
      parts.push(form);
    }
    parts.push(
      h('p', { class: 'keys' }, h('kbd', {}, 'PgDn'), '/', h('kbd', {}, '→'), ' step · ', h('kbd', {}, 'PgUp'), '/', h('kbd', {}, '←'), ' back · ',
        h('kbd', {}, '.'), ' play/pause · ', h('kbd', {}, 'b'), ' blank screen · ', h('kbd', {}, 'q'), ' hide this panel'),
      h('p', {},
        h('button', { type: 'button', 'data-action': 'presenter-link', title: 'Copies a link that lets you resume presenting from another tab or browser; keep it to yourself', onclick: (e) => this.copyPresenterLink(e.target) }, 'Copy presenter link'),
        ' ',
        h('button', { type: 'button', 'data-action': 'end-room', onclick: () => { this.send({ type: 'end' }); this.stop(); } }, 'End room')));
    const focused = p.contains(document.activeElement) && document.activeElement.tagName === 'INPUT';
    if (focused && !q) return; // keep a half-typed question
    p.replaceChildren(...parts);
  }

  async copyPresenterLink(btn) {
    const url = `${location.origin}${location.pathname}${location.search}#present=${this.creds.code}.${this.creds.key}`;
    const ok = await copyText(url);
    btn.textContent = ok ? 'Copied (keep it private)' : 'Copy failed';
  }

  // Keys a presenter's clicker sends: PageDown/PageUp, '.', 'b'.
  key(e) {
    if (!this.creds || e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e)) return;
    const app = this.app;
    const step = (dir) => {
      // A lesson player may take the clicker (next narration step).
      const ev = new CustomEvent(dir > 0 ? 'clusterscope:next' : 'clusterscope:prev', { cancelable: true });
      if (document.dispatchEvent(ev)) app.send(dir > 0 ? { type: 'step', n: 1 } : { type: 'back' });
    };
    switch (e.key) {
      case 'PageDown': step(1); break;
      case 'PageUp': step(-1); break;
      case '.': app.controls.togglePlay(); break;
      case 'b': case 'B': { const b = $('[data-view="blackout"]'); if (b) b.hidden = !b.hidden; break; }
      case 'q': if (this.panelEl) this.panelEl.hidden = !this.panelEl.hidden; break;
      default: return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  // ---- share ----

  shareURL() {
    return `${location.origin}${location.pathname}?${runQuery(this.app.state)}`;
  }

  async share() {
    const st = this.app.state;
    if (!st.config) return this.app.status('Not connected yet.', true);
    const url = this.shareURL();
    if (url.length > maxURL()) return this.exportScenario(url.length);
    const input = h('input', { type: 'text', readonly: true, value: url, 'data-view': 'share-url' });
    const dlg = this.dialog('Share this run', [
      h('p', {}, `This link replays the run exactly: pattern, seed, nodes, variants, every command, up to step ${st.step}.`),
      input,
    ], [h('button', { type: 'button', class: 'primary', onclick: async (e) => { e.target.textContent = (await copyText(url, input)) ? 'Copied' : 'Select and copy'; } }, 'Copy link')]);
    dlg.showModal();
    input.select();
  }

  // exportScenario: a run whose link is too long is saved as a scenario
  // file (the session exports itself: /session/{id}/scenario.yaml).
  exportScenario(length) {
    const st = this.app.state;
    if (!st.session) return this.app.status('Not connected yet.', true);
    const name = `${this.pattern}-step-${st.step}.yaml`;
    download(`/session/${encodeURIComponent(st.session)}/scenario.yaml?key=${encodeURIComponent(st.exportKey || '')}`, name, { 'data-view': 'share-export' });
    this.app.status(`This run's link would be ${length} characters, too long to share (at most ${maxURL()}). ` +
      'It was saved as a scenario file instead: the file replays the run exactly (clusterscope run FILE, or put it in a lessons folder).', true);
  }

  // ---- embed ----

  embedDialog() {
    const st = this.app.state;
    const controls = h('select', { name: 'controls' }, h('option', { value: 'minimal', text: 'minimal (play, step, back)' }), h('option', { value: 'full', text: 'full (every control)' }));
    const autoplay = h('input', { type: 'checkbox', name: 'autoplay', checked: true });
    const scenarios = [...document.querySelectorAll('[data-scenario]')].map((e) => e.dataset.scenario);
    const scenario = h('select', { name: 'scenario' }, h('option', { value: '', text: '(none: a fresh cluster)' }), scenarios.map((s) => h('option', { value: s, text: s })));
    const code = h('textarea', { readonly: true, 'data-view': 'embed-code' });
    const update = () => {
      // The run's cluster (seed, nodes, variants), fresh: not its commands.
      const q = st.config ? runQuery(st) : new URLSearchParams();
      q.delete('step');
      q.delete('log');
      if (scenario.value) q.set('scenario', scenario.value);
      if (autoplay.checked) q.set('autoplay', '1');
      q.set('controls', controls.value);
      const src = `${location.origin}/embed/${encodeURIComponent(this.pattern)}?${q}`;
      const title = (st.pattern && st.pattern.title) || this.pattern;
      code.value = `<iframe src="${src.replace(/&/g, '&amp;')}" width="760" height="520" style="border:0;max-width:100%" title="${title} (clusterscope)" loading="lazy"></iframe>`;
    };
    for (const el of [controls, autoplay, scenario]) el.addEventListener('change', update);
    update();
    const dlg = this.dialog('Embed this cluster', [
      h('p', {}, 'Paste this into your workshop page. The frame shows the cluster and the controls you choose, and runs on this server.'),
      h('label', {}, 'Controls ', controls), h('label', {}, autoplay, ' play on load'),
      scenarios.length ? h('label', {}, 'Scenario ', scenario) : null,
      code,
    ], [h('button', { type: 'button', class: 'primary', 'data-action': 'copy-embed', onclick: async (e) => { e.target.textContent = (await copyText(code.value, code)) ? 'Copied' : 'Select and copy'; } }, 'Copy embed code')]);
    dlg.showModal();
  }

  dialog(title, body, buttons) {
    $('dialog.share-dialog')?.remove();
    const dlg = h('dialog', { class: 'share-dialog', 'aria-label': title },
      h('form', { method: 'dialog' }, h('h2', {}, title), body, h('menu', {}, buttons, h('button', { value: 'close' }, 'Close'))));
    document.body.append(dlg);
    return dlg;
  }
}

const root = document.getElementById('app');
const app = window.clusterscope;
if (root && app && root.dataset.role === 'follower') window.clusterscopeRoom = new Follower(app, root);
