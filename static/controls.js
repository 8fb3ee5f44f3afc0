// Controls: the toolbar, node and message menus, the partition dialog, the
// pattern's requests and broken variants, and the keyboard.
import { h, $, $$, typing, setText } from './dom.js';

export class Controls {
  constructor(root, app) {
    this.root = root;
    this.app = app;
    this.menu = $('[data-view="menu"]');
    this.partition = $('[data-view="partition-dialog"]');
    this.help = $('[data-view="help"]');
    this.bind();
  }

  // The run's setup may sit in the page header, outside the root.
  act(name) { return $(`[data-action="${name}"]`, this.root) || $(`[data-action="${name}"]`, document); }

  bind() {
    const app = this.app;
    this.act('step').addEventListener('click', () => app.send({ type: 'step', n: 1 }));
    this.act('back').addEventListener('click', () => app.send({ type: 'back' }));
    this.act('play').addEventListener('click', () => this.togglePlay());
    this.act('speed').addEventListener('change', () => {
      if (app.state.play.playing) app.send({ type: 'play', speed: this.speed() });
    });
    this.act('heal').addEventListener('click', () => app.cmd({ kind: 'heal' }));
    this.act('manual').addEventListener('change', (e) => app.cmd({ kind: 'manual', on: e.target.checked }));
    this.act('partition').addEventListener('click', () => this.openPartition());
    // The click must not reach the document, which closes an open menu.
    const network = this.act('network');
    if (network) network.addEventListener('click', (e) => { e.stopPropagation(); this.networkMenu(null, null, e); });
    this.act('reset').addEventListener('click', () => this.reset());
    this.act('seed').addEventListener('keydown', (e) => { if (e.key === 'Enter') this.reset(); });
    this.act('new-seed').addEventListener('click', () => {
      this.act('seed').value = String(Math.floor(Math.random() * 1e6));
      this.reset();
    });
    this.act('nodes').addEventListener('change', () => this.reset());
    this.act('help').addEventListener('click', () => this.help.showModal());
    $('[data-action="partition-apply"]', this.partition).addEventListener('click', () => this.applyPartition());
    $('[data-action="cut"]', this.partition).addEventListener('click', () => {
      const f = $('select[name="from"]', this.partition).value, t = $('select[name="to"]', this.partition).value;
      if (f === t) return app.status('Pick two different nodes to cut the link between them.', true);
      app.cmd({ kind: 'cut', from: f, to: t });
      this.partition.close();
    });
    document.addEventListener('keydown', (e) => this.key(e));
    document.addEventListener('click', (e) => {
      if (!this.menu.hidden && !this.menu.contains(e.target)) this.closeMenu();
    });
  }

  speed() { return Number(this.act('speed').value) || 1; }

  togglePlay() {
    const app = this.app;
    if (app.state.play.playing) app.send({ type: 'pause' });
    else app.send({ type: 'play', speed: this.speed() });
  }

  reset() {
    const app = this.app;
    const seed = Number.parseInt(this.act('seed').value, 10);
    if (!Number.isFinite(seed) || seed < 0) return app.status('The seed must be a whole number ≥ 0.', true);
    const variants = Object.entries(app.state.variants).filter(([, on]) => on).map(([k]) => k);
    app.send({ type: 'reset', seed, nodes: Number(this.act('nodes').value) || 0, variants });
  }

  // Called after each frame: reflect the state in the controls.
  render(st) {
    const play = this.act('play');
    setText(play, st.play.playing ? '❚❚ Pause' : '▶ Play');
    play.setAttribute('aria-pressed', String(st.play.playing));
    const speed = this.act('speed');
    if (st.play.playing && String(st.play.speed) !== speed.value) {
      if (![...speed.options].some((o) => o.value === String(st.play.speed))) speed.append(h('option', { value: st.play.speed, text: st.play.speed + '×' }));
      speed.value = String(st.play.speed);
    }
    this.act('manual').checked = st.manual;
    this.act('back').disabled = st.step === 0;
  }

