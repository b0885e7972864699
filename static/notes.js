// spandojo notes: a live preview beside the editor. Without this file the
// Preview button renders the same preview on the server.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const area = document.querySelector("textarea[data-preview]");
  if (!area || !window.fetch) return;
  const pane = document.getElementById(area.dataset.preview);
  const target = pane && pane.querySelector(".preview-body");
  const form = area.form;
  const token = form && form.querySelector("input[name=csrf]");
  if (!pane || !target || !token) return;
  form.classList.add("live");
  pane.hidden = false;
  let timer = null;
  let sent = 0;
  const update = async () => {
    const ticket = ++sent;
    const body = new URLSearchParams({ csrf: token.value, body: area.value });
    try {
      const response = await fetch("/notes/preview", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body,
      });
      if (ticket !== sent) return; // a newer preview is on its way
      if (response.ok) {
        // The server sanitises this HTML (pulldown-cmark, then ammonia).
        target.innerHTML = await response.text();
        pane.classList.remove("stale");
      } else {
        pane.classList.add("stale");
      }
    } catch (_) {
      pane.classList.add("stale");
    }
  };
  area.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 350);
  });
  update();
});
