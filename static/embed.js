// The embed page: plays on load when asked (autoplay=1), and tells the page
// that frames it where the run stands, so a workshop page can follow along
// (window 'message' events with source 'clusterscope'). Only the step and
// virtual time are posted: nothing that could drive the run.
//
// With a scenario (?scenario=NAME, opened by player.js like on the pattern
// page) the story's narration shows beside the cluster; autoplay then moves
// the story on one part at a time, leaving each part up long enough to read
// it, and stops at a question (the reader answers, and it goes on), at the
// end, or when the reader takes over the cluster.
const root = document.getElementById('app');
const app = window.clusterscope;

const MIN_READ_MS = 4000;
const MAX_READ_MS = 15000;

// readingTime: about 220 words a minute for what the current part says.
export function readingTime(story) {
  let words = 0;
  for (const it of story.items || []) {
    if (it.chunk !== story.chunk || (it.kind !== 'say' && it.kind !== 'question')) continue;
    words += String(it.html || '').replace(/<[^>]*>/g, ' ').split(/\s+/).filter(Boolean).length;
  }
  return Math.min(MAX_READ_MS, Math.max(MIN_READ_MS, 1500 + words * 270));
}

if (root && app) {
  let started = false;
  let last = 0;
  let timer = null;
  const autoplay = root.dataset.autoplay === 'true';
  const scenario = root.dataset.scenario;
  let story = null;
  let storyKey = '';
  let nextTimer = null;

  const post = () => {
    timer = null;
    last = performance.now();
    const st = app.state;
    window.parent.postMessage({ source: 'clusterscope', type: 'step', pattern: root.dataset.pattern, step: st.step, time: st.time, playing: st.play.playing }, '*');
  };

  // One timer per part of the story: a new part (or an answer given) starts
  // it again; anything else leaves it running.
  const paceStory = () => {
    const key = story ? [story.name, story.chunk, story.waiting, story.done, story.following].join('|') : '';
    if (key === storyKey) return;
    storyKey = key;
    clearTimeout(nextTimer);
    if (!story || !story.active || story.done || story.waiting || !story.following) return;
    nextTimer = setTimeout(() => app.send({ type: 'scenario-next' }), readingTime(story));
  };

  document.addEventListener('clusterscope:frame', (e) => {
    const f = e.detail;
    if (f.type === 'snapshot' && !started) {
      started = true;
      if (root.dataset.compareOnLoad === 'true') app.send({ type: 'compare' });
      if (autoplay && !scenario) app.send({ type: 'play' });
    }
    if (f.story || f.type === 'snapshot') story = f.story || null;
    if (autoplay && scenario) paceStory();
    if (window.parent === window || (f.type !== 'snapshot' && f.type !== 'delta')) return;
    // At most five messages a second while playing.
    if (!timer) timer = setTimeout(post, Math.max(0, 200 - (performance.now() - last)));
  });
}
