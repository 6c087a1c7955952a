// Decodes QR codes off the main thread with the vendored jsQR (static/vendor/jsqr, Apache-2.0).
// A classic worker: jsQR is a UMD bundle, loaded with importScripts.
/* global jsQR */
importScripts("/static/vendor/jsqr/jsQR.js");

self.onmessage = ({ data }) => {
  const pixels = new Uint8ClampedArray(data.pixels);
  const code = jsQR(pixels, data.width, data.height, { inversionAttempts: "attemptBoth" });
  self.postMessage({ id: data.id, text: code ? code.data : null });
};
