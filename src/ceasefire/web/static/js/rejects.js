"use strict";
(() => {
  const { el, api, params, setParams, fmt } = window.CF;
  const tbody = document.querySelector("#rejects tbody");
  async function refresh() {
    const q = params(["limit", "offset"]);
    if (!q.get("limit")) q.set("limit", "100");
    try {
      const page = await api("rejects", q);
      document.getElementById("count-table").textContent = fmt(page.total);
      tbody.replaceChildren(...page.items.map((r) => el("tr", {},
        el("td", {}, r.ingest_id === null ? "" : String(r.ingest_id)), el("td", {}, r.file || ""),
        el("td", { class: "num" }, r.line === null ? "" : String(r.line)), el("td", {}, r.field || ""),
        el("td", {}, r.value === null ? "" : String(r.value)), el("td", {}, r.reason || ""))));
      if (!page.items.length) tbody.append(el("tr", {}, el("td", { colspan: "6", class: "muted" }, "No rejected rows.")));
      const prev = document.getElementById("prev"), next = document.getElementById("next");
      document.getElementById("page-info").textContent = page.total ? (page.offset + 1) + "–" + Math.min(page.offset + page.limit, page.total) + " of " + fmt(page.total) : "";
      prev.hidden = page.offset <= 0; next.hidden = page.offset + page.limit >= page.total;
      prev.onclick = (e) => { e.preventDefault(); setParams({ offset: String(Math.max(0, page.offset - page.limit)) }); };
      next.onclick = (e) => { e.preventDefault(); setParams({ offset: String(page.offset + page.limit) }); };
    } catch (err) {
      tbody.replaceChildren(el("tr", {}, el("td", { colspan: "6", class: "error" }, err.message)));
    }
  }
  window.addEventListener("cf:filters", refresh);
  refresh();
})();
