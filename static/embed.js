// The embed page: plays on load when asked (autoplay=1), and tells the page
// that frames it where the run stands, so a workshop page can follow along
// (window 'message' events with source 'clusterscope'). Only the step and
// virtual time are posted: nothing that could drive the run.
const root = document.getElementById('app');
const app = window.clusterscope;

if (root && app) {
  let started = false;
  let last = 0;
  let timer = null;
  const post = () => {
    timer = null;
    last = performance.now();
    const st = app.state;
    window.parent.postMessage({ source: 'clusterscope', type: 'step', pattern: root.dataset.pattern, step: st.step, time: st.time, playing: st.play.playing }, '*');
  };
  document.addEventListener('clusterscope:frame', (e) => {
    const f = e.detail;
    if (f.story) window.clusterscopeStory = f.story;
    if (f.type === 'snapshot' && !started) {
      started = true;
      const scenario = root.dataset.scenario;
      if (scenario) {
        // A scenario plays in the server's session (web/story.go); autoplay
        // moves it on one narration at a time, stopping at a question.
        app.send({ type: 'scenario', name: scenario });
        if (root.dataset.autoplay === 'true') {
          const tick = setInterval(() => {
            const s = app.state.story || window.clusterscopeStory;
            if (s && (s.done || s.waiting)) return clearInterval(tick);
            app.send({ type: 'scenario-next' });
          }, 4000);
        }
      } else if (root.dataset.autoplay === 'true') app.send({ type: 'play' });
    }
    if (window.parent === window || (f.type !== 'snapshot' && f.type !== 'delta')) return;
    // At most five messages a second while playing.
    if (!timer) timer = setTimeout(post, Math.max(0, 200 - (performance.now() - last)));
  });
}
