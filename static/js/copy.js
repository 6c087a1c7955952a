// "Copy" buttons: each copies the exact text of the field it names (data-copy="<id>") to the
// clipboard, for pasting into a message on another channel. Without JavaScript the buttons stay
// hidden and the text can be selected by hand.

async function copyText(field) {
  try {
    await navigator.clipboard.writeText(field.value);
    return true;
  } catch (error) {
    // no clipboard API (an http:// origin) or no permission: the old way, from a selection
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (fallbackError) {
      return false;
    }
  }
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(`${button.dataset.copy}-copied`);
  if (!field || !status) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const copied = await copyText(field);
    status.textContent = copied ? button.dataset.copied : button.dataset.failed;
    if (!copied) {
      field.focus();
      field.select();
    }
  });
}
