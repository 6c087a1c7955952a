// Every app screen: register the service worker, keep the user's own screens for offline use,
// send waiting captures (when a page opens and when the network returns), and show how many wait.

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

// <div data-outbox> (templates/pwa/_outbox.html): how many captures wait, and which need a fix.
async function render() {
  const boxes = document.querySelectorAll("[data-outbox]");
  if (!boxes.length || !outbox) return;
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
}

async function send() {
  if (!outbox || !navigator.onLine) return;
  try {
    if ((await outbox.count()) > 0) await outbox.sync();
  } catch (error) {
    // kept for the next try
  }
}

if (outbox) {
  outbox.onChange(render);
  window.addEventListener("online", send);
  render().then(send);
}
registerWorker();
