// The capture page with JavaScript: every capture goes into the IndexedDB outbox first and is sent
// from there, so one made offline (or whose answer is lost) is kept and sent later, and the server
// stores it once (client_id). Without JavaScript the form posts as usual.

const outbox = self.ichigoOutbox;
const form = document.getElementById("capture-form");
const status = document.getElementById("capture-status");
const discardButton = document.getElementById("capture-discard");
const userId = document.querySelector('meta[name="ichigo-user"]')?.content || null;

const FIELDS = ["name", "name_reading", "email", "phone", "company", "title", "card_url", "conversation",
  "needs", "promise", "promise_due", "memorable"];

function fill(template, values) {
  return (template || "").replace(/\{(\w+)\}/g, (_, key) => (key in values ? String(values[key]) : ""));
}

function say(text, { problem = false } = {}) {
  status.textContent = text;
  status.hidden = !text;
  status.classList.toggle("notice", Boolean(text) && !problem);
  status.classList.toggle("field-error", Boolean(text) && problem);
}

function freshClientId() {
  form.elements.client_id.value = crypto.randomUUID();
  delete form.dataset.capturedAt;
  delete form.dataset.replaces;
  discardButton.hidden = true;
}

function readForm() {
  const data = { client_id: form.elements.client_id.value };
  for (const name of FIELDS) {
    const value = form.elements[name] ? form.elements[name].value.trim() : "";
    if (value) data[name] = value;
  }
  const event = form.elements.event_id.value;
  data.event_id = event ? Number(event) : null;
  data.source = form.elements.source.value === "scan" ? "scan" : "manual";
  data.captured_at = form.dataset.capturedAt || new Date().toISOString();
  return data;
}

function clearErrors() {
  form.querySelectorAll(".field-error").forEach((node) => node.remove());
  form.querySelectorAll(".has-error").forEach((node) => node.classList.remove("has-error"));
  form.querySelectorAll("[aria-invalid]").forEach((node) => {
    node.removeAttribute("aria-invalid");
    const ids = (node.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && !id.endsWith("-error"));
    if (ids.length) node.setAttribute("aria-describedby", ids.join(" "));
    else node.removeAttribute("aria-describedby");
  });
}

function messages(value) {
  if (Array.isArray(value)) return value.flatMap(messages);
  if (value && typeof value === "object") return Object.values(value).flatMap(messages);
  return value ? [String(value)] : [];
}

// Show the server's field errors beside their fields, the rest at the top of the form.
function showErrors(fields, message) {
  clearErrors();
  const general = [];
  let first = null;
  for (const [name, value] of Object.entries(fields || {})) {
    const input = form.elements[name];
    const text = messages(value).join(" ");
    if (!input || input.type === "hidden" || !input.closest(".field")) {
      general.push(text);
      continue;
    }
    const field = input.closest(".field");
    field.classList.add("has-error");
    const note = document.createElement("p");
    note.className = "field-error";
    note.id = `${name}-error`;
    note.textContent = text;
    field.append(note);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), note.id].filter(Boolean).join(" "));
    first = first || input;
  }
  say([form.dataset.fix, ...general].filter(Boolean).join(" ") || message || "", { problem: true });
  (first || status).focus?.();
}

async function loadForFixing(clientId) {
  const item = await outbox.get(clientId);
  if (!item) return;
  form.reset();
  for (const name of FIELDS) if (form.elements[name]) form.elements[name].value = item.capture[name] || "";
  form.elements.event_id.value = item.capture.event_id == null ? "" : String(item.capture.event_id);
  form.elements.source.value = item.capture.source || "manual";
  form.elements.client_id.value = item.client_id;
  if (item.error && item.error.code === "client_id_reused") {
    // the server holds another capture under this id: the fixed one goes as a new capture
    form.elements.client_id.value = crypto.randomUUID();
    form.dataset.replaces = item.client_id;
  }
  const fields = (item.error && item.error.fields) || {};
  if (item.capture.captured_at && !("captured_at" in fields)) form.dataset.capturedAt = item.capture.captured_at;
  discardButton.hidden = false;
  if (item.error) showErrors(fields, item.error.message);
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  if (!form.elements.name.value.trim()) {
    showErrors({ name: [form.dataset.nameRequired] });
    return;
  }
  const data = readForm();
  try {
    await outbox.add(data, { userId: userId === null ? null : Number(userId) });
    if (form.dataset.replaces) await outbox.discard(form.dataset.replaces);
    delete form.dataset.replaces;
  } catch (error) {
    form.submit(); // IndexedDB refused (private mode): post the form as without JavaScript
    return;
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  let outcome = null;
  try {
    if (navigator.onLine) outcome = await outbox.sync();
  } catch (error) {
    outcome = null;
  } finally {
    button.disabled = false;
  }
  const result = outcome && outcome.results[data.client_id];
  if (result && result.contact_id) {
    window.location.assign(`${form.getAttribute("action")}?done=${encodeURIComponent(result.contact_id)}`);
    return;
  }
  if (result && result.error) {
    if (result.error.code === "client_id_reused") {  // saving again sends it as a new capture
      form.elements.client_id.value = crypto.randomUUID();
      form.dataset.replaces = data.client_id;
    }
    showErrors(result.error.fields, result.error.message);
    return;
  }
  outbox.requestBackgroundSync();
  form.reset();
  freshClientId();
  const kept = outcome && outcome.needsLogin ? form.dataset.keptLogin
    : outcome && outcome.retrying ? form.dataset.keptRetry : form.dataset.kept;
  say(fill(kept, { name: data.name }));
  history.replaceState(null, "", form.getAttribute("action"));
  form.elements.name.focus();
}

if (outbox && form && "indexedDB" in self && self.crypto && crypto.randomUUID) {
  freshClientId();
  form.addEventListener("submit", submit);
  form.addEventListener("reset", () => {
    // hidden inputs keep what a script set; a reset forgets a scanned card too
    for (const name of ["card_url", "name_reading"]) form.elements[name].value = "";
    form.elements.source.value = "manual";
  });
  discardButton.addEventListener("click", async () => {
    await outbox.discard(form.dataset.replaces || form.elements.client_id.value);
    form.reset();
    clearErrors();
    freshClientId();
    say("");
    history.replaceState(null, "", form.getAttribute("action"));
  });
  const fixFromHash = () => {
    const fix = /^#fix=(.+)$/.exec(window.location.hash);
    if (fix) loadForFixing(decodeURIComponent(fix[1])).catch(() => undefined);
  };
  window.addEventListener("hashchange", fixFromHash); // a "Fix" link on this very page
  fixFromHash();
}
