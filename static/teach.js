// A pattern page's teacher tools: Present, Share link and Embed in the page
// header, and the way back to a room a visitor took a copy from. The tools
// themselves (room.js and room.css) load when a button is first pressed, or
// at once when a presenter comes back to a room (its secret in the URL or
// this tab's storage), so a learner's first load does not carry them.
import { h, $, fmtCode } from './dom.js';
import { once, loadStyle } from './lazy.js';

const root = document.getElementById('app');
const app = window.clusterscope;

const tools = once(async () => {
  loadStyle('room.css');
  const { PatternTools } = await import('./room.js');
  window.clusterscopeRoom = new PatternTools(app, root);
  return window.clusterscopeRoom;
});

function addButtons() {
  // In the page header's teacher tools when the page has them, apart from
  // the controls a learner plays with.
  const bar = document.querySelector('[data-view="teach"]') || $('.controls', root);
  if (!bar) return;
  const button = (action, title, text, use) =>
    h('button', { type: 'button', 'data-action': action, title, onclick: async () => use(await tools()) }, text);
  bar.append(h('div', { class: 'group room-tools' },
    button('present', 'Show this run to a room: followers join with a code', 'Present', (t) => t.open()),
    button('share', 'A link that reproduces this run at this step', 'Share link', (t) => t.share()),
    button('embed', 'Put this cluster in your own page', 'Embed', (t) => t.embedDialog())));
}

function rejoinBanner() {
  const m = /(?:^#|&)rejoin=([A-Za-z0-9-]+)/.exec(location.hash);
  if (!m) return;
  const code = m[1];
  loadStyle('room.css');
  $('.intro', root)?.after(h('p', { class: 'rejoin-banner', 'data-view': 'rejoin' },
    'You are exploring your own copy of room ', h('b', {}, fmtCode(code)), '’s run. ',
    h('a', { href: `/join/${encodeURIComponent(code)}`, 'data-action': 'rejoin' }, 'Rejoin the room')));
}

// A presenter coming back (room.js resumeOffer takes it from here).
function presenting() {
  if (/(?:^#|&)present=/.test(location.hash)) return true;
  try { return !!sessionStorage.getItem('clusterscope-room:' + root.dataset.pattern); } catch { return false; }
}

if (root && app && !root.dataset.embed && root.dataset.role !== 'follower') {
  addButtons();
  rejoinBanner();
  if (presenting()) tools();
}
