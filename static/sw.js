// Ichigo's service worker, served at /sw.js so that its scope is the whole app.
// webapp/pwa/shell.py puts VERSION (a hash of this file and of the shell) and SHELL (the URLs to
// precache) in front of this file; any change to them installs a new worker, which drops the old
// static cache.
//
// - /static/ and the offline page: precached, then cache first.
// - Card pages (/c/<slug>, anyone's, opened by anyone), their QR images and vCards, and the user's
//   own screens (/, /capture, /qr): network first, kept for offline use, and served from the cache
//   when the network is gone or too slow.
// - Every other page: network, else the offline page. /api/ is never cached.
// - Background Sync "ichigo-outbox": send the offline captures (static/js/outbox.js).
/* global VERSION, SHELL */
importScripts("/static/js/outbox.js");

const STATIC_CACHE = `ichigo-static-${VERSION}`;
//: pages kept for offline use; not tied to a version, so an update keeps the cards already opened
const PAGES_CACHE = "ichigo-pages-1";
const APP_PAGES = new Set(["/", "/capture", "/qr"]);
const CARD = /^\/c\/[a-z0-9]{10,32}\/?$/;
const CARD_ASSET = /^\/c\/[a-z0-9]{10,32}(?:\/qr\.(?:svg|png)|\.vcf)$/;
//: a card's QR for one of its events ("show my QR" at an event), kept beside the plain one
const EVENT_QUERY = /^\?e=[A-Za-z0-9]{1,16}$/;
const OFFLINE_URL = "/offline";
//: on a weak network, a kept page is shown after this long while the network answer still updates it
const SLOW_NETWORK_MS = 3500;
//: a page asked to be kept is fetched again only when its copy is older than this
const KEEP_FRESH_MS = 10 * 60 * 1000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload", credentials: "same-origin" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keep = new Set([STATIC_CACHE, PAGES_CACHE]);
    for (const name of await caches.keys()) {
      if (name.startsWith("ichigo-") && !keep.has(name)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function keepable(url) {
  if (url.origin !== self.location.origin) return false;
  if (CARD.test(url.pathname)) return true;
  if (CARD_ASSET.test(url.pathname)) return url.search === "" || EVENT_QUERY.test(url.search) || url.pathname.endsWith(".png");
  return APP_PAGES.has(url.pathname) && url.search === "";
}

// The user's own screens come with `Cache-Control: no-store`, as does every answer to a logged-in
// browser: that keeps them out of the HTTP cache, while this cache holds them for offline use until
// logout ("forget"). Anything else the server says not to store is not stored.
async function store(request, response) {
  if (!response || !response.ok || response.type !== "basic" || response.redirected) return;
  const own = APP_PAGES.has(new URL(request.url).pathname);
  if (!own && (response.headers.get("Cache-Control") || "").includes("no-store")) return;
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(request, response);
}

async function kept(request) {
  const cache = await caches.open(PAGES_CACHE);
  const options = { ignoreVary: true };
  const hit = await cache.match(request, options);
  if (hit) return hit;
  // A card opened with or without ?e=<event> is the same card offline.
  if (CARD.test(new URL(request.url).pathname)) return cache.match(request, { ...options, ignoreSearch: true });
  return caches.match(request, options); // the precached manifest
}

async function networkFirst(event, { navigation }) {
  const { request } = event;
  const url = new URL(request.url);
  const network = fetch(request).then(async (response) => {
    if (keepable(url)) await store(request, response.clone());
    return response;
  });
  event.waitUntil(network.catch(() => undefined));
  const copy = await kept(request);
  try {
    if (!copy) return await network;
    const slow = new Promise((resolve) => setTimeout(() => resolve(copy), SLOW_NETWORK_MS));
    return await Promise.race([network, slow]);
  } catch (error) {
    if (copy) return copy;
    if (navigation) return (await caches.match(OFFLINE_URL)) || Response.error();
    return Response.error();
  }
}

async function cacheFirst(event) {
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(event.request, { ignoreSearch: true, ignoreVary: true });
  if (hit) return hit;
  const response = await fetch(event.request);
  if (response.ok && response.type === "basic") event.waitUntil(cache.put(event.request, response.clone()));
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/") || url.pathname === "/sw.js") return;
  if (url.pathname.startsWith("/static/") || url.pathname === OFFLINE_URL) {
    event.respondWith(cacheFirst(event));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(event, { navigation: true }));
  } else if (CARD_ASSET.test(url.pathname) || url.pathname === "/manifest.webmanifest") {
    event.respondWith(networkFirst(event, { navigation: false }));
  }
});

// The QR decoder for phones without BarcodeDetector (static/js/scan.js): not precached (it is the
// largest file, and most phones never need it), kept when the capture page asks, so that a photo of a
// code can be read offline too.
const DECODER = new Set(["/static/js/qr-worker.js", "/static/vendor/jsqr/jsQR.js"]);

async function keepStatic(url) {
  const cache = await caches.open(STATIC_CACHE);
  if (await cache.match(url.href, { ignoreSearch: true })) return;
  try {
    const response = await fetch(url.href);
    if (response.ok && response.type === "basic") await cache.put(url.href, response);
  } catch (error) {
    // offline: the next visit of the capture page asks again
  }
}

// Pages ask to keep URLs they will want offline (the home screen: my card, my QR, the capture page;
// a card page: itself, as the worker was not there yet when it loaded; the capture page: the decoder).
function keepUrls(urls) {
  return Promise.all((urls || []).map(async (raw) => {
    const url = new URL(raw, self.location.origin);
    if (url.origin === self.location.origin && DECODER.has(url.pathname)) return keepStatic(url);
    if (!keepable(url)) return;
    const cache = await caches.open(PAGES_CACHE);
    const copy = await cache.match(url.href, { ignoreVary: true });
    const age = copy ? Date.now() - Date.parse(copy.headers.get("Date") || "") : Infinity;
    if (age < KEEP_FRESH_MS) return; // kept a moment ago: spare the phone's data
    try {
      const request = new Request(url.href, { credentials: "same-origin" });
      await store(request, await fetch(request, { cache: "no-cache" }));
    } catch (error) {
      // offline or refused: the next visit tries again
    }
  }));
}

// After logging out: the private screens are dropped; cards are public and stay.
async function forgetPrivate() {
  const cache = await caches.open(PAGES_CACHE);
  for (const path of APP_PAGES) await cache.delete(new URL(path, self.location.origin).href, { ignoreVary: true });
}

self.addEventListener("message", (event) => {
  const message = event.data || {};
  let work = null;
  if (message.type === "keep") work = keepUrls(message.urls);
  else if (message.type === "forget") work = forgetPrivate();
  else if (message.type === "sync") work = self.ichigoOutbox.sync();
  if (!work) return;
  event.waitUntil(work.then(() => {
    if (event.source) event.source.postMessage({ type: `${message.type}-done` });
  }));
});

self.addEventListener("sync", (event) => {
  if (event.tag !== self.ichigoOutbox.SYNC_TAG) return;
  // The browser fires this when the network is back: what failed for want of it goes now.
  event.waitUntil(self.ichigoOutbox.sync({ afterOffline: true }).then((outcome) => {
    // A rejected promise tells the browser to try again later (with its own backoff).
    if (outcome.offline) throw new Error("still offline");
    if (outcome.retryAt) throw new Error("the server failed; some captures wait to be retried");
  }));
});
