// Studio, gallery and job page: the cost as numbers are typed, running clocks, the tab's
// title, the opt-in notification, and the gallery's lightbox. No inline handlers (CSP).
"use strict";

// The cost beside Generate follows a number while it is typed, not only once the field is
// left ("change"): the estimate element listens for "recount" on the form.
(() => {
  let timer = null;
  document.addEventListener("input", (event) => {
    const field = event.target;
    const form = field.closest?.("#generation-form");
    if (!form || field.type !== "number") return;
    clearTimeout(timer);
    timer = setTimeout(() => form.dispatchEvent(new Event("recount")), 300);
  });
})();

// Times as the server writes them (templatetags/studio.py: clock, ago), kept current.
function clock(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  const pad = (n) => String(n).padStart(2, "0");
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${pad(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${pad(Math.floor((seconds % 3600) / 60))} min`;
}
function ago(seconds) {
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return null; // older: the server's date stays
}
function tick() {
  const now = Date.now();
  for (const since of document.querySelectorAll("[data-since]")) {
    const start = Date.parse(since.dataset.since);
    if (!Number.isNaN(start)) since.textContent = clock((now - start) / 1000);
  }
  for (const time of document.querySelectorAll(".job__meta time, .tile__meta time, .facts time")) {
    const text = ago((now - Date.parse(time.dateTime)) / 1000);
    if (text) time.textContent = text;
  }
}
setInterval(tick, 1000);

// The jobs on the page, as their elements say ([data-job]): the tab's title shows how far
// the running ones are, and a video that ends sends the notification the user asked for.
(() => {
  const baseTitle = document.title;
  const seen = new Map(); // job id -> status when last looked at
  let ended = null; // the word for the title once everything running here has ended

  function notify(job) {
    if (localStorage.getItem("studio.notify") !== "yes") return;
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const done = job.dataset.status === "succeeded";
    const note = new Notification(done ? "Your video is ready" : `Your video: ${job.dataset.statusLabel}`, {
      body: job.dataset.prompt || "",
      tag: `studio-job-${job.dataset.job}`,
    });
    note.addEventListener("click", () => {
      window.focus();
      window.location.href = job.dataset.url;
    });
  }

  function look() {
    const jobs = [...document.querySelectorAll("[data-job]")];
    const running = jobs.filter((job) => job.hasAttribute("data-active"));
    for (const job of jobs) {
      const before = seen.get(job.dataset.job);
      if (before === "active" && !job.hasAttribute("data-active")) {
        ended = job.dataset.status === "succeeded" ? "Done" : job.dataset.statusLabel;
        if (job.dataset.kind === "video") notify(job);
      }
      seen.set(job.dataset.job, job.hasAttribute("data-active") ? "active" : job.dataset.status);
    }
    let prefix = "";
    if (running.length === 1) {
      const progress = running[0].dataset.progress;
      prefix = progress ? `${progress}% ·` : "Working… ·";
    } else if (running.length > 1) {
      prefix = `${running.length} running ·`;
    } else if (ended) {
      prefix = `${ended} ·`;
    }
    document.title = prefix ? `${prefix} ${baseTitle}` : baseTitle;
  }

  document.addEventListener("DOMContentLoaded", look);
  document.addEventListener("htmx:afterSettle", look);
})();

// "Tell me when a video is done": shown where the browser can notify; the choice is kept in
// this browser, and the browser itself asks for permission the first time.
(() => {
  function setUp(root) {
    if (!("Notification" in window)) return;
    for (const label of root.querySelectorAll(".notify")) {
      const box = label.querySelector(".notify__box");
      box.checked = localStorage.getItem("studio.notify") === "yes" && Notification.permission === "granted";
      label.hidden = false;
    }
  }
  document.addEventListener("change", async (event) => {
    const box = event.target;
    if (!box.classList?.contains("notify__box")) return;
    const note = box.closest(".notify").querySelector(".notify__note");
    note.textContent = "";
    if (!box.checked) {
      localStorage.removeItem("studio.notify");
      return;
    }
    const permission = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
    if (permission === "granted") {
      localStorage.setItem("studio.notify", "yes");
    } else {
      box.checked = false;
      note.textContent = "Your browser blocks notifications from this site; allow them in its site settings.";
    }
  });
  document.addEventListener("DOMContentLoaded", () => setUp(document));
  document.addEventListener("htmx:load", (event) => setUp(event.target));
})();

// The gallery's lightbox: a finished result full size, previous and next with the buttons
// or the arrow keys, Escape to close. Without scripts, a tile is a link to its job page.
(() => {
  const box = document.getElementById("lightbox");
  if (!box) return;
  const stage = box.querySelector(".lightbox__stage");
  const prev = box.querySelector(".lightbox__prev");
  const next = box.querySelector(".lightbox__next");
  const seed = box.querySelector(".lightbox__seed");
  let index = 0;

  const items = () => [...document.querySelectorAll("a[data-lightbox]")];

  function show(at) {
    const all = items();
    if (!all.length) return;
    index = Math.max(0, Math.min(at, all.length - 1));
    const item = all[index].dataset;
    let media;
    if ("video" in item) {
      media = document.createElement("video");
      media.controls = true;
      media.poster = item.poster;
      media.preload = "metadata";
    } else {
      media = document.createElement("img");
      media.alt = item.caption;
    }
    media.src = item.src;
    stage.replaceChildren(media);
    box.querySelector(".lightbox__caption").textContent = item.caption;
    box.querySelector(".lightbox__meta").textContent = item.meta;
    box.querySelector(".lightbox__detail").href = all[index].href;
    box.querySelector(".lightbox__download").href = item.download;
    seed.hidden = !item.seedUrl;
    seed.href = item.seedUrl || "";
    box.querySelector(".lightbox__count").textContent = `${index + 1} of ${all.length}`;
    prev.disabled = index === 0;
    next.disabled = index === all.length - 1;
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[data-lightbox]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    show(items().indexOf(link));
    if (!box.open) box.showModal();
  });
  prev.addEventListener("click", () => show(index - 1));
  next.addEventListener("click", () => show(index + 1));
  box.querySelector(".lightbox__close").addEventListener("click", () => box.close());
  box.addEventListener("click", (event) => {
    if (event.target === box) box.close(); // the backdrop
  });
  box.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLVideoElement) return; // arrows seek the video
    if (event.key === "ArrowLeft") show(index - 1);
    else if (event.key === "ArrowRight") show(index + 1);
    else return;
    event.preventDefault();
  });
  box.addEventListener("close", () => stage.replaceChildren()); // stops a playing video
})();
