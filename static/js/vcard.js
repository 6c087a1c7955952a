// Read a vCard (2.1, 3.0, 4.0) or a MECARD on the phone, for a code scanned while offline: the same
// fields as the server's reader (webapp/captures/scan.py), which stays the one used when online. The
// server checks every field again when the capture is sent.
//
// Our own small reader, for the subset a contact QR code holds (FN, N, EMAIL, TEL, ORG, TITLE, URL,
// X-PHONETIC-*, SORT-STRING; folded lines, escapes, QUOTED-PRINTABLE in any charset the browser
// decodes; MECARD's N, SOUND, EMAIL, TEL, ORG, URL). Checked on npm: ical.js 2.2.1 refuses vCard 2.1
// (bare parameters such as TEL;CELL) and does not decode QUOTED-PRINTABLE; vcf 2.1.2 is CommonJS for
// Node and does not decode QUOTED-PRINTABLE either; vcard-parser 1.0.0 and vcard 0.1.0 are unkept.

const LIMITS = { name: 100, name_reading: 100, email: 254, phone: 40, company: 100, title: 100, card_url: 500 };
const PHONE = /^[0-9+()\-.\s#*ext]{0,40}$/;
const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:]+$/;
const HTTP = /^https?:\/\/[^\s]+$/i;
// controls and the characters that reorder text: the server refuses them, so they are left out here
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

export class CardError extends Error {}

// --- vCard -------------------------------------------------------------------------------------

// One logical line per property: folded lines (CRLF + space or tab) joined, and QUOTED-PRINTABLE
// values that end with "=" (a soft line break) joined with the next line.
function logicalLines(text) {
  const raw = text.replace(/\r\n?/g, "\n").split("\n");
  const lines = [];
  for (const line of raw) {
    const last = lines.length - 1;
    if (last >= 0 && /^[ \t]/.test(line)) lines[last] += line.slice(1);
    else if (last >= 0 && /QUOTED-PRINTABLE/i.test(lines[last].split(":")[0]) && lines[last].endsWith("=")) {
      lines[last] = lines[last].slice(0, -1) + line;
    } else lines.push(line);
  }
  return lines.filter((line) => line.trim());
}

function quotedPrintable(value, charset) {
  const bytes = [];
  for (let i = 0; i < value.length; i += 1) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...new TextEncoder().encode(value[i]));
  }
  try {
    return new TextDecoder(charset || "utf-8", { fatal: true }).decode(new Uint8Array(bytes));
  } catch (error) {
    return new TextDecoder("utf-8").decode(new Uint8Array(bytes)); // an unknown charset: UTF-8 at best
  }
}

// The value split on unescaped ";" (N, ORG), each part unescaped.
function parts(value) {
  const out = [""];
  for (let i = 0; i < value.length; i += 1) {
    const ch = value[i];
    if (ch === "\\" && i + 1 < value.length) {
      const next = value[i + 1];
      out[out.length - 1] += next === "n" || next === "N" ? "\n" : next;
      i += 1;
    } else if (ch === ";") out.push("");
    else out[out.length - 1] += ch;
  }
  return out;
}

function property(line) {
  let colon = -1;
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ":" && !quoted) {
      colon = i;
      break;
    }
  }
  if (colon < 0) return null;
  const [nameWithGroup, ...params] = line.slice(0, colon).split(";");
  const name = nameWithGroup.split(".").pop().toUpperCase();
  let value = line.slice(colon + 1);
  let encoding = "";
  let charset = "";
  for (const param of params) {
    const [key, val] = param.includes("=") ? param.split("=", 2) : ["ENCODING", param];
    if (key.toUpperCase() === "ENCODING") encoding ||= /^(QUOTED-PRINTABLE|B|BASE64)$/i.test(val) ? val.toUpperCase() : "";
    if (key.toUpperCase() === "CHARSET") charset = val.replace(/"/g, "");
  }
  if (encoding === "B" || encoding === "BASE64") return { name, values: [] }; // a photo or a key
  if (encoding === "QUOTED-PRINTABLE") value = quotedPrintable(value, charset);
  return { name, values: parts(value) };
}