  // Called after a snapshot: things that depend on the pattern and config.
  setup(st) {
    const p = st.pattern, c = st.config;
    const seed = this.act('seed');
    if (document.activeElement !== seed) seed.value = String(c.seed);
    const nodes = this.act('nodes');
    nodes.replaceChildren(...Array.from({ length: p.maxNodes - p.minNodes + 1 }, (_, i) => p.minNodes + i)
      .map((n) => h('option', { value: n, text: n, selected: n === c.nodes })));
    this.renderActions(st);
    this.renderVariants(st);
  }

  servers() { return this.app.state.order.filter((id) => !this.app.state.nodes.get(id).client); }
  clients() { return this.app.state.order.filter((id) => this.app.state.nodes.get(id).client); }

  renderActions(st) {
    const box = $('[data-view="actions"] .forms', this.root);
    const actions = st.pattern.actions || [];
    box.closest('section').hidden = !actions.length;
    box.replaceChildren(...actions.map((a) => {
      const targets = a.target === 'client' ? this.clients() : this.servers();
      const fields = [h('label', {}, a.target === 'client' ? 'client ' : 'at ',
        h('select', { name: '_node' }, targets.map((t) => h('option', { value: t, text: t }))))];
      for (const p of a.params || []) fields.push(this.paramInput(p));
      const form = h('form', { class: 'action', 'data-request': a.name },
        h('button', { type: 'submit', class: 'primary', text: a.label || a.name }), ...fields);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const data = new FormData(form);
        const args = {};
        for (const p of a.params || []) args[p.name] = String(data.get(p.name) ?? '');
        this.app.cmd({ kind: a.target === 'client' ? 'client' : 'action', node: String(data.get('_node')), name: a.name, args });
      });
      return form;
    }));
  }

  paramInput(p) {
    const label = p.label || p.name;
    let input;
    if (p.type === 'node') input = h('select', { name: p.name }, this.servers().map((n) => h('option', { value: n, text: n, selected: n === p.default })));
    else if (p.type === 'choice') input = h('select', { name: p.name }, (p.choices || []).map((n) => h('option', { value: n, text: n, selected: n === p.default })));
    else if (p.type === 'int') input = h('input', { name: p.name, type: 'number', step: 1, value: p.default || '0', size: 5 });
    else input = h('input', { name: p.name, type: 'text', value: p.default || '', size: 8, maxlength: 200 });
    return h('label', {}, label + ' ', input);
  }

  renderVariants(st) {
    const box = $('[data-view="variants"] .toggles', this.root);
    const variants = st.pattern.variants || [];
    const params = st.pattern.params || [];
    const setups = st.pattern.setups || [];
    // The settings (parameters, setups) have a box of their own beside the
    // cluster when the page has one: the variants' strip stays one line.
    const own = $('[data-view="settings"] .params', this.root);
    box.closest('section').hidden = own ? !variants.length : !variants.length && !params.length && setups.length < 2;
    const rows = variants.map((v) => {
      const input = h('input', { type: 'checkbox', 'data-variant': v.name, checked: !!st.variants[v.name] });
      input.addEventListener('change', () => this.app.cmd({ kind: 'variant', name: v.name, on: input.checked }));
      return h('label', { class: 'variant', title: v.description }, input, h('span', {}, h('b', { text: v.label || v.name }), h('small', { text: v.description })));
    });
    const settings = params.map((p) => {
      // A 0/1 setting (a view switch) is a checkbox.
      if ((p.min || 0) === 0 && p.max === 1) {
        const box = h('input', { type: 'checkbox', 'data-param': p.name, checked: p.default === '1' });
        box.addEventListener('change', () => this.app.cmd({ kind: 'param', name: p.name, value: box.checked ? 1 : 0 }));
        return h('label', { class: 'param' }, box, ' ' + (p.label || p.name));
      }
      // The declared range (kit.Param min/max): the server refuses values outside it anyway.
      const range = p.max > (p.min || 0) ? { min: p.min || 0, max: p.max } : {};
      const input = h('input', { type: 'number', step: 1, value: p.default || '0', 'data-param': p.name, size: 5, ...range });
      input.addEventListener('change', () => this.app.cmd({ kind: 'param', name: p.name, value: Number.parseInt(input.value, 10) || 0 }));
      return h('label', { class: 'param' }, (p.label || p.name) + ' ', input);
    });
    // A page with several setups (kit.Cluster.Setups) offers them here; a
    // new setup is a new run, so the choice reloads the page with ?setup=.
    const current = (st.config && st.config.setup) || (setups[0] && setups[0].name);
    const setup = setups.length < 2 ? [] : [h('label', { class: 'param' }, 'setup ',
      h('select', { 'data-setup': '', onchange: (e) => { location.search = '?' + new URLSearchParams({ setup: e.target.value }); } },
        setups.map((o) => h('option', { value: o.name, text: o.label || o.name, selected: o.name === current }))))];
    if (own) {
      box.replaceChildren(...rows);
      own.closest('section').hidden = !settings.length && !setup.length;
      own.replaceChildren(...setup, ...settings);
      return;
    }
    box.replaceChildren(...setup, ...rows, ...(settings.length ? [h('h3', { text: 'Settings' }), ...settings] : []));
  }

  syncVariants(st) {
    for (const box of $$('[data-variant]', this.root)) box.checked = !!st.variants[box.dataset.variant];
  }

  // A setting changed by a scenario, a rewind or another presenter shows its
  // value in force; a field the learner is typing in is left alone.
  syncParams(st) {
    const defaults = new Map((st.pattern.params || []).map((p) => [p.name, p.default || '0']));
    for (const input of $$('[data-param]', this.root)) {
      if (input === document.activeElement) continue;
      const name = input.dataset.param;
      const value = String(name in st.params ? st.params[name] : defaults.get(name) ?? '0');
      if (input.type === 'checkbox') input.checked = value === '1';
      else input.value = value;
    }
  }

  // ---- menus ----

  openMenu(title, items, ev) {
    const m = this.menu;
    m.replaceChildren(h('h3', { text: title }), ...items);
    m.hidden = false;
    const x = ev && ev.clientX ? ev.clientX : window.innerWidth / 2;
    const y = ev && ev.clientY ? ev.clientY : window.innerHeight / 3;
    m.style.left = Math.min(x + 8, window.innerWidth - 300) + 'px';
    m.style.top = Math.min(y + 8, window.innerHeight - m.offsetHeight - 8) + 'px';
    // Focus goes to the menu, not to its first button: a key that opened it
    // must not crash a node or deliver a message (Tab reaches the buttons).
    m.tabIndex = -1;
    m.focus({ preventScroll: true });
  }

  closeMenu() { this.menu.hidden = true; }

  button(label, action, fn, cls) {
    return h('button', { type: 'button', 'data-action': action, class: cls, text: label, onclick: () => { fn(); this.closeMenu(); } });
  }

  nodeMenu(id, ev) {
    const app = this.app, n = app.state.nodes.get(id);
    if (!n) return;
    app.select(id);
    const items = [];
    // A standby server, or one that left, can only join (engine command table: join/leave).
    if (n.status === 'standby' || n.status === 'left') {
      items.push(this.button('Join the cluster', 'join', () => app.cmd({ kind: 'join', node: id }), 'primary'));
      this.openMenu(`${id} · ${n.status}${n.role ? ' · ' + n.role : ''}`, items, ev);
      return;
    }
    if (n.status === 'crashed') items.push(this.button('Restart', 'restart', () => app.cmd({ kind: 'restart', node: id }), 'primary'));
    else items.push(this.button('Crash', 'crash', () => app.cmd({ kind: 'crash', node: id }), 'danger'));
    if (n.status === 'up') items.push(this.button('Pause (long GC)', 'pause', () => app.cmd({ kind: 'pause', node: id })));
    if (n.status === 'paused') items.push(this.button('Resume', 'resume', () => app.cmd({ kind: 'resume', node: id }), 'primary'));
    if (!n.client) items.push(this.button('Leave the cluster', 'leave', () => app.cmd({ kind: 'leave', node: id })));
    const clock = (label, action, unit, make, hint) => {
      const input = h('input', { type: 'number', step: 1, value: '0', size: 6, 'aria-label': label + ' in ' + unit });
      const said = hint ? h('span', { class: 'unit hint', 'data-hint': action, 'aria-live': 'polite' }) : '';
      const say = () => { if (said) said.textContent = hint(Number.parseInt(input.value, 10) || 0); };
      input.addEventListener('input', say);
      say();
      return h('div', { class: 'row' }, h('span', { text: label }), input, h('span', { class: 'unit', text: unit }),
        this.button('Set', action, () => app.cmd(make(Number.parseInt(input.value, 10) || 0))), said);
    };
    // Drift is in parts per million: say what a number means.
    const driftHint = (ppm) => ppm === 0 ? 'keeps time (10000 ppm = 1 % fast)' : `runs ${ppm > 0 ? 'fast' : 'slow'} by ${+(Math.abs(ppm) / 1e4).toFixed(2)} %: ${+(1 + ppm / 1e6).toFixed(4)} s a second`;
    items.push(h('h4', { text: 'Clock' }),
      clock('offset', 'offset', 'ms', (v) => ({ kind: 'offset', node: id, dur: v + 'ms' })),
      clock('drift', 'drift', 'ppm', (v) => ({ kind: 'drift', node: id, ppm: v }), driftHint),
      clock('jump', 'jump', 'ms', (v) => ({ kind: 'jump', node: id, dur: v + 'ms' })));
    // A server that keeps its state on the engine's disk (it draws a disk
    // widget) gets the disk faults (engine command table: disk).
    const disk = !n.client && (n.widgets || []).find((w) => w.type === 'disk');
    if (disk) {
      const used = (disk.files || []).reduce((sum, f) => sum + (f.bytes || 0), 0);
      const fault = (label, action, name, value) => this.button(label, action, () => app.cmd({ kind: 'disk', node: id, name, value }));
      items.push(h('h4', { text: 'Disk' }), h('div', { class: 'row' },
        fault('slow ×10', 'disk-slow', 'slow', 10),
        fault('fail next fsync', 'disk-fail-fsync', 'fail-fsync', 1),
        fault('tear at next crash', 'disk-tear', 'tear', 0)),
      h('div', { class: 'row' },
        fault('full now', 'disk-full', 'full', Math.max(used, 1)),
        fault('healthy', 'disk-healthy', 'healthy', 0)));
    }
    const others = app.state.order.filter((o) => o !== id);
    if (others.length) {
      const sel = h('select', { 'aria-label': 'the other end' }, others.map((o) => h('option', { value: o, text: o })));
      items.push(h('h4', { text: 'Links' }), h('div', { class: 'row' }, sel,
        this.button(`cut ${id} → it`, 'cut-out', () => app.cmd({ kind: 'cut', from: id, to: sel.value })),
        this.button('cut it → ' + id, 'cut-in', () => app.cmd({ kind: 'cut', from: sel.value, to: id })),
        this.button('heal', 'heal-pair', () => app.cmd({ kind: 'heal', from: id, to: sel.value })),
        h('button', { type: 'button', 'data-action': 'link-settings', text: 'delay…', title: 'Delay, jitter, ordering and bandwidth of these links',
          onclick: (e) => { e.stopPropagation(); this.networkMenu(id, sel.value, e); } }),
        // Offered where the pattern opens connections (engine command table: reset).
        (app.state.conns || []).some((c) => c.open && (c.from === id || c.to === id))
          ? this.button('reset connection', 'reset-conn', () => app.cmd({ kind: 'reset', from: id, to: sel.value })) : ''),
      this.button(`Isolate ${id}`, 'isolate', () => app.cmd({ kind: 'partition', groups: [[id], this.servers().filter((o) => o !== id)] })));
    }
    this.openMenu(`${id} · ${n.status}${n.role ? ' · ' + n.role : ''}`, items, ev);
  }

  // networkMenu edits every link's settings (a null) or those of the links
  // between a and b (network.js, loaded the first time: most visits never
  // open it, and a page's first load is kept small, issue 19).
  async networkMenu(a, b, ev) {
    const { networkItems } = await import('./network.js');
    const items = networkItems(this.app, a, b, (cmds) => {
      for (const c of cmds) this.app.cmd(c);
      this.closeMenu();
    });
    this.openMenu(a ? `Links between ${a} and ${b}` : 'Network: every link', items, ev);
  }

  messageMenu(msgID, ev) {
    const app = this.app, m = app.state.msgs.get(msgID);
    if (!m) return;
    app.state.selectedMsg = msgID;
    // Messages held on the same link share one dot: pick which one.
    const same = [...app.state.msgs.values()].filter((x) => x.held && x.from === m.from && x.to === m.to);
    const picker = same.length > 1 ? h('div', { class: 'picker', 'data-view': 'message-picker' },
      h('p', { class: 'summary', text: `${same.length} messages wait on ${m.from} → ${m.to}; pick one:` }),
      h('div', { class: 'row' }, same.map((x) => h('button', { type: 'button', 'data-pick': x.id, class: x.id === m.id ? 'primary' : '', 'aria-pressed': String(x.id === m.id), text: `#${x.id} ${x.kind}`,
        onclick: (e) => { e.stopPropagation(); this.messageMenu(x.id, ev); } })))) : '';
    this.openMenu(`#${m.id} ${m.kind}: ${m.from} → ${m.to}`, [
      picker,
      m.summary ? h('p', { class: 'summary', text: m.summary }) : '',
      this.button('Deliver now', 'deliver', () => app.cmd({ kind: 'deliver', msg: m.id }), 'primary'),
      this.button('Drop', 'drop', () => app.cmd({ kind: 'drop', msg: m.id }), 'danger'),
      this.button('Duplicate', 'duplicate', () => app.cmd({ kind: 'duplicate', msg: m.id })),
    ], ev);
  }

  // ---- partition dialog ----

  openPartition() {
    const st = this.app.state;
    const servers = this.servers();
    const tbody = $('tbody', this.partition);
    const lonely = st.selected && servers.includes(st.selected) ? st.selected : servers[0];
    tbody.replaceChildren(...servers.map((id) => h('tr', { 'data-node-row': id }, h('th', { text: id }),
      ...['A', 'B', 'C'].map((side) => h('td', {}, h('input', { type: 'radio', name: 'side-' + id, value: side, 'aria-label': `${id} on side ${side}`, checked: side === (id === lonely ? 'B' : 'A') }))))));
    for (const name of ['from', 'to']) {
      $(`select[name="${name}"]`, this.partition).replaceChildren(...st.order.map((id, i) => h('option', { value: id, text: id, selected: name === 'to' ? i === 1 : i === 0 })));
    }
    this.partition.showModal();
  }

  applyPartition() {
    const groups = { A: [], B: [], C: [] };
    for (const row of $$('[data-node-row]', this.partition)) {
      const picked = row.querySelector('input:checked');
      groups[picked ? picked.value : 'A'].push(row.dataset.nodeRow);
    }
    const nonEmpty = Object.values(groups).filter((g) => g.length);
    if (nonEmpty.length < 2) return this.app.status('Put nodes on at least two sides to partition the network.', true);
    this.app.cmd({ kind: 'partition', groups: nonEmpty });
    this.partition.close();
  }

  // ---- keyboard ----

  key(e) {
    if (e.key === 'Escape') { this.closeMenu(); this.app.select(null); return; }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e) || (e.target.tagName === 'BUTTON' && e.key === ' ')) return;
    const app = this.app, sel = app.state.selected;
    const node = sel && app.state.nodes.get(sel);
    const need = () => { app.status('Select a node first: click it, or press its number (1, 2, …).', true); };
    switch (e.key) {
      case ' ': this.togglePlay(); break;
      case 'ArrowRight': app.send({ type: 'step', n: 1 }); break;
      case 'ArrowLeft': app.send({ type: 'back' }); break;
      case 'c': node ? app.cmd({ kind: 'crash', node: sel }) : need(); break;
      case 'r': node ? app.cmd({ kind: 'restart', node: sel }) : need(); break;
      case 'z': node ? app.cmd({ kind: node.status === 'paused' ? 'resume' : 'pause', node: sel }) : need(); break;
      case 'p': this.openPartition(); break;
      case 'h': app.cmd({ kind: 'heal' }); break;
      case 'm': app.cmd({ kind: 'manual', on: !app.state.manual }); break;
      case 'd': app.send(app.state.compare ? { type: 'compare-off' } : { type: 'compare' }); break;
      case '?': this.help.showModal(); break;
      default:
        if (/^[1-9]$/.test(e.key)) {
          const id = app.state.order[Number(e.key) - 1];
          if (id) app.select(id);
          break;
        }
        return;
    }
    e.preventDefault();
  }
}
