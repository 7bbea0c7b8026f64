// Answers being written (chat/page_stream.py): the page follows them as they grow.
"use strict";

// Keep the newest text in view while an answer streams, unless the reader scrolled up; a new
// answer on the page (drawn by a response, or placed through the page's stream) follows again.
function followBottom(force) {
  const log = document.getElementById("messages");
  if (!log) return;
  if (force) log.dataset.follow = "yes";
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  if (nearBottom || log.dataset.follow === "yes") log.scrollTop = log.scrollHeight;
}
document.addEventListener("htmx:sseMessage", (event) => {
  if (event.detail.type === "place") followBottom(true);
});
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target?.id === "messages") followBottom(true);
  else if (event.target.closest?.("#messages")) followBottom(false); // a piece, a final answer
});
document.addEventListener("DOMContentLoaded", () => {
  const log = document.getElementById("messages");
  if (!log) return;
  log.scrollTop = log.scrollHeight;
  log.addEventListener("scroll", () => {
    if (log.scrollHeight - log.scrollTop - log.clientHeight > 120) delete log.dataset.follow;
  });
});
