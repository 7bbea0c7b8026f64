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

// After a message is accepted, empty the box and the attachments for the next one (settings
// stay as they are): an attachment left in place would go, and be paid for, again. A refusal
// (4xx, drawn in place) keeps them.
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (form.id !== "composer" || !event.detail.successful || event.detail.xhr.status >= 300) return;
  form.elements.text.value = "";
  for (const field of form.querySelectorAll(".composer__attach :is(input, textarea)")) {
    if (field.type === "checkbox") field.checked = false;
    else field.value = "";
  }
  form.elements.text.focus();
});

// A form whose request went through stops showing the errors of an earlier refusal (its
// 400 drew them in place: base.html's responseHandling). Cleared before the swap, so a
// response that draws the form again brings its own.
document.addEventListener("htmx:beforeSwap", (event) => {
  const form = event.detail.requestConfig && event.detail.requestConfig.elt;
  const status = event.detail.xhr.status;
  if (!(form instanceof HTMLFormElement) || status < 200 || status >= 300) return;
  form.querySelectorAll(".field__error, .form-error").forEach((error) => error.remove());
  form.querySelectorAll("[aria-invalid]").forEach((field) => field.removeAttribute("aria-invalid"));
  form.querySelectorAll(".is-invalid").forEach((field) => field.classList.remove("is-invalid"));
});

// Parts of a form redrawn for a newly chosen model ([data-keeps-edits]) keep what the user
// did while the redraw was on its way: what was typed or picked goes back into the field of
// the same name, and a section left open stays open. Of two redraws in flight only the newer
// one is drawn (the older would detach the element the newer one is meant for).
(() => {
  const newest = new Map(); // region id -> its newest redraw request
  const edits = new Map(); // region id -> Map(field key -> field state)
  const kept = new Map(); // region id -> what to put back once it is redrawn
  const keyOf = (field) => (field.type === "checkbox" ? `${field.name}=${field.value}` : field.name);

  document.addEventListener("htmx:beforeRequest", (event) => {
    const region = event.detail.target;
    if (!region?.matches?.("[data-keeps-edits]")) return;
    newest.set(region.id, event.detail.xhr);
    edits.set(region.id, new Map());
  });
  document.addEventListener("input", (event) => {
    const field = event.target;
    const region = field.closest?.("[data-keeps-edits]");
    const pending = region && edits.get(region.id);
    if (!pending || !field.name || field.type === "file") return;
    const { name, value, checked, type } = field;
    pending.set(keyOf(field), { name, value, checked, type });
  });
  document.addEventListener("htmx:beforeSwap", (event) => {
    const region = event.detail.target;
    if (!region?.matches?.("[data-keeps-edits]")) return;
    if (newest.get(region.id) !== event.detail.xhr) {
      event.detail.shouldSwap = false;
      return;
    }
    newest.delete(region.id);
    const open = [...region.querySelectorAll("details[open]")].map((details) => details.className);
    kept.set(region.id, { pending: edits.get(region.id) || new Map(), open });
    edits.delete(region.id);
  });
  // An outerHTML swap announces itself on the new element, which has the old one's id.
  document.addEventListener("htmx:afterSwap", (event) => {
    const region = event.target;
    const { pending, open } = kept.get(region.id) || {};
    if (!pending) return;
    kept.delete(region.id);
    for (const details of region.querySelectorAll("details")) {
      if (open.includes(details.className)) details.open = true;
    }
    for (const state of pending.values()) {
      for (const field of region.querySelectorAll(`[name="${CSS.escape(state.name)}"]`)) {
        if (state.type === "checkbox") {
          if (field.value === state.value) field.checked = state.checked;
        } else if (state.type === "radio") {
          if (field.value === state.value) field.checked = true;
        } else if (field.type !== "file" && field.type !== "radio" && field.type !== "checkbox") {
          const known = field.tagName !== "SELECT" || [...field.options].some((o) => o.value === state.value);
          if (known) field.value = state.value;
        }
      }
    }
  });
})();

// A request that htmx does not draw (a server error, a refusal without a form to show it in,
// or no answer at all) is said plainly at the top of the page. What the user typed stays
// where it was, so trying again is one click.
(() => {
  const box = document.getElementById("request-problem");
  if (!box) return;
  const text = box.querySelector(".request-problem__text");
  const PROBLEMS = {
    403: "That was refused. Your session may have ended: reload the page, sign in again if asked, and try again.",
    404: "That is no longer there. It may have been deleted; reload the page to see what is.",
    413: "That is too large to upload.",
    503: "The server is busy right now. Wait a moment, then try again; nothing you typed was lost.",
  };
  let failed = null; // the element whose request failed: its next success clears the notice
  function show(message, element) {
    text.textContent = message;
    box.hidden = false;
    failed = element;
  }
  box.querySelector(".request-problem__close").addEventListener("click", () => { box.hidden = true; });
  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr.status;
    show(PROBLEMS[status] || (status >= 500
      ? `Something went wrong on our side (error ${status}). Nothing you typed was lost; try again in a moment.`
      : `That could not be done (error ${status}).`), event.detail.elt);
  });
  document.addEventListener("htmx:sendError", (event) => {
    show("The server could not be reached. Check your connection, then try again; nothing you typed was lost.", event.detail.elt);
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful && event.detail.elt === failed) box.hidden = true;
  });
})();