function readVcard(text) {
  if ((text.match(/^BEGIN:VCARD[ \t]*$/gim) || []).length > 1) throw new CardError("several");
  const lines = logicalLines(text);
  if (!/^BEGIN:VCARD$/i.test(lines[0].trim()) || !lines.some((line) => /^END:VCARD\s*$/i.test(line))) {
    throw new CardError("broken");
  }
  const found = {};
  for (const line of lines.slice(1)) {
    const prop = property(line);
    if (prop && prop.values.length && !(prop.name in found)) found[prop.name] = prop.values;
    if (prop && prop.name === "URL" && !found.HTTP_URL && HTTP.test(prop.values.join(";").trim())) {
      found.HTTP_URL = [prop.values.join(";")];
    }
  }
  const one = (key) => (found[key] ? found[key].join(";").trim() : "");
  const n = found.N || [];
  const reading = [one("X-PHONETIC-LAST-NAME"), one("X-PHONETIC-FIRST-NAME")].filter(Boolean).join(" ");
  return {
    name: one("FN") || [n[1], n[0]].map((p) => (p || "").trim()).filter(Boolean).join(" "),
    name_reading: reading || one("SORT-STRING"),
    email: one("EMAIL"),
    phone: one("TEL"),
    company: (found.ORG || []).map((p) => p.trim()).filter(Boolean).join(" "),
    title: one("TITLE"),
    card_url: one("HTTP_URL"),
  };
}

// --- MECARD ------------------------------------------------------------------------------------

function readMecard(text) {
  if ((text.toUpperCase().match(/MECARD:/g) || []).length > 1) throw new CardError("several");
  const body = text.slice("MECARD:".length);
  const data = {};
  let key = null;
  let buf = "";
  const end = () => {
    if (key && !(key in data)) data[key] = buf;
    key = null;
    buf = "";
  };
  for (let i = 0; i < body.length; i += 1) {
    const ch = body[i];
    if (ch === "\\" && i + 1 < body.length) {
      buf += body[i + 1];
      i += 1;
    } else if (ch === ":" && key === null) {
      key = buf.trim().toUpperCase();
      buf = "";
    } else if (ch === ";") end();
    else buf += ch;
  }
  end();
  // family,given: kept in that order for CJK names, Western names go given first (as the server does)
  const joinName = (value) => {
    const items = (value || "").split(",").map((p) => p.trim()).filter(Boolean);
    if (items.length === 2 && ![...items.join("")].some((ch) => ch.codePointAt(0) >= 0x2e80)) items.reverse();
    return items.join(" ");
  };
  const url = (data.URL || "").trim();
  return {
    name: joinName(data.N),
    name_reading: joinName(data.SOUND),
    email: data.EMAIL || "",
    phone: data.TEL || "",
    company: data.ORG || "",
    title: "",
    card_url: HTTP.test(url) ? url : "",
  };
}

// --- what the form may be filled with ----------------------------------------------------------

function usable(key, value) {
  const text = (value || "").trim();
  if (!text || text.length > LIMITS[key] || UNSAFE.test(text)) return "";
  if (key === "email") return EMAIL.test(text) ? text.toLowerCase() : "";
  if (key === "phone") return PHONE.test(text) && /\d/.test(text) ? text : "";
  if (key === "card_url") return HTTP.test(text) ? text : "";
  return /\n/.test(text) ? "" : text;
}

// The capture fields a vCard or MECARD holds; null for anything else; CardError when it cannot be used.
export function readCard(payload) {
  const text = String(payload || "").trim();
  const head = text.slice(0, 12).toUpperCase();
  let fields;
  if (head.startsWith("BEGIN:VCARD")) fields = readVcard(text);
  else if (head.startsWith("MECARD:")) fields = readMecard(text);
  else return null;
  const capture = {};
  for (const [key, value] of Object.entries(fields)) {
    const kept = usable(key, value);
    if (kept) capture[key] = kept;
  }
  if (!capture.name) throw new CardError("noName");
  return capture;
}
