// Features most visits never use load the first time they are wanted, so a
// pattern page's first load stays small (issue 19: at most 60 KB gzip).
//
//   const load = once(() => import('./x.js').then(...))  // imports and attaches once
//   loadOnClick(button, load)                            // the first click loads, then is replayed

export function once(load) {
  let p = null;
  return () => (p ||= load());
}

// loadOnClick holds el's first click until load() has attached the
// feature (which listens to el itself), then clicks again for it.
export function loadOnClick(el, load) {
  if (!el) return;
  el.addEventListener('click', async (e) => {
    e.preventDefault();
    e.stopImmediatePropagation();
    await load();
    el.click();
  }, { capture: true, once: true });
}

// loadStyle links a stylesheet of this version beside the module asking.
export function loadStyle(name) {
  const href = new URL(name, import.meta.url).href;
  if ([...document.querySelectorAll('link[rel="stylesheet"]')].some((l) => l.href === href)) return;
  document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href }));
}
