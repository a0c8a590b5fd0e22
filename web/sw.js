// greenside's service worker: the page, its script and style, the npm
// package (JS and wasm) and the course data are cached, so the page loads and
// keeps classifying without signal after its first visit. Network first (an
// online page is always current), the cache when the network fails. Session
// writes are never cached or replayed here: the page's outbox does that.
const CACHE = 'greenside-v1';
// Both entries of the package: the classification one the page loads first,
// the full one (the tracker) it loads when tracking starts, and their glue.
const SHELL = ['/', '/app/app.js', '/app/style.css', '/pkg/greenside_classify.js', '/pkg/greenside_classify_bg.wasm',
  '/pkg/greenside.js', '/pkg/greenside_bg.wasm', '/pkg/snippets/greenside-classify/glue.js', '/api/courses'];

// The shell, then every course the registry lists (the page loads one before it can draw).
async function precache() {
  const cache = await caches.open(CACHE);
  await cache.addAll(SHELL);
  const list = await (await cache.match('/api/courses')).json();
  await cache.addAll(list.courses.filter((c) => c.available).map((c) => `/api/courses/${encodeURIComponent(c.course_id)}`));
}

self.addEventListener('install', (ev) => {
  ev.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function cacheable(url) {
  return url.origin === self.location.origin && (SHELL.includes(url.pathname) || url.pathname.startsWith('/api/courses/'));
}

self.addEventListener('fetch', (ev) => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== 'GET' || !cacheable(url)) return;
  ev.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const fresh = await fetch(ev.request);
      if (fresh.ok) await cache.put(ev.request, fresh.clone());
      return fresh;
    } catch (err) {
      // ignoreVary: with CORS on, answers carry `Vary: origin`; the cached
      // page and package are the same whatever the request's origin header.
      const hit = await cache.match(ev.request, { ignoreSearch: true, ignoreVary: true });
      if (hit) return hit;
      throw err;
    }
  })());
});
