// The scenario player's story: an open scenario's parts, questions and
// checks, and the buttons and keys that move through it. player.js loads
// this module when a story first opens (most visits never open one, and a
// pattern page's first load is kept small, issue 19).
//
//   const show = storyView(app, box)  // box: the player's data-view="story"
//   show(story)                       // every story frame (storyWire, or null)
import { $, h, typing, reducedMotion } from './dom.js';

// Narration, questions and explanations arrive as HTML rendered by the
// server from Markdown with raw HTML off and unsafe links dropped. As a
// second line of defence only plain document elements and safe attributes
// survive here.
const ALLOWED = new Set(['P', 'EM', 'STRONG', 'CODE', 'PRE', 'A', 'UL', 'OL', 'LI', 'BLOCKQUOTE', 'BR', 'HR', 'DEL',
  'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'IMG', 'SPAN']);
const ATTRS = new Set(['href', 'title', 'alt', 'src', 'id', 'align']);

export function safeHTML(html) {
  const tpl = document.createElement('template');
  tpl.innerHTML = html || '';
  const walk = (node) => {
    for (const el of [...node.children]) {
      if (!ALLOWED.has(el.tagName)) { el.replaceWith(document.createTextNode(el.textContent)); continue; }
      for (const a of [...el.attributes]) {
        const bad = !ATTRS.has(a.name) || ((a.name === 'href' || a.name === 'src') && !/^(https?:|mailto:|#|\/|\.{0,2}\/|[^:]*$)/i.test(a.value.trim()));
        if (bad) el.removeAttribute(a.name);
      }
      if (el.tagName === 'A') { el.setAttribute('rel', 'noopener noreferrer'); el.setAttribute('target', '_blank'); }
      walk(el);
    }
  };
  walk(tpl.content);
  return tpl.content;
}

export function storyView(app, box) {
  const root = app.root;
  let story = null; // the last storyWire
  let lastItems = '';
  let wasActive = null;
  const send = (msg) => app.send(msg);
  const body = $('.story-body', box);
  const head = $('.story-head', box);
  const nav = $('.story-nav', box);
  const tools = $('details.story-tools', box);

  // Next plays the part at the page's speed (the server paces it); while
  // it plays, Next skips to its end.
  const speed = () => Number(($('[data-action="speed"]', root) || {}).value) || 1;
  const sendNext = () => send({ type: 'scenario-next', pace: !reducedMotion(), speed: speed() });
  nav.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action]');
    if (!b || b.disabled) return;
    if (b.dataset.action === 'scenario-next') sendNext();
    else send({ type: b.dataset.action });
  });
  body.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-choice]');
    if (!b || b.disabled) return;
    send({ type: 'answer', choice: Number(b.dataset.choice) });
  });
  // Keys n / b move through the story (the cluster keeps space and arrows).
  // A presenter's b blanks the screen instead (room.js).
  const next = () => { if (story.playing || !story.waiting && !story.done) sendNext(); };
  const prev = () => { if (story.chunk > 1) send({ type: 'scenario-prev' }); };
  document.addEventListener('keydown', (e) => {
    if (!story || !story.active || e.ctrlKey || e.metaKey || e.altKey) return;
    if (typing(e)) return;
    if (e.key === 'n') next();
    else if (e.key === 'b' && !document.body.classList.contains('presenting')) prev();
  });
  // A presenter's clicker (PageDown / PageUp) moves the story while one is
  // being followed, and steps the cluster otherwise.
  const following = () => story && story.active && story.following;
  document.addEventListener('clusterscope:next', (e) => { if (following()) { e.preventDefault(); next(); } });
  document.addEventListener('clusterscope:prev', (e) => { if (following()) { e.preventDefault(); prev(); } });

  function render() {
    const active = !!(story && story.active);
    box.dataset.active = String(active);
    box.dataset.following = String(active && story.following);
    box.dataset.waiting = String(active && story.waiting);
    box.dataset.done = String(active && story.done);
    box.dataset.playing = String(active && !!story.playing);
    // The file tools fold away while a story plays: the story needs the room.
    if (tools && active !== wasActive) tools.open = !active;
    wasActive = active;
    if (!active) {
      head.replaceChildren(h('h2', { text: 'Scenario' }));
      // With the pattern's scenarios listed above, they say it all.
      body.replaceChildren(...($('.scenario-list', box) ? [] : [h('p', { class: 'story-empty', text: 'No scenario is playing. Open a scenario file to play one here.' })]));
      nav.hidden = true;
      lastItems = '';
      return;
    }
    nav.hidden = false;
    const pct = story.chunks ? Math.round((100 * story.chunk) / story.chunks) : 100;
    head.replaceChildren(
      h('h2', {},
        h('span', { class: 'story-title', text: story.title }),
        h('button', { type: 'button', class: 'story-close', 'data-action': 'scenario-close', title: 'Close the scenario (the cluster stays as it is)', 'aria-label': 'Close the scenario', text: '×',
          onclick: () => send({ type: 'scenario-close' }) })),
      h('div', { class: 'story-progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': story.chunks, 'aria-valuenow': story.chunk, 'aria-label': 'Progress through the story' },
        h('span', { style: `width:${pct}%` })),
      h('p', { class: 'story-meta' },
        `Part ${story.chunk} of ${story.chunks}`,
        story.source === 'upload' ? ' · opened from a file' : story.source === 'folder' ? ' · from your lessons folder' : '',
        story.failed ? h('span', { class: 'bad', text: ` · ${story.failed} step(s) failed` }) : ''),
      // Kept in sight above the narration: the way back after taking over.
      story.following ? '' : h('div', { class: 'story-away', role: 'note' },
        h('p', { text: 'You took over: the cluster is yours to explore. The story waits where you left it.' }),
        h('button', { type: 'button', class: 'primary', 'data-action': 'scenario-resume', text: '↩ Back to the story', onclick: () => send({ type: 'scenario-resume' }) })),
    );
    // The current part in full; earlier parts folded above it.
    const parts = new Map();
    for (const it of story.items) {
      if (!parts.has(it.chunk)) parts.set(it.chunk, []);
      parts.get(it.chunk).push(it);
    }
    const children = [];
    if (story.chunk <= 1 && story.description) children.push(h('div', { class: 'story-desc' }, safeHTML(story.description)));
    const earlier = [...parts.keys()].filter((k) => k < story.chunk);
    if (earlier.length) {
      children.push(h('details', { class: 'story-earlier' },
        h('summary', { text: `Earlier (${earlier.length} part${earlier.length > 1 ? 's' : ''})` }),
        ...earlier.map((k) => h('div', { class: 'story-part' }, parts.get(k).map(item)))));
    }
    children.push(h('div', { class: 'story-part current', 'aria-live': 'polite' }, (parts.get(story.chunk) || []).map(item)));
    if (story.done && story.following) children.push(h('p', { class: 'story-end', text: story.failed ? 'The end; some steps failed (marked ✗).' : 'The end of the story. Explore on: every control acts on this cluster.' }));
    body.replaceChildren(...children);
    // New narration, or an explanation just revealed: bring it into view.
    // (Scrolls the player only, never the page.)
    const answered = story.items.filter((it) => it.picked !== undefined).length;
    const seen = story.items.length + ':' + answered;
    if (seen !== lastItems) {
      const moreItems = !lastItems.startsWith(story.items.length + ':');
      lastItems = seen;
      const top = body.getBoundingClientRect();
      const current = $('.story-part.current', body);
      const explain = $('[data-view="explain"]', current || body);
      // A question waiting for its answer comes first, then the part's start.
      const question = $('[data-view="question"][data-answered="false"]', current || body);
      if (moreItems && question) {
        const q = question.getBoundingClientRect(); // all of it in sight, or at least its top
        body.scrollTop += Math.max(0, Math.min(q.bottom - top.bottom, q.top - top.top));
      }
      else if (moreItems && current) body.scrollTop += current.getBoundingClientRect().top - top.top;
      else if (explain) body.scrollTop += Math.max(0, explain.getBoundingClientRect().bottom - top.bottom);
    }
    $('[data-action="scenario-prev"]', nav).disabled = story.chunk <= 1;
    const next = $('[data-action="scenario-next"]', nav);
    next.disabled = !story.playing && (story.done || story.waiting);
    next.textContent = story.playing ? 'Skip ▶▶' : story.waiting ? 'Answer first' : story.done ? 'The end' : 'Next ▶';
    next.title = story.playing ? 'Skip to the end of this part (n)' : story.waiting ? 'Answer the question first' : story.done ? 'The story is over' : 'Play on to the next part (n)';
  }

  function item(it) {
    const cls = ['story-item', 'k-' + it.kind, it.error ? 'failed' : ''];
    switch (it.kind) {
      case 'say':
        return h('div', { class: cls, 'data-index': it.index }, safeHTML(it.html));
      case 'question': {
        const picked = it.picked !== undefined && it.picked !== null;
        return h('div', { class: cls, 'data-index': it.index, 'data-view': 'question', 'data-answered': String(picked) },
          h('p', { class: 'q-label', text: picked ? 'Your prediction' : 'Predict' }),
          // Answered, the question folds away (a click shows it): the
          // marked choices and the explanation must fit on a 768-high screen.
          picked ? h('details', { class: 'q-text q-asked' }, h('summary', { text: 'the question' }), safeHTML(it.html)) : h('div', { class: 'q-text' }, safeHTML(it.html)),
          h('ol', { class: 'choices' }, it.choices.map((c, i) => {
            const state = !picked ? '' : i === it.answer ? 'right' : i === it.picked ? 'wrong' : '';
            // Answered, the question keeps the right choice and the one picked:
            // the explanation below must fit on the screen.
            return h('li', { hidden: picked && !state }, h('button', { type: 'button', 'data-choice': i, class: ['choice', state, picked && i === it.picked ? 'picked' : ''], disabled: picked, 'aria-pressed': picked && i === it.picked ? 'true' : 'false' },
              state === 'right' ? '✓ ' : state === 'wrong' ? '✗ ' : '', c));
          })),
          picked ? h('div', { class: ['explain', it.picked === it.answer ? 'ok' : 'bad'], 'data-view': 'explain' },
            // The choices above are marked ✓ and ✗: the verdict need not
            // repeat the answer (a long one pushed the explanation off screen).
            h('p', { class: 'verdict', text: it.picked === it.answer ? 'Right.' : 'Not quite: the answer is the one marked ✓.' }),
            safeHTML(it.explain)) : '');
      }
      // Runs, commands and checks in plain words; the scenario file's own
      // wording (a condition, a command) is one click away.
      case 'expect':
        return h('div', { class: [...cls, it.ok ? 'ok' : 'bad'], 'data-index': it.index },
          h('details', {}, h('summary', { title: 'Click for the scenario file’s own words' }, h('span', { class: 'mark', 'aria-label': it.ok ? 'held' : 'failed', text: it.ok ? '✓' : '✗' }), ' ', it.plain || it.text),
            h('span', { class: 'cond', text: 'expect ' + it.text })),
          it.error ? h('span', { class: 'why', text: it.error }) : '');
      case 'find-failure': // what the search found is the point: in full
        return h('div', { class: cls, 'data-index': it.index },
          h('p', { class: 'finding' }, h('span', { class: 'mark', text: it.error ? '✗' : '⌕' }), ' ', it.plain || it.text),
          it.open ? h('button', { type: 'button', 'data-action': 'open-failure', text: 'Open the counterexample', onclick: () => { location.search = '?' + it.open; } }) : '',
          it.error ? h('span', { class: 'why', text: it.error }) : '');
      default: // run, command
        return h('div', { class: cls, 'data-index': it.index },
          h('details', {}, h('summary', { title: 'Click for the scenario file’s own words' }, h('span', { class: 'mark', text: it.error ? '✗' : it.kind === 'run' ? '▸' : '•' }), ' ', it.plain || it.text),
            h('span', { class: 'cond', text: `${it.text} (line ${it.line})` })),
          it.error ? h('span', { class: 'why', text: it.error }) : '');
    }
  }

  return (s) => {
    story = s;
    render();
  };
}
