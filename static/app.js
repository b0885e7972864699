// spandojo: small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
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
});
