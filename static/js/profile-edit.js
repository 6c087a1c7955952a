// Profile edit page: live card preview as you type, and the keyword coach (advice endpoint, debounced).
// textContent only; the signature colour goes through element.style.setProperty, which the CSP allows.

const form = document.getElementById("profile-form");
const card = document.getElementById("card");
const coachBox = document.getElementById("keyword-advice");

const TEXT_FIELDS = [
  "name", "name_reading", "keyword", "current_work", "why_here", "next_challenge",
  "signature_text", "offers", "asks", "company", "title", "public_email", "public_phone",
];
const MAX_LINKS = 5;
const ADVICE_DELAY_MS = 400;

function setText(name, value) {
  const node = card.querySelector(`[data-field="${name}"]`);
  if (!node) return;
  node.textContent = value;
  const section = card.querySelector(`[data-section="${name}"]`);
  if (section) section.hidden = !value;
  else node.hidden = !value && name !== "keyword" && name !== "name";
  if (name === "public_email") node.href = value ? `mailto:${value}` : "";
  if (name === "public_phone") node.href = value ? `tel:${value.replace(/\s+/g, "")}` : "";
}

function updateRole() {
  const role = card.querySelector('[data-section="role"]');
  if (role) role.hidden = !(form.elements.title.value.trim() || form.elements.company.value.trim());
  const contact = card.querySelector('[data-section="contact"]');
  if (contact) {
    contact.hidden = !(form.elements.public_email.value.trim() || form.elements.public_phone.value.trim());
  }
}

function updateLinks() {
  const list = card.querySelector('[data-field="links"]');
  if (!list) return;
  const links = form.elements.links.value.split(/\r\n|\r|\n/).map((s) => s.trim()).filter(Boolean);
  list.replaceChildren();
  for (const link of links.slice(0, MAX_LINKS)) {
    const item = document.createElement("li");
    const anchor = document.createElement("a");
    if (/^https?:\/\/[^\s]+$/i.test(link)) {
      anchor.href = link;
      anchor.rel = "noopener nofollow ugc";
      anchor.target = "_blank";
    }
    anchor.textContent = link.replace(/^https?:\/\//i, "").replace(/\/$/, "");
    item.append(anchor);
    list.append(item);
  }
  list.hidden = links.length === 0;
}

function updateColour() {
  const use = form.elements.use_color.checked;
  const value = form.elements.signature_color.value;
  if (use && /^#[0-9a-f]{6}$/i.test(value)) card.style.setProperty("--sig", value);
  else card.style.removeProperty("--sig");
}

function showAdvice(items) {
  const exampleText = form.dataset.example || "{example}"; // the page's translated "For example: …"
  coachBox.replaceChildren();
  for (const item of items) {
    const p = document.createElement("p");
    p.className = "coach-item";
    p.dataset.code = item.code;
    p.append(document.createTextNode(`${item.message} `));
    const example = document.createElement("span");
    example.className = "coach-example";
    example.textContent = exampleText.replace("{example}", () => item.example);
    p.append(example);
    coachBox.append(p);
  }
}

let adviceTimer = null;
let adviceController = null;

function requestAdvice() {
  clearTimeout(adviceTimer);
  adviceTimer = setTimeout(async () => {
    if (adviceController) adviceController.abort();
    adviceController = new AbortController();
    const url = new URL(form.dataset.adviceUrl, window.location.href);
    url.searchParams.set("keyword", form.elements.keyword.value.slice(0, 200));
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: adviceController.signal,
      });
      if (response.ok) showAdvice((await response.json()).items || []);
    } catch (error) {
      if (error.name !== "AbortError") console.debug("keyword advice unavailable", error);
    }
  }, ADVICE_DELAY_MS);
}

// A live counter for a field with a limit: characters as the server counts them (code points, so an
// emoji is one), with the page's translated "N / max: M too many" past the limit.
function updateCounter(input) {
  const counter = document.querySelector(`[data-counter-for="${input.name}"]`);
  if (!counter) return;
  const max = Number(counter.dataset.max);
  const count = Array.from(input.value).length;
  const over = count - max;
  counter.textContent = over > 0
    ? counter.dataset.over.replace("{count}", String(count)).replace("{over}", String(over))
    : `${count} / ${max}`;
  counter.classList.toggle("over", over > 0);
}

function onInput(event) {
  const name = event.target.name;
  if (TEXT_FIELDS.includes(name)) setText(name, event.target.value.trim());
  if (["title", "company", "public_email", "public_phone"].includes(name)) updateRole();
  if (name === "links") updateLinks();
  if (name === "use_color" || name === "signature_color") updateColour();
  if (name === "keyword") {
    updateCounter(event.target);
    requestAdvice();
  }
}

// One-line fields are textareas for room on a phone; Enter must not add a line break.
function onKeydown(event) {
  if (event.key === "Enter" && event.target.matches("textarea[data-single-line]")) event.preventDefault();
}

if (form && card) {
  form.addEventListener("input", onInput);
  form.addEventListener("change", onInput);
  form.addEventListener("keydown", onKeydown);
  updateColour();
}
