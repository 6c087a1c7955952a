// The public card page. The page itself is the same for everyone (cached by the server and kept
// offline by the service worker); what depends on the visitor happens here:
// - the service worker is registered and told to keep this card, so it opens again offline;
// - a visitor logged in to this server is offered "Add to my contacts" (at their active event),
//   which captures the card through the JSON API with the CSRF token of their session;
// - the owner, logged in, sees their card without the visitor's actions, and links back to the app.

const box = document.getElementById("add-contact");

async function keepOffline() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    const registration = await navigator.serviceWorker.ready;
    registration.active?.postMessage({ type: "keep", urls: [window.location.pathname + window.location.search] });
  } catch (error) {
    // no service worker: the card still works online
  }
}

const json = (response) => response.json().catch(() => ({}));

// My own card: no "save my contact" or "leave your contact for me" (that would be me writing to
// myself), but the way back into the app.
function showOwnCard() {
  for (const part of document.querySelectorAll(".card-actions, .share-back")) part.hidden = true;
  document.getElementById("own-card").hidden = false;
}

async function offerAdd() {
  if (!box || !(self.crypto && crypto.randomUUID)) return;
  let me;
  try {
    const response = await fetch("/api/v1/session", { credentials: "same-origin", cache: "no-store" });
    me = await json(response);
  } catch (error) {
    return; // offline: nothing to offer
  }
  if (me.authenticated && me.card_slug === box.dataset.slug) {
    showOwnCard();
    return;
  }
  if (!me.authenticated) return;
  const button = box.querySelector("button");
  const where = box.querySelector("[data-where]");
  const result = box.querySelector("[data-result]");
  if (me.active_event) where.textContent = box.dataset.event.replace("{event}", me.active_event.name);
  where.hidden = !me.active_event;
  box.hidden = false;
  const clientId = crypto.randomUUID(); // one per page view: pressing twice adds one encounter
  const headers = { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": me.csrf_token };

  button.addEventListener("click", async () => {
    button.disabled = true;
    result.textContent = "";
    try {
      const scanned = await fetch("/api/v1/scan", {
        method: "POST", credentials: "same-origin", headers, body: JSON.stringify({ payload: box.dataset.cardUrl }),
      });
      if (!scanned.ok) throw new Error(`scan: HTTP ${scanned.status}`);
      const { capture } = await json(scanned);
      const saved = await fetch("/api/v1/captures", {
        method: "POST", credentials: "same-origin", headers, body: JSON.stringify({ ...capture, client_id: clientId }),
      });
      const body = await json(saved);
      if (!saved.ok || body.client_id !== clientId) throw new Error(`capture: HTTP ${saved.status}`);
      result.textContent = box.dataset.added;
      const link = document.createElement("a");
      link.href = `/contacts/${body.contact_id}`;
      link.textContent = box.dataset.open;
      result.append(" ", link);
      button.hidden = true;
    } catch (error) {
      result.textContent = box.dataset.failed;
      button.disabled = false;
    }
  });
}

keepOffline();
offerAdd();
