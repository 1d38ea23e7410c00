// The review queue (/reviews): the incidents to review next from /api/reviews/queue, most
// consequential first (the briefing's top violations, then impact = deaths x uncertainty), over
// the filter bar's filters and the review status in the URL; each row links to the event page
// with its verdict preselected in the review form. Text is written with textContent.
"use strict";
(() => {
  const { el, fmt, api, params, setParams, verdictBadge, eventLink, FILTERS } = window.CF;
  const KEYS = FILTERS.concat(FILTERS.includes("review_status") ? [] : ["review_status"]);
  const table = document.getElementById("queue");
  const tbody = table.tBodies[0];
  const status = document.getElementById("rv-status");
  const words = (s) => (s || "unreviewed").replace(/_/g, " ");

  function row(r, rank) {
    const verdict = el("td", { class: "verdict" }, verdictBadge(r.verdict));
    if (r.machine_verdict && r.machine_verdict !== r.verdict) {
      verdict.append(" ", el("span", { class: "muted machine" }, "machine: " + r.machine_verdict));
    }
    return el("tr", { "data-uid": r.event_uid, "data-in-briefing": r.in_briefing ? "1" : "0",
      "data-review-status": r.review_status || "unreviewed" },
    el("td", { class: "num" }, String(rank)),
    el("td", {}, eventLink(r.event_uid, r.event_date || r.event_uid, r)),
    el("td", {}, r.location || ""),
    el("td", { class: "num" }, fmt(r.fatalities)),
    verdict,
    el("td", { class: "num" }, fmt(r.probability, 2)),
    el("td", {}, r.party || ""),
    el("td", {}, r.breaches || ""),
    el("td", { class: "num" }, fmt(r.impact, 2)),
    el("td", { class: "briefing" }, r.in_briefing ? "top of the briefing" : ""),
    el("td", { class: "review", "data-status": r.review_status || "unreviewed" }, words(r.review_status)));
  }

  async function refresh() {
    const q = params(KEYS.concat(["limit", "offset"]));
    if (!q.get("limit")) q.set("limit", table.dataset.limit || "50");
    status.value = new URLSearchParams(window.location.search).get("review_status") || "";
    try {
      const page = await api("reviews/queue", q);
      document.getElementById("count-queue").textContent = fmt(page.total);
      tbody.replaceChildren(...page.items.map((r, i) => row(r, page.offset + i + 1)));
      if (!page.items.length) tbody.append(el("tr", {}, el("td", { colspan: "11", class: "muted" }, "Nothing to review under these filters.")));
      const prev = document.getElementById("prev"), next = document.getElementById("next");
      document.getElementById("page-info").textContent = page.total ? (page.offset + 1) + "–" + Math.min(page.offset + page.limit, page.total) + " of " + fmt(page.total) : "";
      prev.hidden = page.offset <= 0;
      next.hidden = page.offset + page.limit >= page.total;
      prev.onclick = (e) => { e.preventDefault(); setParams({ offset: String(Math.max(0, page.offset - page.limit)) }); };
      next.onclick = (e) => { e.preventDefault(); setParams({ offset: String(page.offset + page.limit) }); };
      table.dataset.loaded = "1";
    } catch (err) {
      document.getElementById("count-queue").textContent = "?";
      tbody.replaceChildren(el("tr", {}, el("td", { colspan: "11", class: "error" }, err.message)));
    }
  }

  status.addEventListener("change", () => setParams({ review_status: status.value || null, offset: null }));
  window.addEventListener("cf:filters", refresh);
  refresh();
})();
