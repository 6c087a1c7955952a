// Scan a QR code into the capture form: the rear camera, decoded by the browser's BarcodeDetector
// where it has one, else by the vendored jsQR in a worker (iOS Safari); a photo as the last resort.
// What the code holds goes through POST /api/v1/scan, whose answer fills the form. Offline, a vCard or
// MECARD is read on the phone (vcard.js) and the server checks it when the capture is sent: no second
// scan is needed.

import { CardError, readCard } from "./vcard.js";

const box = document.getElementById("scan");
const form = document.getElementById("capture-form");
const cameraButton = document.getElementById("scan-camera");
const fileInput = document.getElementById("scan-file");
const statusLine = document.getElementById("scan-status");
const dialog = document.getElementById("scan-dialog");
const video = document.getElementById("scan-video");
const cancelButton = document.getElementById("scan-cancel");

const FILLED = ["name", "name_reading", "email", "phone", "company", "title", "card_url"];
//: jsQR reads a downscaled picture: fast on a phone, still plenty for a QR code held up close
const PHOTO_MAX_SIDE = 1200;
const FRAME_MAX_SIDE = 720;
const FRAME_EVERY_MS = 250;

const text = (key, values = {}) =>
  (box.dataset[key] || "").replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : ""));

function say(message) {
  statusLine.textContent = message;
}

// --- decoding ---------------------------------------------------------------------------------

let detectorPromise = null;
function detector() {
  detectorPromise ??= (async () => {
    if (!("BarcodeDetector" in self)) return null;
    try {
      const formats = await self.BarcodeDetector.getSupportedFormats();
      return formats.includes("qr_code") ? new self.BarcodeDetector({ formats: ["qr_code"] }) : null;
    } catch (error) {
      return null;
    }
  })();
  return detectorPromise;
}

let worker = null;
let nextJob = 0;
const jobs = new Map();
function jsqr(imageData) {
  if (!worker) {
    worker = new Worker("/static/js/qr-worker.js");
    worker.onmessage = ({ data }) => {
      jobs.get(data.id)?.(data.text);
      jobs.delete(data.id);
    };
  }
  const id = (nextJob += 1);
  return new Promise((resolve) => {
    jobs.set(id, resolve);
    worker.postMessage({ id, width: imageData.width, height: imageData.height, pixels: imageData.data.buffer },
      [imageData.data.buffer]);
  });
}

const canvas = document.createElement("canvas");
function pixels(source, width, height, maxSide) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

async function decode(source, width, height, maxSide) {
  const native = await detector();
  if (native) {
    try {
      const found = await native.detect(source);
      if (found.length) return found[0].rawValue;
    } catch (error) {
      // fall through to jsQR
    }
  }
  return jsqr(pixels(source, width, height, maxSide));
}

// --- the answer ---------------------------------------------------------------------------------

// The page may have come from the service worker's cache, with a token of an older session: ask.
async function csrfToken() {
  try {
    const response = await fetch("/api/v1/session", { credentials: "same-origin", cache: "no-store" });
    const me = await response.json();
    if (me.csrf_token) return me.csrf_token;
  } catch (error) {
    // offline: the request below fails as well, and says so
  }
  return document.querySelector('meta[name="csrf-token"]')?.content || "";
}

function apply(capture) {
  for (const name of FILLED) {
    if (capture[name] && form.elements[name]) form.elements[name].value = capture[name];
  }
  const more = form.querySelector("#capture-more"); // show what the code filled behind "More"
  if (more && [...more.querySelectorAll("input")].some((input) => input.value)) more.open = true;
  form.elements.source.value = "scan";
  form.dispatchEvent(new Event("input", { bubbles: true }));
}

async function use(payload) {
  say(text("reading"));
  let response;
  try {
    response = await fetch("/api/v1/scan", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": await csrfToken() },
      body: JSON.stringify({ payload }),
    });
  } catch (error) {
    // Offline: a vCard or MECARD is read here, a link kept as the card URL; nothing else can wait.
    readOffline(payload);
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = body.error && body.error.fields && body.error.fields.payload;
    say([text("unreadable"), ...(Array.isArray(detail) ? detail : [])].join(" "));
    return;
  }
  apply(body.capture || {});
  const capture = body.capture || {};
  say(text("scanned", { what: capture.name || capture.card_url || "" }));
  (capture.name ? form.elements.conversation : form.elements.name).focus();
}

function readOffline(payload) {
  let capture = null;
  try {
    capture = readCard(payload);
  } catch (error) {
    if (!(error instanceof CardError)) throw error;
    say(text("unreadable"));
    return;
  }
  if (capture) {
    apply(capture);
    say(text("offlineCard", { what: capture.name }));
    form.elements.conversation.focus();
  } else if (/^https?:\/\//i.test(payload.trim())) {
    apply({ card_url: payload.trim() });
    say(text("offline"));
    form.elements.name.focus();
  } else {
    say(text("offlineUnreadable"));
  }
}

// --- camera ---------------------------------------------------------------------------------

let stream = null;
let scanning = false;

function stopCamera() {
  scanning = false;
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  video.srcObject = null;
  if (dialog.open) dialog.close();
}

async function scanFrames() {
  while (scanning) {
    if (video.readyState >= 2 && video.videoWidth) {
      const found = await decode(video, video.videoWidth, video.videoHeight, FRAME_MAX_SIDE);
      if (found && scanning) {
        stopCamera();
        await use(found);
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, FRAME_EVERY_MS));
  }
}

async function startCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    say(text("noCamera"));
    fileInput.focus();
    return;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
  } catch (error) {
    say(text("noCamera"));
    fileInput.focus();
    return;
  }
  video.srcObject = stream;
  dialog.showModal();
  await video.play().catch(() => undefined);
  scanning = true;
  scanFrames();
}

// --- photo ------------------------------------------------------------------------------------

async function readPhoto() {
  const file = fileInput.files && fileInput.files[0];
  if (!file) return;
  say(text("reading"));
  let found = null;
  try {
    const bitmap = await createImageBitmap(file);
    found = await decode(bitmap, bitmap.width, bitmap.height, PHOTO_MAX_SIDE);
    bitmap.close();
  } catch (error) {
    found = null;
  }
  fileInput.value = "";
  if (found) await use(found);
  else say(text("noCode"));
}

// The service worker keeps jsQR when asked (not on a first visit, when there is no worker yet): a
// photo can then be read offline on a phone without BarcodeDetector too.
function keepDecoder() {
  navigator.serviceWorker?.controller?.postMessage({
    type: "keep", urls: ["/static/js/qr-worker.js", "/static/vendor/jsqr/jsQR.js"],
  });
}

if (box && form) {
  box.hidden = false;
  keepDecoder();
  cameraButton.addEventListener("click", startCamera);
  cancelButton.addEventListener("click", stopCamera);
  dialog.addEventListener("close", stopCamera);
  fileInput.addEventListener("change", readPhoto);
  form.addEventListener("reset", () => say(""));
}
