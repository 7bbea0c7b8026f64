// Keyboard shortcuts, listed in the dialog that "?" opens (core/shortcuts.html). Single keys,
// so none takes a key the browser uses; they act only outside text fields, but Esc stops the
// answer being written from anywhere.
"use strict";

(() => {
  const dialog = document.getElementById("shortcuts");
  if (!dialog) return;
  const typing = (element) =>
    element instanceof HTMLElement && (element.isContentEditable || element.matches("input, textarea, select"));
  const latest = (selector) => [...document.querySelectorAll(selector)].pop();
  const composer = () => document.querySelector('#composer textarea[name="text"]');

  const keys = {
    n: () => { window.location.assign(dialog.dataset.newChat); return true; },
    r: () => { // the latest answer, once it has ended (not an earlier one meanwhile)
      if (document.querySelector('[data-shortcut="stop"]')) return false;
      const button = latest('[data-shortcut="regenerate"]:not(:disabled)');
      button?.click();
      return Boolean(button);
    },
    "/": () => { const box = composer(); box?.focus(); return Boolean(box); },
    "?": () => { dialog.showModal(); return true; },
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return; // Esc closes it, letters go to it
    if (event.key === "Escape") {
      const stop = latest('[data-shortcut="stop"]:not(:disabled)');
      if (stop) stop.click();
      else if (event.target === composer()) event.target.blur();
      else return;
      event.preventDefault();
      return;
    }
    const action = keys[event.key];
    if (!action || typing(event.target) || event.repeat) return;
    if (action()) event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest?.("[data-shortcuts]")) dialog.showModal();
    else if (event.target === dialog) { // on the backdrop, or on the dialog's own padding
      const box = dialog.getBoundingClientRect();
      const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) dialog.close();
    }
  });
})();
