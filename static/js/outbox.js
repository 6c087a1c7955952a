// The offline capture outbox: a capture waits in IndexedDB until the server has confirmed it.
//
// A classic script on purpose: pages load it with <script defer>, and the service worker loads the
// very same file with importScripts() to send the outbox from Background Sync. It defines
// self.ichigoOutbox.
//
// What each answer does to an item (issues 5 and 12). The batch answers one result per item; an
// item is never resent as it is when the answer would not change, and never in a tight loop:
//   2xx that echoes its client_id     stored: it leaves the outbox
//   401 (the whole batch)             kept, "log in to send" (LOGIN); sent once logged in
//   422 for the item                  kept for the user to fix (INVALID), with the server's message
//   409 for the item                  its client_id was used for another capture: kept (REJECTED);
//                                     the fix sends it as a new capture
//   any other 4xx (item or batch)     kept (REJECTED) with the server's message, not resent as is:
//                                     400, 403, 404, 405, 413 for one item, 415, 422 for the batch
//   413 for several items             split in halves and sent again at once
//   5xx, 408, 429, 400 csrf_failed,   kept and retried with exponential backoff (5 s doubling to
//   a network error or timeout        15 min, with jitter; 429's Retry-After is honoured); the
//                                     screen says so and when the next try is (retry_at, failure)
//   offline (navigator.onLine false)  kept; sent when the network is back, backoff or not
// The server stores a client_id once, so a capture sent twice (a lost answer, two tabs) is still
// one person.
(function (scope) {
  "use strict";

  const DB_NAME = "ichigo";
  const STORE = "outbox";
  const LOCK = "ichigo-outbox";
  const CHANNEL = "ichigo-outbox";
  const SYNC_TAG = "ichigo-outbox";
  const BATCH = 50;
  //: backoff after a failure not of the item's making: 5 s, 10 s, 20 s… up to 15 min, each drawn
  //: between half and all of it (jitter), so phones that failed together do not retry together
  const BACKOFF_BASE_MS = 5000;
  const BACKOFF_CAP_MS = 15 * 60 * 1000;
  const SERVER = "server";
  const NETWORK = "network";
  //: a request that hangs on a weak network is given up after this; the capture stays and is resent
  const TIMEOUT_MS = 20000;
  const deadline = () => (typeof AbortSignal !== "undefined" && AbortSignal.timeout ? AbortSignal.timeout(TIMEOUT_MS) : undefined);
  //: states an item is in; "invalid" and "rejected" wait for the user to edit them
  const WAITING = "waiting";
  const LOGIN = "login";
  const INVALID = "invalid";
  const REJECTED = "rejected";

  const listeners = new Set();
  const channel = "BroadcastChannel" in scope ? new BroadcastChannel(CHANNEL) : null;
  if (channel) channel.onmessage = () => listeners.forEach((fn) => fn());

  function changed() {
    listeners.forEach((fn) => fn());
    if (channel) channel.postMessage("changed");
  }

  function onChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  }

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "client_id" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  // One transaction; `work` gets the store and returns an IDBRequest (or nothing).
  async function withStore(mode, work) {
    const db = await open();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = work(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(request ? request.result : undefined);
        tx.onerror = tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
      });
    } finally {
      db.close();
    }
  }

  async function list() {
    const items = (await withStore("readonly", (store) => store.getAll())) || [];
    return items.sort((a, b) => (a.queued_at < b.queued_at ? -1 : a.queued_at > b.queued_at ? 1 : 0));
  }

  const get = (clientId) => withStore("readonly", (store) => store.get(clientId));
  const count = () => withStore("readonly", (store) => store.count());
  const put = (item) => withStore("readwrite", (store) => store.put(item));
  const remove = (clientId) => withStore("readwrite", (store) => store.delete(clientId));

  // Queue a capture (the JSON body of POST /api/v1/captures). Saving an item again, after a fix,
  // replaces it and makes it wait to be sent.
  async function add(capture, { userId = null } = {}) {
    const previous = await get(capture.client_id);
    const item = {
      client_id: capture.client_id,
      capture,
      user_id: userId,
      queued_at: previous ? previous.queued_at : new Date().toISOString(),
      state: WAITING,
      error: null,
    };
    await put(item);
    changed();
    return item;
  }

  async function discard(clientId) {
    await remove(clientId);
    changed();
  }

  function withLock(work) {
    // One sender at a time across tabs and the service worker (Web Locks where the browser has them).
    if (scope.navigator && scope.navigator.locks) return scope.navigator.locks.request(LOCK, work);
    return work();
  }

  function echoes(answer, item) {
    return Boolean(answer && answer.status >= 200 && answer.status < 300 && answer.result &&
      String(answer.result.client_id).toLowerCase() === String(item.client_id).toLowerCase());
  }

  function backoff(attempts, retryAfterSeconds) {
    const exponential = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
    const wait = exponential * (0.5 + Math.random() / 2);
    return Math.max(wait, (retryAfterSeconds || 0) * 1000);
  }

  // Keep the item for a later try: the failure ("server" or "network"), its HTTP status, and when.
  function later(item, failure, { status = null, error = null, retryAfter = null } = {}) {
    const attempts = (item.attempts || 0) + 1;
    return put({ ...item, state: WAITING, attempts, failure, status, error,
      retry_at: new Date(Date.now() + backoff(attempts, retryAfter)).toISOString() });
  }

  function due(item, { afterOffline = false } = {}) {
    if (!item.retry_at) return true;
    if (afterOffline && item.failure === NETWORK) return true; // the network is back: try now
    return new Date(item.retry_at).getTime() <= Date.now();
  }

  // A 4xx that will not change for the same body, as opposed to one worth trying again.
  function final(status, code) {
    if (status === 408 || status === 429) return false;
    if (status === 400 && code === "csrf_failed") return false;
    return status >= 400 && status < 500;
  }

  async function fetchJson(url, options) {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store", signal: deadline(), ...options });
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null; // not JSON (a proxy's page), or the answer was cut off
    }
    return { response, body };
  }

  function retryAfterOf(response) {
    const seconds = Number(response.headers.get("Retry-After"));
    return Number.isFinite(seconds) ? seconds : null;
  }

  // Send one chunk; resolves when every item of it is settled (stored, kept for later, or to fix).
  async function send(chunk, me, outcome) {
    let response;
    let body;
    try {
      ({ response, body } = await fetchJson("/api/v1/captures/batch", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": me.csrf_token },
        body: JSON.stringify(chunk.map((item) => item.capture)),
      }));
    } catch (error) {
      for (const item of chunk) await later(item, NETWORK);
      outcome.retrying += chunk.length;
      return;
    }
    if (response.status === 401) {
      for (const item of chunk) await put({ ...item, state: LOGIN });
      outcome.needsLogin = true;
      return;
    }
    if (response.status === 413 && chunk.length > 1) {
      const half = Math.ceil(chunk.length / 2);
      await send(chunk.slice(0, half), me, outcome);
      await send(chunk.slice(half), me, outcome);
      return;
    }
    const error = body && body.error ? body.error : null;
    if (!response.ok || !body || !Array.isArray(body.items)) {
      if (final(response.status, error && error.code)) {
        for (const item of chunk) {
          await put({ ...item, state: REJECTED, status: response.status, error });
          outcome.results[item.client_id] = { error, status: response.status };
        }
        return;
      }
      for (const item of chunk) {
        await later(item, SERVER, { status: response.status, error, retryAfter: retryAfterOf(response) });
      }
      outcome.retrying += chunk.length;
      return;
    }
    for (let i = 0; i < chunk.length; i += 1) {
      const item = chunk[i];
      const answer = body.items[i];
      if (echoes(answer, item)) {
        await remove(item.client_id);
        outcome.sent += 1;
        outcome.results[item.client_id] = answer.result;
      } else if (answer && final(answer.status, answer.error && answer.error.code)) {
        const state = answer.status === 422 ? INVALID : REJECTED;
        await put({ ...item, state, status: answer.status, error: answer.error });
        outcome.results[item.client_id] = { error: answer.error, status: answer.status };
      } else {
        await later(item, SERVER, { status: answer ? answer.status : null, error: answer ? answer.error : null });
        outcome.retrying += 1;
      }
    }
  }

  // Send what waits and is due. `afterOffline`: the network just came back, so items that failed
  // for want of it go now. Answers {sent, waiting, retrying, offline, needsLogin, retryAt, results}.
  function sync({ afterOffline = false } = {}) {
    return withLock(async () => {
      const outcome = { sent: 0, waiting: 0, retrying: 0, offline: false, needsLogin: false, retryAt: null, results: {} };
      const items = await list();
      if (!items.length) return outcome;
      let me;
      try {
        const { response, body } = await fetchJson("/api/v1/session", { headers: { Accept: "application/json" } });
        if (!response.ok || !body) throw new Error(`session: HTTP ${response.status}`);
        me = body;
      } catch (error) {
        outcome.offline = true; // or the server is down: every item waits, none is worn out by it
      }
      if (me && !me.authenticated) {
        for (const item of items) if (item.state === WAITING) await put({ ...item, state: LOGIN });
        outcome.needsLogin = true;
        changed();
      } else if (me) {
        const mine = items.filter((item) => (item.user_id == null || item.user_id === me.user_id) &&
          (item.state === WAITING || item.state === LOGIN) && due(item, { afterOffline }));
        for (let start = 0; start < mine.length && !outcome.needsLogin; start += BATCH) {
          await send(mine.slice(start, start + BATCH), me, outcome);
        }
        changed();
      }
      const left = await list();
      outcome.waiting = left.length;
      const next = left.filter((item) => item.state === WAITING && item.retry_at).map((item) => item.retry_at).sort()[0];
      outcome.retryAt = next || null;
      return outcome;
    });
  }

  // Ask the service worker to send the outbox when the network is back, even if the tab is closed.
  async function requestBackgroundSync() {
    try {
      const registration = await scope.navigator.serviceWorker.ready;
      if (registration.sync) await registration.sync.register(SYNC_TAG);
    } catch (error) {
      // No Background Sync here (Safari, Firefox): pages send the outbox when they open or go online.
    }
  }

  scope.ichigoOutbox = {
    add, discard, get, list, count, sync, onChange, requestBackgroundSync,
    SYNC_TAG, WAITING, LOGIN, INVALID, REJECTED, SERVER, NETWORK,
  };
})(self);
