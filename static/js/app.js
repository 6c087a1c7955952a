// Every app screen: register the service worker, keep the user's own screens for offline use,
// send waiting captures (when a page opens and when the network returns), show how many wait, and
// fold the bottom bar's "More" menu when a tap lands elsewhere.

const outbox = self.ichigoOutbox;
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? "";
//: the page says who is logged in ("" when nobody is); the offline page does not say
const userMeta = document.querySelector('meta[name="ichigo-user"]');
const userId = userMeta && userMeta.content ? Number(userMeta.content) : null;

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active;
    if (!worker) return;
    if (userMeta && userId === null) {
      worker.postMessage({ type: "forget" }); // logged out: drop the private screens
      return;
    }
    const urls = meta("ichigo-keep").split(/\s+/).filter(Boolean);
    if (urls.length) worker.postMessage({ type: "keep", urls });
  } catch (error) {
    // No service worker (private mode, an old browser): the app still works online.
  }
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? String(values[key]) : ""));
}

let retryTimer = null;
let countdown = null;

// The next automatic try, when captures wait after a failure: a timer sends the outbox then (the
// outbox's own backoff decides when), and the box counts down to it.
function scheduleRetry(items) {
  const now = new Date().toISOString();  // one already due goes with the next page or capture, not now
  const next = items.filter((item) => item.state === outbox.WAITING && item.retry_at && item.retry_at > now)
    .sort((a, b) => (a.retry_at < b.retry_at ? -1 : 1))[0];
  clearTimeout(retryTimer);
  clearInterval(countdown);
  for (const line of document.querySelectorAll("[data-outbox-retry]")) line.hidden = !next;
  if (!next) return;
  const show = () => {
    const seconds = Math.max(0, Math.ceil((new Date(next.retry_at).getTime() - Date.now()) / 1000));
    for (const box of document.querySelectorAll("[data-outbox]")) {
      const template = next.failure === outbox.SERVER ? box.dataset.retryServer : box.dataset.retryNetwork;
      box.querySelector("[data-outbox-retry]").textContent = fill(template, {
        seconds, status: next.status ? `HTTP ${next.status}` : "?" });
    }
  };
  show();
  countdown = setInterval(show, 1000);
  retryTimer = setTimeout(() => send(), Math.max(0, new Date(next.retry_at).getTime() - Date.now()) + 50);
}

// <div data-outbox> (templates/pwa/_outbox.html): how many captures wait, and which need a fix.
async function render() {
  if (!outbox) return;
  const boxes = document.querySelectorAll("[data-outbox]");
  let items = [];
  try {
    items = await outbox.list();
  } catch (error) {
    return; // IndexedDB refused (private mode): nothing was queued either
  }
  for (const box of boxes) {
    const waiting = items.filter((item) => item.state !== outbox.INVALID && item.state !== outbox.REJECTED);
    const broken = items.filter((item) => item.state === outbox.INVALID || item.state === outbox.REJECTED);
    box.hidden = items.length === 0;
    const count = box.querySelector("[data-outbox-count]");
    count.textContent = fill(box.dataset.waiting, { n: waiting.length });
    count.hidden = waiting.length === 0;
    box.querySelector("[data-outbox-login]").hidden = !items.some((item) => item.state === outbox.LOGIN);
    const list = box.querySelector("[data-outbox-problems]");
    list.replaceChildren(...broken.map((item) => {
      const li = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/capture#fix=${encodeURIComponent(item.client_id)}`;
      link.textContent = fill(box.dataset.fix, { name: item.capture.name || "?" });
      li.append(link);
      return li;
    }));
    list.hidden = broken.length === 0;
    box.dataset.count = String(items.length);
  }
  scheduleRetry(items);
}

async function send({ afterOffline = false } = {}) {
  if (!outbox || !navigator.onLine) return;
  try {
    if ((await outbox.count()) > 0) await outbox.sync({ afterOffline });
  } catch (error) {
    // kept for the next try
  }
}

if (outbox) {
  outbox.onChange(render);
  window.addEventListener("online", () => send({ afterOffline: true }));
  render().then(() => send());
}
registerWorker();

// The bottom bar's "More" (a <details>): a tap elsewhere or Escape folds it again.
const more = document.querySelector(".tabbar-more");
if (more) {
  document.addEventListener("click", (event) => {
    if (more.open && !more.contains(event.target)) more.open = false;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && more.open) {
      more.open = false;
      more.querySelector("summary").focus();
    }
  });
}
