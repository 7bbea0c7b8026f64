// Copy buttons: [data-copy] names the element whose text it copies, and every code block of
// rendered Markdown (.markdown pre) gets a button of its own, also the blocks that htmx
// swaps in later (an answer that ends, one being written, a comparison's columns).
"use strict";

(() => {
  function flash(button) {
    button.classList.add("is-done");
    const label = button.getAttribute("aria-label");
    button.setAttribute("aria-label", "Copied");
    setTimeout(() => { button.setAttribute("aria-label", label); button.classList.remove("is-done"); }, 1500);
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest?.("[data-copy], .code-copy");
    if (!button || !navigator.clipboard) return;
    const source = button.matches(".code-copy")
      ? button.parentElement.querySelector("pre")
      : document.querySelector(button.dataset.copy);
    if (!source) return;
    await navigator.clipboard.writeText(button.matches(".code-copy") ? source.textContent : source.innerText);
    flash(button);
  });

  // The button sits beside the block (in a wrapper), not in it: the block scrolls sideways.
  function addButtons(root) {
    if (!(root instanceof Element)) return;
    const blocks = [...root.querySelectorAll(".markdown pre")];
    if (root.matches(".markdown pre")) blocks.push(root);
    for (const block of blocks) {
      if (block.parentElement.matches(".code-wrap")) continue;
      const wrap = document.createElement("div");
      wrap.className = "code-wrap";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "code-copy";
      button.setAttribute("aria-label", "Copy code");
      block.replaceWith(wrap);
      wrap.append(button, block);
    }
  }
  // htmx announces each piece of content it swaps in (and the page, once it has loaded).
  document.addEventListener("htmx:load", (event) => addButtons(event.target));
  document.addEventListener("DOMContentLoaded", () => addButtons(document.body));
})();
