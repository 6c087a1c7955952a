// "Show my QR": keep the screen awake while the QR is shown (Screen Wake Lock API, where allowed),
// and switch between the event's code and the plain card's.
// The lock is released by the browser when the page is hidden, so it is requested again on return.

const status = document.getElementById("wake-status");
let lock = null;

function say(key) {
  if (!status) return;
  status.textContent = status.dataset[key] || "";
  status.hidden = !status.textContent;
}

async function acquire() {
  if (!("wakeLock" in navigator) || document.visibilityState !== "visible") {
    if (!("wakeLock" in navigator)) say("off");
    return;
  }
  try {
    lock = await navigator.wakeLock.request("screen");
    say("on");
    lock.addEventListener("release", () => {
      lock = null;
    });
  } catch (error) {
    // Refused (battery saver, no user gesture yet, permissions policy): the page still works.
    say("off");
  }
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && lock === null) acquire();
});
// Some browsers want a user gesture first: a tap on the page tries again.
document.addEventListener("click", () => {
  if (lock === null) acquire();
});
acquire();

// With an active event the page holds two codes: the event's (shown) and the plain card's. The
// switch shows the other one in place, without a request (offline too); without JS it is a link.
const screen = document.getElementById("qr-show");
for (const link of document.querySelectorAll("[data-switch]")) {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    const show = link.dataset.switch;
    for (const part of screen.querySelectorAll("[data-variant]")) part.hidden = part.dataset.variant !== show;
    screen.querySelector(`[data-switch][data-variant="${show}"]`)?.focus();
  });
}
