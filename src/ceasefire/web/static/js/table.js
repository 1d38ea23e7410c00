// The findings table shared by the dashboard and the violations page: incidents by default (one
// row per event at its worst verdict, most severe first), or one row per event and provision
// (unit=verdicts in the URL); sort by clicking a header (kept in the URL as sort/order), paging
// with limit/offset, every cell written as text.
"use strict";

const CFTable = (() => {
  const { el, fmt, api, params, setParams, verdictBadge, eventLink } = window.CF;

  const HEADS = {
    incidents: [["event_date", "Date"], ["verdict", "Worst verdict"], ["probability", "P"], ["party", "Party"],
      ["fatalities", "Deaths"], [null, "Location"], [null, "Event type"], [null, "Provisions breached"],
      [null, "Actors", true], [null, "Reason"], [null, "Review", true]],
    verdicts: [["event_date", "Date"], ["agreement_id", "Agreement"], ["provision_id", "Provision"],
      ["verdict", "Verdict"], ["probability", "P"], ["party", "Party"], [null, "Location"],
      ["event_type", "Event type"], [null, "Actors", true], ["fatalities", "Deaths"], [null, "Reason"],
      [null, "Review", true]],
  };

  function unitOf() { return params(["unit"]).get("unit") === "verdicts" ? "verdicts" : "incidents"; }

  function review(r) {
    if (r.review_stale) return "stale: the event changed since the review";
    if (!r.review_status || r.review_status === "unreviewed") return "unreviewed";
    const was = r.machine_verdict && r.machine_verdict !== r.verdict ? " (machine: " + r.machine_verdict.replace("_", " ") + ")" : "";
    return r.review_status.replace("_", " ") + was + (r.review_note ? ": " + r.review_note : "");
  }

  function head(table, unit, full) {
    const row = el("tr", {}, ...HEADS[unit].filter((h) => full || !h[2]).map(([key, label]) =>
      key ? el("th", { "data-sort": key }, label) : el("th", {}, label)));
    table.tHead.replaceChildren(row);
    table.dataset.unit = unit;
  }

  function incidentCells(r, full) {
    const row = [
      el("td", {}, eventLink(r.event_uid, r.event_date || r.event_uid, r)),
      el("td", {}, verdictBadge(r.verdict)),
      el("td", { class: "num" }, fmt(r.probability, 2)),
      el("td", {}, r.party || ""),
      el("td", { class: "num" }, fmt(r.fatalities)),
      el("td", {}, r.location || ""),
      el("td", {}, r.event_type || ""),
      el("td", { class: "provisions" }, r.breaches || ""),
    ];
    if (full) row.push(el("td", {}, [r.actor1, r.actor2].filter(Boolean).join(" vs ")));
    row.push(el("td", { class: "reason" }, r.reason || ""));
    if (full) row.push(el("td", { class: "review" }, review(r)));
    return el("tr", { "data-uid": r.event_uid }, ...row);
  }

  function cells(r, full) {
    const row = [
      el("td", {}, eventLink(r.event_uid, r.event_date || r.event_uid, r)),
      el("td", {}, el("a", { href: "/agreements/" + encodeURIComponent(r.agreement_id) }, r.agreement_id)),
      el("td", {}, r.provision_id),
      el("td", {}, verdictBadge(r.verdict)),
      el("td", { class: "num" }, fmt(r.probability, 2)),
      el("td", {}, r.party || ""),
      el("td", {}, r.location || ""),
      el("td", {}, r.event_type || ""),
    ];
    if (full) row.push(el("td", {}, [r.actor1, r.actor2].filter(Boolean).join(" vs ")));
    row.push(el("td", { class: "num" }, fmt(r.fatalities)));
    row.push(el("td", { class: "reason" }, r.reason || ""));
    if (full) row.push(el("td", { class: "review" }, review(r)));
    return el("tr", { "data-uid": r.event_uid }, ...row);
  }

  function wireSort(table) {
    const q = params();
    const sort = q.get("sort"), order = q.get("order") || "desc";
    for (const th of table.querySelectorAll("th[data-sort]")) {
      th.classList.toggle("sorted", th.dataset.sort === sort);
      th.dataset.order = th.dataset.sort === sort ? order : "";
      th.tabIndex = 0;
      th.onclick = () => {
        const nextOrder = th.dataset.sort === params().get("sort") && params().get("order") !== "asc" ? "asc" : "desc";
        setParams({ sort: th.dataset.sort, order: nextOrder, offset: null });
      };
    }
  }

  // Load the rows for the URL's filters; resolves to the page ({items,total,limit,offset}).
  async function load(table, onTotal) {
    const full = table.dataset.paged === "1";
    const unit = unitOf();
    const q = params();
    const limit = full ? (q.get("limit") || table.dataset.limit) : table.dataset.limit;
    q.set("limit", limit);
    if (!full) q.delete("offset");
    // incidents: most severe first (deaths, then verdict, then probability) unless sorted
    if (!q.get("sort") && unit === "verdicts") { q.set("sort", "event_date"); q.set("order", "desc"); }
    head(table, unit, full);
    wireSort(table);
    const tbody = table.tBodies[0];
    const page = await api(unit, q);
    const row = unit === "incidents" ? incidentCells : cells;
    tbody.replaceChildren(...page.items.map((r) => row(r, full)));
    if (!page.items.length) tbody.append(el("tr", {}, el("td", { colspan: "12", class: "muted" }, "No rows match these filters.")));
    if (onTotal) onTotal(page.total);
    if (full) pager(page);
    return page;
  }

  function pager(page) {
    const prev = document.getElementById("prev"), next = document.getElementById("next");
    const info = document.getElementById("page-info");
    const first = page.total ? page.offset + 1 : 0;
    info.textContent = first + "–" + Math.min(page.offset + page.limit, page.total) + " of " + fmt(page.total);
    prev.hidden = page.offset <= 0;
    next.hidden = page.offset + page.limit >= page.total;
    prev.onclick = (e) => { e.preventDefault(); setParams({ offset: String(Math.max(0, page.offset - page.limit)) }); };
    next.onclick = (e) => { e.preventDefault(); setParams({ offset: String(page.offset + page.limit) }); };
  }

  return { load, cells, unitOf };
})();
window.CFTable = CFTable;
