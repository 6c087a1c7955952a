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

// --- the reading (furigana): guessed from the name as it is typed, and the user's once edited ---------
const reading = form.elements.name_reading;
const readingHint = document.getElementById("name_reading-hint");
const READING_WAIT_MS = 300;
let readingTimer = null;
let readingAsked = 0;

function markGuessed(guessed) {
  readingHint.dataset.plain ??= readingHint.textContent;
  readingHint.textContent = guessed ? reading.dataset.guessedHint : readingHint.dataset.plain;
  readingHint.classList.toggle("guessed", guessed);
}

// The field is ours to fill while it is empty or still holds our last guess.
const readingIsOurs = () => !reading.value.trim() || reading.value === reading.dataset.guess;

function forgetGuess() {
  if (reading.dataset.guess && reading.value === reading.dataset.guess) reading.value = "";
  delete reading.dataset.guess;
  markGuessed(false);
}

async function askReading(name) {
  try {
    const response = await fetch(`/api/v1/readings?name=${encodeURIComponent(name)}`,
      { credentials: "same-origin", headers: { Accept: "application/json" } });
    return response.ok ? (await response.json()).name_reading || "" : "";
  } catch (error) {
    return ""; // the network went away meanwhile
  }
}

async function guessReading() {
  const name = form.elements.name.value.trim();
  if (!readingIsOurs()) return;
  if (!name) {
    forgetGuess();
    return;
  }
  const asked = (readingAsked += 1);
  const guess = navigator.onLine ? await askReading(name) : ""; // offline: the server guesses at sync
  if (asked !== readingAsked || !readingIsOurs() || form.elements.name.value.trim() !== name) return;
  if (!guess) {
    forgetGuess();
    return;
  }
  reading.value = guess;
  reading.dataset.guess = guess;
  markGuessed(true);
}

function readingLater() {
  clearTimeout(readingTimer);
  readingTimer = setTimeout(guessReading, READING_WAIT_MS);
}

function readForm() {
  const data = { client_id: form.elements.client_id.value };
  for (const name of FIELDS) {
    const value = form.elements[name] ? form.elements[name].value.trim() : "";
    if (value) data[name] = value;
  }
  // an untouched guess is left to the server, which guesses the same and marks it "check it"
  if (data.name_reading && data.name_reading === reading.dataset.guess) delete data.name_reading;
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
    const more = input.closest("details");
    if (more) more.open = true; // a field behind "More" that needs fixing is shown
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
  forgetGuess();
  if (!reading.value) readingLater();
  const more = form.querySelector("#capture-more");
  more.open = [...more.querySelectorAll("input, textarea")].some((input) => input.value);
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
    if (!data.name_reading) reading.value = ""; // posted as without JavaScript: an untouched guess too
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

if (form && reading) {
  form.addEventListener("input", (event) => {
    // typing the name, or a scan that filled the form (scan.js sends "input" on the form)
    if (event.target === form.elements.name || event.target === form) readingLater();
    else if (event.target === reading) markGuessed(Boolean(reading.value) && reading.value === reading.dataset.guess);
  });
  form.addEventListener("reset", () => {
    clearTimeout(readingTimer);
    readingAsked += 1;
    delete reading.dataset.guess;
    markGuessed(false);
  });
}

if (outbox && form && "indexedDB" in self && self.crypto && crypto.randomUUID) {
  freshClientId();
  form.addEventListener("submit", submit);
  form.addEventListener("reset", () => {
    // hidden inputs keep what a script set; a reset forgets a scanned card and a re-shown reading too
    for (const name of ["card_url", "name_reading"]) form.elements[name].value = "";
    form.querySelector("#capture-more").open = false;
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
