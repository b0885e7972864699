// spandojo: small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Interview clock: counts up from the session's start.
  const timer = document.querySelector(".timer[data-started]");
  if (timer) {
    const started = Number(timer.dataset.started) * 1000;
    const clock = timer.querySelector(".clock");
    const tick = () => {
      const s = Math.max(0, Math.floor((Date.now() - started) / 1000));
      clock.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    };
    tick();
    setInterval(tick, 1000);
  }

  // Time zone: the register and setup forms send this browser's zone, so a
  // new account starts in it (without this script it starts in UTC); the
  // account page offers it with one click.
  let browserZone = "";
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (_) {
    browserZone = "";
  }
  if (browserZone) {
    for (const input of document.querySelectorAll("input[data-browser-zone]")) {
      if (!input.value) input.value = browserZone;
    }
    const field = document.querySelector("input[data-time-zone]");
    const use = document.querySelector("button[data-use-browser-zone]");
    if (field && use && field.value !== browserZone) {
      use.textContent = `Use this browser's zone (${browserZone})`;
      use.hidden = false;
      use.addEventListener("click", () => {
        field.value = browserZone;
        field.focus();
      });
    }
  }

  // Regions that scroll sideways (wide tables, code, figures) can be reached
  // and scrolled from the keyboard.
  for (const el of document.querySelectorAll("main table, main pre, .table-wrap, .flame-wrap, .graph-wrap")) {
    if (el.scrollWidth > el.clientWidth && !el.hasAttribute("tabindex")) el.tabIndex = 0;
  }

  // Copy buttons for links (the admin's join links): hidden without script.
  if (navigator.clipboard) {
    for (const button of document.querySelectorAll("button[data-copy]")) {
      const target = document.getElementById(button.dataset.copy);
      if (!target) continue;
      button.hidden = false;
      button.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(target.textContent.trim());
          button.textContent = "Copied";
        } catch (_) {
          button.textContent = "Press Ctrl+C";
        }
        setTimeout(() => { button.textContent = "Copy"; }, 1500);
      });
    }
  }

  // A copy button on code blocks.
  if (navigator.clipboard) {
    for (const pre of document.querySelectorAll(".prose pre")) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "copy secondary";
      button.textContent = "Copy";
      button.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(pre.innerText.replace(/Copy$/, "").trimEnd());
          button.textContent = "Copied";
        } catch (_) {
          button.textContent = "Press Ctrl+C";
        }
        setTimeout(() => { button.textContent = "Copy"; }, 1500);
      });
      pre.appendChild(button);
    }
  }
  // Interview summary: rating an answer, and adding or deleting a peer
  // comment, update that answer in place instead of reloading the page.
  // Without this script each form returns to its answer (#answer-N).
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const item = form.closest && form.closest(".interview-item[id]");
    if (!item || form.method.toLowerCase() !== "post" || !window.fetch || !window.DOMParser) return;
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form, event.submitter));
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    try {
      const response = await fetch(form.action, { method: "POST", body, credentials: "same-origin" });
      const html = await response.text();
      const fresh = response.ok && new DOMParser().parseFromString(html, "text/html").getElementById(item.id);
      if (!fresh) throw new Error("no answer in the reply");
      item.replaceWith(fresh);
      fresh.tabIndex = -1;
      fresh.focus({ preventScroll: true });
      history.replaceState(null, "", `#${fresh.id}`);
    } catch (_) {
      HTMLFormElement.prototype.submit.call(form);
    }
  });
});
