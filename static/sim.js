// spandojo simulator: progressive enhancement of the trace page. Everything
// works without this file (server-side collapse links, detail by URL,
// native <details> and SVG <title> tooltips); this adds instant
// collapse/expand, in-place span detail and a hover read-out.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.documentElement.classList.add("js");
  const rows = document.querySelector(".wf-rows");
  const panel = document.getElementById("detail");

  // Collapse/expand: rows are in depth-first order with data-d depths, so a
  // subtree is the run of following rows that are deeper.
  const depth = (li) => Number(li.dataset.d);
  const refresh = (li) => {
    const d = depth(li);
    let hideBelow = li.classList.contains("closed") ? d : Infinity;
    for (let el = li.nextElementSibling; el && depth(el) > d; el = el.nextElementSibling) {
      const ed = depth(el);
      if (ed > hideBelow) {
        el.hidden = true;
      } else {
        el.hidden = false;
        hideBelow = el.classList.contains("closed") ? ed : Infinity;
      }
    }
  };
  const toggle = (tg) => {
    const li = tg.closest("li.r");
    if (!li) return;
    li.classList.toggle("closed");
    tg.setAttribute("aria-expanded", li.classList.contains("closed") ? "false" : "true");
    refresh(li);
  };
  if (rows) {
    for (const tg of rows.querySelectorAll(".tg")) {
      tg.setAttribute("role", "button");
      tg.setAttribute("tabindex", "0");
      tg.setAttribute("aria-expanded", "true");
    }
    rows.addEventListener("click", (ev) => {
      const tg = ev.target.closest(".tg");
      if (tg) {
        ev.preventDefault();
        toggle(tg);
      }
    });
    rows.addEventListener("keydown", (ev) => {
      const tg = ev.target.closest(".tg");
      if (tg && (ev.key === "Enter" || ev.key === " ")) {
        ev.preventDefault();
        toggle(tg);
      }
    });
    // Buttons to fold everything to the roots' children, or open it all.
    const form = document.querySelector(".view-form");
    const bar = document.createElement("p");
    bar.className = "meta";
    const button = (label, fn) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "secondary small";
      b.textContent = label;
      b.addEventListener("click", fn);
      bar.appendChild(b);
    };
    const all = () => rows.querySelectorAll("li.r");
    button("Collapse all", () => {
      for (const li of all()) {
        const hasKids = li.querySelector(".tg");
        li.classList.toggle("closed", Boolean(hasKids) && depth(li) >= 1);
        li.hidden = depth(li) > 1;
      }
    });
    button("Expand all", () => {
      for (const li of all()) {
        li.classList.remove("closed");
        li.hidden = false;
      }
    });
    if (form) {
      form.parentNode.insertBefore(bar, form.nextSibling);
    } else {
      const wf = rows.closest(".wf");
      wf.parentNode.insertBefore(bar, wf);
    }
  }

  // Span detail in place: fetch the fragment the server renders for ?span=.
  const select = (span) => {
    for (const li of document.querySelectorAll("li.r.sel")) li.classList.remove("sel");
    const li = document.getElementById(`s-${span}`);
    if (li) li.classList.add("sel");
  };
  if (panel) {
    document.addEventListener("click", async (ev) => {
      const a = ev.target.closest("a[href]");
      if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      if (a.classList.contains("more")) return; // server-side expansion
      // getAttribute: an SVG <a> (flame graph) has no string .href.
      const href = a.getAttribute("href");
      const url = new URL(href, location.href);
      const span = url.searchParams.get("span");
      if (!span || url.pathname !== location.pathname) return;
      ev.preventDefault();
      const fetchUrl = new URL(url);
      fetchUrl.hash = "";
      fetchUrl.searchParams.set("part", "detail");
      try {
        const res = await fetch(fetchUrl, { headers: { Accept: "text/html" } });
        if (!res.ok) throw new Error(String(res.status));
        panel.innerHTML = await res.text();
        history.replaceState(null, "", url.pathname + url.search);
        select(span);
        if (panel.getBoundingClientRect().top < 0 || getComputedStyle(panel).position !== "sticky") {
          panel.scrollIntoView({ block: "nearest" });
        }
      } catch (_) {
        location.href = url.href;
      }
    });
  }

  // Flame graph: show the hovered bar's title below the graph.
  const info = document.querySelector(".flame-info");
  const flame = document.querySelector("svg.flame");
  if (info && flame) {
    flame.addEventListener("mouseover", (ev) => {
      const g = ev.target.closest("g.f, g.fm");
      const title = g && g.querySelector("title");
      if (title) info.textContent = title.textContent;
    });
  }
});
