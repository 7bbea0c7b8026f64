// Small behaviours htmx doesn't cover. No inline handlers: the CSP forbids them.
"use strict";

// Enter sends the message, Shift+Enter adds a line (and IME composition is left alone).
document.addEventListener("keydown", (event) => {
  const field = event.target;
  if (!(field instanceof HTMLTextAreaElement) || !field.classList.contains("composer__text")) return;
  if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  if (field.value.trim()) field.form.requestSubmit();
});

// Keep the newest text in view while an answer streams, unless the reader scrolled up.
function followBottom() {
  const log = document.getElementById("messages");
  if (!log) return;
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  if (nearBottom || log.dataset.follow === "yes") log.scrollTop = log.scrollHeight;
}
document.addEventListener("htmx:sseMessage", followBottom);
document.addEventListener("htmx:afterSwap", (event) => {
  const log = document.getElementById("messages");
  if (log && event.detail.target === log) {
    log.dataset.follow = "yes";
    log.scrollTop = log.scrollHeight;
  }
});
document.addEventListener("DOMContentLoaded", () => {
  const log = document.getElementById("messages");
  if (!log) return;
  log.scrollTop = log.scrollHeight;
  log.addEventListener("scroll", () => {
    if (log.scrollHeight - log.scrollTop - log.clientHeight > 120) delete log.dataset.follow;
  });
});

// After a message is accepted, empty the box for the next one (settings stay as they are).
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (form.id !== "composer" || !event.detail.successful) return;
  form.elements.text.value = "";
  form.elements.text.focus();
});

// Copy buttons: data-copy names the element whose text is copied.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  await navigator.clipboard.writeText(source.innerText);
  const label = button.getAttribute("aria-label");
  button.setAttribute("aria-label", "Copied");
  button.classList.add("is-done");
  setTimeout(() => { button.setAttribute("aria-label", label); button.classList.remove("is-done"); }, 1500);
});
