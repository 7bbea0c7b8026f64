// The API explorer: the body fields and the JSON editor kept in step, examples, sending with
// our own event stream read as it arrives, and polling a task. No inline handlers (the CSP).
"use strict";

(() => {
  const form = () => document.getElementById("explorer-form");
  const editor = () => document.getElementById("explorer-body");

  // --- paths into the body ("parameters.aspectRatio", "instances.0.prompt") -------------------

  const parts = (path) => path.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part));

  function getPath(body, path) {
    let value = body;
    for (const part of parts(path)) {
      if (value === null || typeof value !== "object" || !(part in value)) return undefined;
      value = value[part];
    }
    return value;
  }

  function setPath(body, path, value) {
    const keys = parts(path);
    let holder = body;
    keys.slice(0, -1).forEach((key, index) => {
      if (holder[key] === null || typeof holder[key] !== "object") {
        holder[key] = typeof keys[index + 1] === "number" ? [] : {};
      }
      holder = holder[key];
    });
    holder[keys[keys.length - 1]] = value;
  }

  // Remove the value at `path`, and the objects it leaves empty (a blank ratio leaves no
  // empty "parameters": {}).
  function deletePath(body, path) {
    const keys = parts(path);
    const chain = [body];
    for (const key of keys.slice(0, -1)) {
      const next = chain[chain.length - 1][key];
      if (next === null || typeof next !== "object") return;
      chain.push(next);
    }
    const last = keys[keys.length - 1];
    const holder = chain[chain.length - 1];
    if (Array.isArray(holder)) return; // a list keeps its places
    delete holder[last];
    for (let depth = chain.length - 1; depth > 0; depth -= 1) {
      const item = chain[depth];
      if (Array.isArray(item) || Object.keys(item).length) break;
      delete chain[depth - 1][keys[depth - 1]];
    }
  }

  // --- fields <-> JSON ----------------------------------------------------------------------

  function readBody() {
    const text = editor()?.value.trim() ?? "";
    if (!text) return {};
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  function showJsonProblem(message) {
    const error = document.getElementById("explorer-body-error");
    if (error) error.textContent = message;
    editor()?.setAttribute("aria-invalid", message ? "true" : "false");
  }

  // The value a field holds, as JSON; undefined for "not sent"; an Error when unreadable.
  function fieldValue(input) {
    const text = input.value;
    if (text === "" || (input.dataset.type !== "string" && !text.trim())) return undefined;
    switch (input.dataset.type) {
      case "integer":
      case "number": {
        const number = Number(text);
        return Number.isFinite(number) ? number : new Error("Write a number.");
      }
      case "json":
        try {
          return JSON.parse(text);
        } catch (error) {
          return new Error(`Not valid JSON: ${error.message}`);
        }
      default:
        if (input.tagName === "SELECT") return JSON.parse(text);
        return text;
    }
  }

  function showFieldValue(input, value) {
    if (value === undefined || value === null) {
      input.value = "";
    } else if (input.tagName === "SELECT") {
      const wanted = JSON.stringify(value);
      const known = [...input.options].some((option) => option.value === wanted);
      if (!known) {
        input.add(new Option(`${wanted} (not in the list)`, wanted));
      }
      input.value = wanted;
    } else if (input.dataset.type === "json") {
      input.value = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value, null, 2);
    } else {
      input.value = String(value);
    }
  }

  function errorSlot(path) {
    return [...document.querySelectorAll("[data-error-for]")].find(
      (slot) => slot.dataset.errorFor === path,
    );
  }

  function fieldsFromBody(body, except) {
    for (const input of document.querySelectorAll("[data-path]")) {
      if (input === except) continue;
      showFieldValue(input, getPath(body, input.dataset.path));
    }
  }

  function writeBody(body) {
    editor().value = JSON.stringify(body, null, 2);
    showJsonProblem("");
    changed();
  }

  function changed() {
    document.body.dispatchEvent(new CustomEvent("explorer:changed"));
  }

  document.addEventListener("input", (event) => {
    const input = event.target;
    if (input === editor()) {
      const body = readBody();
      if (body === null) {
        try {
          JSON.parse(input.value);
        } catch (error) {
          showJsonProblem(`The JSON does not read: ${error.message}`);
        }
        return;
      }
      showJsonProblem("");
      fieldsFromBody(body);
      followModel(body);
      changed();
      return;
    }
    if (input.matches("[data-path-param]")) {
      changed();
      return;
    }
    if (!input.matches("[data-path]")) return;
    const body = readBody();
    if (body === null) {
      showJsonProblem("Put the JSON right first: the fields write into it.");
      return;
    }
    const value = fieldValue(input);
    const slot = errorSlot(input.dataset.path);
    if (value instanceof Error) {
      if (slot) slot.textContent = value.message;
      input.setAttribute("aria-invalid", "true");
      return;
    }
    if (slot) slot.textContent = "";
    input.removeAttribute("aria-invalid");
    if (value === undefined) deletePath(body, input.dataset.path);
    else setPath(body, input.dataset.path, value);
    writeBody(body);
  });

  // --- examples, models and modes ---------------------------------------------------------------

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-example]");
    if (!button) return;
    const source = document.getElementById(button.dataset.example);
    if (!source) return;
    const body = JSON.parse(source.textContent);
    writeBody(body);
    fieldsFromBody(body);
    editor().focus();
  });

  // A model typed into the JSON that the model picker offers switches the form to it.
  function followModel(body) {
    const picker = document.getElementById("variant-model");
    const model = body && typeof body.model === "string" ? body.model : "";
    if (!picker || !model || model === picker.value) return;
    if ([...picker.options].some((option) => option.value === model)) {
      picker.value = model;
      redrawPanel();
    }
  }

  function redrawPanel() {
    const panel = document.getElementById("request-panel");
    if (!panel || !window.htmx) return;
    const values = {};
    for (const field of form().querySelectorAll("[name]")) {
      if (field.name !== "csrfmiddlewaretoken") values[field.name] = field.value;
    }
    const body = readBody();
    const picker = document.getElementById("variant-model");
    if (body && picker && typeof body.model === "string") {
      body.model = picker.value;
      values.body = JSON.stringify(body);
    }
    const headers = { "X-CSRFToken": form().elements.csrfmiddlewaretoken.value };
    htmx.ajax("POST", panel.dataset.panelUrl, { target: "#request-panel", swap: "outerHTML", values, headers });
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-variant]")) redrawPanel();
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target?.id !== "request-panel" && !document.getElementById("request-panel")?.contains(event.detail.elt)) return;
    setUp();
    changed();
  });

  // --- sending -----------------------------------------------------------------------------------

  let sending = null; // the AbortController of the request in flight

  function clearProblems() {
    document.getElementById("send-problems").innerHTML = "";
    for (const slot of document.querySelectorAll("[data-error-for]")) slot.textContent = "";
    for (const input of form().querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  }

  function showProblems(html) {
    const holder = document.getElementById("send-problems");
    holder.outerHTML = html;
    for (const item of document.querySelectorAll("#send-problems [data-path]")) {
      const path = item.dataset.path;
      const slot = errorSlot(path);
      if (!slot) continue;
      slot.textContent = item.textContent.replace(/^[^:]*:\s*/, "");
      const input = slot.closest(".field")?.querySelector("input, select, textarea");
      input?.setAttribute("aria-invalid", "true");
    }
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The live view while the answer arrives; the drawn result replaces it at the end.
  function liveView(response) {
    response.replaceChildren();
    const view = element("div", "live");
    const status = element("p", "live__status", "Sending…");
    status.setAttribute("role", "status");
    const text = element("div", "assembled live__text");
    text.setAttribute("aria-live", "polite");
    text.hidden = true;
    const events = element("ol", "live__events");
    view.append(status, text, events);
    response.append(view);
    return { status, text, events };
  }

  async function send(event) {
    event.preventDefault();
    if (sending) return;
    clearProblems();
    const response = document.getElementById("response");
    const live = liveView(response);
    const stop = document.getElementById("explorer-stop");
    const button = document.getElementById("explorer-send");
    sending = new AbortController();
    button.disabled = true;
    stop.hidden = false;
    const started = performance.now();
    try {
      const answer = await fetch(form().action, {
        method: "POST",
        body: new FormData(form()),
        headers: { Accept: "text/event-stream", "X-CSRFToken": form().elements.csrfmiddlewaretoken.value },
        signal: sending.signal,
      });
      if (!(answer.headers.get("content-type") || "").includes("text/event-stream")) {
        response.replaceChildren();
        showProblems(await answer.text());
        document.getElementById("send-problems")?.scrollIntoView({ block: "nearest" });
        return;
      }
      await readStream(answer, live, response, started);
    } catch (error) {
      if (error.name === "AbortError") live.status.textContent = "Stopped: the request was cut off; what came is in your history.";
      else live.status.textContent = `The request failed: ${error.message}`;
    } finally {
      sending = null;
      button.disabled = false;
      stop.hidden = true;
    }
  }

  async function readStream(answer, live, response, started) {
    const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message = { event: "message", data: [] };
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) message.event = line.slice(6).trim();
          else if (line.startsWith("data:")) message.data.push(line.slice(5).replace(/^ /, ""));
        }
        handle(message.event, message.data.join("\n"), live, response, started);
      }
    }
  }

  function handle(name, data, live, response, started) {
    if (name === "head") {
      const head = JSON.parse(data);
      live.status.textContent = `${head.status} ${head.reason} · headers after ${head.ms} ms${head.streaming ? " · streaming…" : " · reading the body…"}`;
      live.status.classList.add(head.status < 300 ? "is-ok" : "is-bad");
    } else if (name === "upstream") {
      const item = JSON.parse(data);
      const row = element("li", "live__event");
      row.append(element("time", "", `+${item.at} ms`), " ");
      if (item.event) row.append(element("code", "live__name", item.event), " ");
      row.append(element("code", "live__data", item.data));
      live.events.append(row);
      if (item.text) {
        live.text.hidden = false;
        live.text.textContent += item.text;
      }
    } else if (name === "done") {
      response.innerHTML = data;
      if (window.htmx) htmx.process(response);
      const total = Math.round(performance.now() - started);
      response.querySelector(".result-panel")?.setAttribute("data-page-ms", String(total));
    }
  }

  document.addEventListener("submit", (event) => {
    if (event.target.id === "explorer-form" && window.fetch && window.TextDecoderStream) send(event);
  });

  document.addEventListener("click", (event) => {
    if (event.target.id === "explorer-stop") sending?.abort();
  });

  // --- polling a task with backoff --------------------------------------------------------------

  const FIRST_WAIT = 1000;
  const LONGEST_WAIT = 10000;
  const MOST_ROUNDS = 120;

  document.addEventListener("click", async (event) => {
    const start = event.target.closest("[data-poll-start]");
    const stopButton = event.target.closest("[data-poll-stop]");
    if (stopButton) {
      stopButton.closest(".poll").dataset.stopped = "yes";
      return;
    }
    if (!start) return;
    const box = start.closest(".poll");
    const rounds = box.querySelector(".poll__rounds");
    const stop = box.querySelector("[data-poll-stop]");
    delete box.dataset.stopped;
    start.disabled = true;
    stop.hidden = false;
    const began = performance.now();
    let wait = FIRST_WAIT;
    try {
      for (let round = 0; round < MOST_ROUNDS && !box.dataset.stopped; round += 1) {
        const data = new FormData();
        data.append("task", box.dataset.task);
        data.append("model", box.dataset.model);
        data.append("source", box.dataset.source || "");
        const answer = await fetch(box.dataset.pollUrl, {
          method: "POST",
          body: data,
          headers: { "X-CSRFToken": form()?.elements.csrfmiddlewaretoken.value ?? "" },
        });
        const holder = document.createElement("ol");
        holder.innerHTML = await answer.text();
        const item = holder.firstElementChild || element("li", "poll__round", `HTTP ${answer.status}`);
        item.prepend(element("time", "", `${((performance.now() - began) / 1000).toFixed(1)} s `));
        rounds.append(item);
        if (window.htmx) htmx.process(item);
        if (!answer.ok || item.dataset.done === "yes") break;
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait = Math.min(LONGEST_WAIT, Math.round(wait * 1.5));
      }
    } finally {
      start.disabled = false;
      stop.hidden = true;
    }
  });

  // --- on load ------------------------------------------------------------------------------------

  function setUp() {
    const body = readBody();
    if (body && editor()) fieldsFromBody(body);
  }

  document.addEventListener("DOMContentLoaded", () => {
    setUp();
    // On a phone the endpoint list starts folded once an endpoint is open.
    const drawer = document.querySelector("[data-drawer]");
    if (drawer && document.getElementById("explorer-form") && window.matchMedia("(min-width: 900px)").matches) {
      drawer.open = true;
    }
  });
})();
