// The offline capture outbox: a capture waits in IndexedDB until the server has confirmed it.
//
// A classic script on purpose: pages load it with <script defer>, and the service worker loads the
// very same file with importScripts() to send the outbox from Background Sync. It defines
// self.ichigoOutbox.
//
// Rules (issue 5): an item leaves the outbox only after a 2xx whose body echoes its client_id; a 401
// keeps it and asks the user to log in; a validation error keeps it, marked for fixing; anything
// else (offline, 5xx, an expired CSRF token) keeps it for the next try. The server stores a
// client_id once, so a capture sent twice (a lost answer, two tabs) is still one person.
(function (scope) {
  "use strict";

  const DB_NAME = "ichigo";
  const STORE = "outbox";
  const LOCK = "ichigo-outbox";
  const CHANNEL = "ichigo-outbox";
  const SYNC_TAG = "ichigo-outbox";
  const BATCH = 50;
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

  async function session() {
    const response = await fetch("/api/v1/session", {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }, signal: deadline(),
    });
    if (!response.ok) throw new Error(`session: HTTP ${response.status}`);
    return response.json();
  }

  function echoes(answer, item) {
    return Boolean(answer && answer.status >= 200 && answer.status < 300 && answer.result &&
      String(answer.result.client_id).toLowerCase() === String(item.client_id).toLowerCase());
  }

  // Send what waits. Answers {sent, waiting, offline, needsLogin, results: {client_id: result|error}}.
  function sync() {
    return withLock(async () => {
      const outcome = { sent: 0, waiting: 0, offline: false, needsLogin: false, results: {} };
      const items = await list();
      if (!items.length) return outcome;
      let me;
      try {
        me = await session();
      } catch (error) {
        outcome.offline = true;
        outcome.waiting = items.length;
        return outcome;
      }
      if (!me.authenticated) {
        for (const item of items) if (item.state === WAITING) await put({ ...item, state: LOGIN });
        outcome.needsLogin = true;
        outcome.waiting = items.length;
        changed();
        return outcome;
      }
      const mine = items.filter((item) => (item.user_id == null || item.user_id === me.user_id) &&
        (item.state === WAITING || item.state === LOGIN));
      for (let start = 0; start < mine.length; start += BATCH) {
        const chunk = mine.slice(start, start + BATCH);
        let response;
        try {
          response = await fetch("/api/v1/captures/batch", {
            method: "POST",
            credentials: "same-origin",
            cache: "no-store",
            headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": me.csrf_token },
            body: JSON.stringify(chunk.map((item) => item.capture)),
            signal: deadline(),
          });
        } catch (error) {
          outcome.offline = true;
          break;
        }
        if (response.status === 401) {
          for (const item of chunk) await put({ ...item, state: LOGIN });
          outcome.needsLogin = true;
          break;
        }
        let body = null;
        try {
          body = response.ok ? await response.json() : null;
        } catch (error) {
          body = null; // not JSON, or the answer was cut off: the server may have stored it; resent later
        }
        if (!body || !Array.isArray(body.items)) break; // 5xx, 400, 413, a proxy's page: try later
        for (let i = 0; i < chunk.length; i += 1) {
          const item = chunk[i];
          const answer = body.items[i];
          if (echoes(answer, item)) {
            await remove(item.client_id);
            outcome.sent += 1;
            outcome.results[item.client_id] = answer.result;
          } else if (answer && answer.error) {
            const state = answer.status === 422 ? INVALID : REJECTED;
            await put({ ...item, state, error: answer.error });
            outcome.results[item.client_id] = { error: answer.error, status: answer.status };
          }
        }
      }
      outcome.waiting = await count();
      changed();
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
    SYNC_TAG, WAITING, LOGIN, INVALID, REJECTED,
  };
})(self);
