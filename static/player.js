// The scenario player beside the cluster. The story plays in the server's
// session (web/story.go), on the same cluster the page shows; this module
// only draws the player's state (frame.story) and sends the learner's
// clicks:
//
//   {type:'scenario', name}          open a scenario of this pattern
//   {type:'scenario', name, yaml}    open a scenario file (upload or URL)
//   {type:'scenario-next'|'scenario-prev'|'scenario-restart'|'scenario-resume'|'scenario-close'}
//   {type:'answer', choice}          answer the question the story stopped at
//
//   const player = attachPlayer(app)  // app: { root, state, send(msg), status(text, isError) }
//   player.frame(f)                   // every frame
//   player.urlName()                  // the scenario to keep in the page URL, or ''
import { $, $$ } from './dom.js';
import { once } from './lazy.js';

// The WebSocket read limit is 64 KiB; JSON escaping needs room.
const MAX_UPLOAD = 56 * 1024;

export function attachPlayer(app) {
  const root = app.root;
  const box = $('[data-view="story"]', root);
  if (!box) return { frame() {}, urlName: () => '' };
  let story = null; // the last storyWire
  let wanted = new URLSearchParams(location.search).get('scenario'); // opened once the run is there
  // The story's own view (story.js) loads when a story first opens.
  let show = null;
  const loadStory = once(() => import('./story.js').then((m) => { show = m.storyView(app, box); show(story); }));

  const send = (msg) => app.send(msg);
  const open = (name) => send({ type: 'scenario', name });
  // A file travels in one WebSocket message, which the server caps at 64 KiB.
  const sendFile = (name, yaml) => {
    const msg = { type: 'scenario', name, yaml };
    if (new Blob([JSON.stringify(msg)]).size > 63 * 1024) {
      app.status(`${name} is too big to open here (at most about ${MAX_UPLOAD / 1024} KiB); serve it with clusterscope serve --lessons DIR.`, true);
      return;
    }
    send(msg);
  };

  // The pattern page lists the scenarios in the player (ScenarioList).
  for (const b of $$('button[data-scenario]', document)) {
    b.addEventListener('click', () => {
      open(b.dataset.scenario);
      box.scrollIntoView({ block: 'nearest' });
    });
  }

  const fileInput = $('input[type="file"][data-action="scenario-file"]', box);
  const urlForm = $('form[data-action="scenario-url"]', box);
  const exportLink = $('a[data-action="export-scenario"]', box);

  fileInput.addEventListener('change', async () => {
    const f = fileInput.files && fileInput.files[0];
    fileInput.value = '';
    if (!f) return;
    if (f.size > MAX_UPLOAD) {
      app.status(`${f.name} is ${Math.round(f.size / 1024)} KiB; the player opens files up to ${MAX_UPLOAD / 1024} KiB (serve bigger ones with clusterscope serve --lessons DIR).`, true);
      return;
    }
    sendFile(f.name, await f.text());
  });
  urlForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('input', urlForm);
    const raw = input.value.trim();
    if (!raw) return;
    let url;
    try { url = new URL(raw, location.href); } catch { app.status(`${raw} is not a URL.`, true); return; }
    if (url.origin !== location.origin) {
      app.status('The player opens scenario files from this server only (for example /lessons/leader-and-followers/1-election.yaml); download the file and open it instead.', true);
      return;
    }
    try {
      const res = await fetch(url, { credentials: 'same-origin' });
      if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
      const text = await res.text();
      if (text.length > MAX_UPLOAD) throw new Error(`the file is too big (${Math.round(text.length / 1024)} KiB)`);
      sendFile(url.pathname.split('/').pop() || 'scenario.yaml', text);
    } catch (err) {
      app.status(`Could not open ${url.pathname}: ${err.message}`, true);
    }
  });

  function render() {
    const sess = app.state.session;
    if (sess) {
      exportLink.href = `/session/${encodeURIComponent(sess)}/scenario.yaml?key=${encodeURIComponent(app.state.exportKey || '')}`;
      exportLink.removeAttribute('aria-disabled');
    }
    if (show) show(story);
    else if (story && story.active) loadStory();
  }

  return {
    frame(f) {
      if (f.type === 'snapshot') {
        story = f.story || null;
        if (wanted && !(story && story.active && story.name === wanted)) open(wanted);
        wanted = null;
        render();
      } else if (f.story) {
        story = f.story;
        render();
      }
    },
    urlName() {
      return story && story.active && story.following && story.source !== 'upload' ? story.name : '';
    },
  };
}
