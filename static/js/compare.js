// A comparison's page. No inline handlers: the CSP forbids them.
"use strict";

// A turn's vote buttons stay disabled while one of its answers is being written (cells with
// data-active); they open as soon as the last one ends, whether its final cell came over the
// page's stream (chat) or from polling (image jobs). The server refuses earlier votes anyway.
(() => {
  let watcher = null;

  function unlockFinishedTurns() {
    const locked = document.querySelectorAll("form[data-vote-lock]");
    for (const form of locked) {
      const turn = CSS.escape(form.dataset.voteLock);
      if (document.querySelector(`.compare__cell[data-turn="${turn}"][data-active]`)) continue;
      delete form.dataset.voteLock;
      form.querySelectorAll("button[disabled]").forEach((button) => { button.disabled = false; });
      const note = form.querySelector(".vote-form__lock");
      if (note) note.textContent = "Every answer has finished: votes are open.";
    }
    if (!document.querySelector("form[data-vote-lock]")) watcher?.disconnect();
  }

  let pending = false; // streamed text changes the page often: check once a frame at most
  function soon() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; unlockFinishedTurns(); });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const answers = document.querySelector(".compare__grid");
    if (!answers || !document.querySelector("form[data-vote-lock]")) return;
    watcher = new MutationObserver(soon);
    watcher.observe(answers, { childList: true, subtree: true });
    unlockFinishedTurns();
  });
})();

// Where the browser gives no clipboard (a page served over plain http from another
// machine), Copy selects the link instead, ready for Ctrl+C / ⌘C. app.js copies otherwise.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".share-link__copy");
  if (!button || navigator.clipboard) return;
  const address = document.querySelector(button.dataset.copy);
  if (!address) return;
  const range = document.createRange();
  range.selectNodeContents(address);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
});
