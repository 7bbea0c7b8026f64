// The chat page's layout: the conversations drawer and the settings sheet on narrow screens,
// the settings panel on wide ones (remembered per person), the model filter, the examples,
// the message box's Stop, and a finished answer that keeps its place on screen.
// No inline handlers: the CSP forbids them.
"use strict";

(() => {
  const chat = document.querySelector("main.chat");
  if (!chat) return;
  chat.classList.add("has-js");
  const wide = window.matchMedia("(min-width: 64rem)");
  const panelToggleForm = document.getElementById("settings-panel-toggle");

  // The first visit starts at the top of what to try (app.js shows the newest message).
  document.addEventListener("DOMContentLoaded", () => {
    const log = document.getElementById("messages");
    if (log && !log.querySelector(".message")) log.scrollTop = 0;
  });

  // --- Drawer (conversations) and sheet (settings): overlays on narrow screens. Their links
  // (#chat-sidebar, #settings-panel) open them through :target without JavaScript; here a
  // class does, so the address and the history stay as they are.
  const overlays = { drawer: "chat-sidebar", sheet: "settings-panel" };
  let openedFrom = null;

  function setOverlay(name, open, { focus = true } = {}) {
    chat.classList.toggle(`chat--${name}-open`, open);
    for (const opener of document.querySelectorAll(`[data-overlay="${name}"]`)) {
      opener.setAttribute("aria-expanded", String(open));
    }
    const element = document.getElementById(overlays[name]);
    if (open && focus && element) {
      openedFrom = document.activeElement;
      element.focus({ preventScroll: true });
    }
  }

  function closeOverlays() {
    const wasOpen = Object.keys(overlays).some((name) => chat.classList.contains(`chat--${name}-open`));
    for (const name of Object.keys(overlays)) setOverlay(name, false);
    if (location.hash === "#chat-sidebar" || location.hash === "#settings-panel") {
      history.replaceState(null, "", location.pathname + location.search);
    }
    if (wasOpen && openedFrom?.isConnected) openedFrom.focus({ preventScroll: true });
    openedFrom = null;
  }

  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-overlay]");
    if (opener) {
      event.preventDefault();
      const name = opener.dataset.overlay;
      const open = !chat.classList.contains(`chat--${name}-open`);
      closeOverlays();
      if (open) setOverlay(name, true);
      return;
    }
    if (event.target.closest("[data-close-overlay]")) {
      event.preventDefault();
      closeOverlays();
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    if (!chat.matches(".chat--drawer-open, .chat--sheet-open")) return;
    event.preventDefault(); // Escape closed this, and does nothing else
    closeOverlays();
  });
  // Back on a wide screen, the sheet has no meaning (the panel is a column there).
  wide.addEventListener("change", () => { if (wide.matches) setOverlay("sheet", false, { focus: false }); });

  // --- The panel on wide screens: opened or closed at once; the form only tells the server,
  // with the state the page now shows (whatever the button said when the page was drawn).
  function setPanel(open) {
    chat.classList.toggle("chat--panel-open", open);
    for (const button of document.querySelectorAll(".chat-bar__panel")) {
      button.setAttribute("aria-expanded", String(open));
      button.value = open ? "0" : "1";
    }
  }
  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-panel-toggle]")) return;
    const open = !chat.classList.contains("chat--panel-open");
    setPanel(open);
    const focus = open ? document.getElementById("settings-panel") : document.querySelector(".chat-bar__panel");
    focus?.focus({ preventScroll: true });
  });
  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt !== panelToggleForm) return;
    event.detail.parameters.open = chat.classList.contains("chat--panel-open") ? "1" : "0";
  });

  // Settings that need fixing are shown, whichever way the panel is folded away: a field the
  // browser refuses before sending, or a refusal drawn by the server.
  function showSettings() {
    if (wide.matches) chat.classList.add("chat--panel-open"); // for now: not remembered
    else setOverlay("sheet", true, { focus: false });
  }
  document.addEventListener("invalid", (event) => {
    if (event.target.closest?.("#settings-panel")) showSettings();
  }, true);
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.target.id !== "composer") return;
    if (event.target.querySelector("#settings-panel :is(.field__error, [aria-invalid='true'])")) showSettings();
  });

  // --- After the composer is redrawn (another model, a preset applied): the chat bar names
  // the model it now has, and attachments kept through the redraw (chat.html's hx-preserve)
  // stay in sight: the new panel is drawn closed, so it opens when one holds something.
  // Once only per panel: one the reader closed stays closed.
  function showCurrentModel(select) {
    const label = select.selectedOptions[0]?.textContent.split(" — ")[0] || select.value;
    for (const shown of document.querySelectorAll("[data-current-model]")) {
      if (shown.textContent !== label) shown.textContent = label;
    }
  }
  document.addEventListener("htmx:afterSettle", (event) => {
    // Not the answers' swaps (one per piece while an answer streams): only the composer's.
    const drawn = event.target;
    if (drawn.id !== "composer" && !drawn.closest?.("#composer")) return;
    const select = document.querySelector("#composer select[name=model]");
    if (select) showCurrentModel(select);
    const attach = document.querySelector("#composer .composer__attach");
    if (!attach || attach.dataset.checked) return;
    attach.dataset.checked = "yes";
    if ([...attach.querySelectorAll("input, textarea")].some((field) => field.value)) attach.open = true;
  });

  // --- The model filter: narrows the <select> it names by name, provider, ability or
  // protocol; the list opens while there is something to match. Enter takes the first match.
  function showFilters(root) {
    for (const input of root.querySelectorAll("[data-model-filter]")) input.hidden = false;
  }
  showFilters(document);
  document.addEventListener("htmx:load", (event) => showFilters(event.target));

  function filterModels(input) {
    const select = document.getElementById(input.dataset.modelFilter);
    if (!select) return [];
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = [];
    for (const group of select.querySelectorAll("optgroup")) {
      let shown = 0;
      for (const option of group.querySelectorAll("option")) {
        const text = (option.dataset.search || option.textContent).toLowerCase();
        const match = words.every((word) => text.includes(word));
        option.hidden = !match;
        if (match) { shown += 1; matches.push(option); }
      }
      group.hidden = shown === 0;
    }
    select.size = words.length ? Math.max(2, Math.min(8, matches.length + select.querySelectorAll("optgroup:not([hidden])").length)) : 0;
    select.classList.toggle("is-filtered", words.length > 0);
    return matches;
  }
  function choose(select, option) {
    if (select.value !== option.value) {
      select.value = option.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  function clearFilter(input) {
    input.value = "";
    filterModels(input);
  }
  document.addEventListener("input", (event) => {
    if (event.target.matches?.("[data-model-filter]")) filterModels(event.target);
  });
  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!input.matches?.("[data-model-filter]")) return;
    const select = document.getElementById(input.dataset.modelFilter);
    if (event.key === "Enter") {
      event.preventDefault(); // not the message form's submit
      const [first] = filterModels(input);
      if (first && select) choose(select, first);
      clearFilter(input);
      select?.focus();
    } else if (event.key === "ArrowDown" && select) {
      event.preventDefault();
      select.focus();
    } else if (event.key === "Escape" && input.value) {
      event.preventDefault();
      clearFilter(input);
    }
  });
  // A model picked from the opened list closes it again.
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!(select instanceof HTMLSelectElement) || select.name !== "model") return;
    const input = document.querySelector(`[data-model-filter="${CSS.escape(select.id)}"]`);
    if (input?.value) clearFilter(input);
    if (select.closest("#composer")) showCurrentModel(select);
  });

  // --- The message box's Stop presses the Stop of the answer being written.
  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-stop-answer]")) return;
    const stops = document.querySelectorAll("#messages .run__stop");
    const form = stops[stops.length - 1];
    if (form && !form.querySelector("button:disabled")) form.requestSubmit();
  });

  // --- An example, once sent, leaves its model chosen for what comes next.
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (!form.matches?.("form.example") || !event.detail.successful) return;
    const select = document.querySelector("#composer select[name=model]");
    const option = select && [...select.options].find((o) => o.value === form.elements.model.value);
    if (option) choose(select, option);
  });

  // --- A finished answer drawn over the live one (when it ends, or is stopped) keeps its text
  // where the reader had it, unless the reader follows the newest text (app.js keeps that in
  // view). The browser's own scroll anchoring gives up when the element is replaced.
  const log = document.getElementById("messages");
  let kept = null;
  const bodyOf = (article) => article.querySelector(".message__body") || article;
  const top = (element) => element.getBoundingClientRect().top - log.getBoundingClientRect().top;
  document.addEventListener("htmx:sseBeforeMessage", (event) => {
    const selector = event.target.getAttribute?.("hx-target") || "";
    if (!log || !/^#[\w-]+$/.test(selector)) return;
    const article = document.querySelector(selector);
    if (!article?.matches("article.message") || !log.contains(article)) return;
    const following = log.dataset.follow === "yes" || log.scrollHeight - log.scrollTop - log.clientHeight < 120;
    kept = following ? null : { id: article.id, offset: top(bodyOf(article)) };
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    if (!kept || event.target.id !== kept.id) return;
    log.scrollTop += top(bodyOf(event.target)) - kept.offset;
    kept = null;
  });
})();
