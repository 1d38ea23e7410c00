// Did it hold: the API's one measure (ceasefire.held, the same as `ceasefire before-after`), for
// the window in the URL (unit, before, after). Per zone and party the totals with the rate ratio
// after/before and its interval in words; per zone a chart of events per period in which a period
// without evidence is a hatched gap (never a zero bar) and a partly covered one is pale; and by
// party the violations and the possible violations, each with its own share (never summed).
"use strict";
(async () => {
  const { el, api, fmt, when } = window.CF;
  const id = document.body.dataset.agreement;
  const url = new URLSearchParams(window.location.search);
  const query = new URLSearchParams();
  for (const k of ["unit", "before", "after"]) {
    const v = (url.get(k) || "").trim();
    if (v) query.set(k, v);
  }
  const summary = document.getElementById("summary");
  let h;
  try { h = await api("agreements/" + encodeURIComponent(id) + "/held", query); } catch (err) {
    summary.textContent = err.message;
    summary.classList.add("error");
    return;
  }
  const ev = h.evidence;
  const w = h.window;
  summary.textContent = "In force from " + (when(h.effective_from) || "?") + ". " + w.label
    + " the start: the local days " + w.first_day + " to " + w.last_day + " (" + w.timezone + "). "
    + (ev ? "The evidence runs from " + ev.first + " to " + ev.last + "." : "There is no evidence at all.");
  const names = Object.fromEntries(h.zones.map((z) => [z.id, z.name]));

  // What the evidence covers on each side: the same for every zone and party
  const notes = document.getElementById("held-notes");
  const first = h.totals[0];
  if (first) {
    for (const side of ["before", "after"]) {
      const covered = first[side + "_covered_days"];
      const days = first[side + "_days"];
      if (covered === 0) {
        notes.append(el("p", { class: "notice unmet", id: "no-evidence-" + side, "data-side": side },
          "No evidence " + side + " the start: none of the " + days + " days " + side + " it is covered by the evidence"
          + (ev ? " (" + ev.first + " to " + ev.last + ")" : "") + ". Nothing here can say whether the agreement held; "
          + "these periods are shown as gaps, not as zero."));
      } else if (covered < days) {
        notes.append(el("p", { class: "notice", id: "partial-evidence-" + side, "data-side": side },
          "The evidence covers " + covered + " of the " + days + " days " + side + " the start; "
          + "rates are per week of covered days."));
      }
    }
  }

  // Totals by zone and party
  const rate = (n, perWeek) => (n === null || n === undefined ? "no evidence" : fmt(n) + " (" + fmt(perWeek, 2) + " / week)");
  const ratio = (x) => (x === null || x === undefined ? "–" : x.toFixed(2));
  document.querySelector("#totals tbody").replaceChildren(...h.totals.map((t) => el("tr", {
    "data-zone": t.zone, "data-party": t.party, class: t.note && t.note.startsWith("no evidence") ? "no-evidence" : null,
  },
  el("td", {}, names[t.zone] || t.zone), el("td", {}, t.party),
  el("td", { class: "num", "data-col": "covered_days" }, t.before_covered_days + " of " + t.before_days + " / " + t.after_covered_days + " of " + t.after_days),
  el("td", { class: "num", "data-col": "before_events" }, rate(t.before_events, t.before_events_per_week)),
  el("td", { class: "num", "data-col": "after_events" }, rate(t.after_events, t.after_events_per_week)),
  el("td", { class: "change", "data-col": "summary" }, t.summary),
  el("td", { class: "num", "data-col": "before_fatalities" }, rate(t.before_fatalities, t.before_fatalities_per_week)),
  el("td", { class: "num", "data-col": "after_fatalities" }, rate(t.after_fatalities, t.after_fatalities_per_week)),
  el("td", { class: "num", "data-col": "fatalities_ratio" }, t.fatalities_ratio === null ? "–" : ratio(t.fatalities_ratio) + " (no interval)"))));

  // Per period: one chart per zone for the party picked
  const pick = document.getElementById("held-party");
  pick.replaceChildren(...h.parties.map((p) => el("option", { value: p }, p === "all" ? "all parties" : p)));
  const hatch = (() => {
    const c = document.createElement("canvas");
    c.width = 8; c.height = 8;
    const g = c.getContext("2d");
    g.fillStyle = "#f5f5f5"; g.fillRect(0, 0, 8, 8);
    g.strokeStyle = "#757575"; g.lineWidth = 1;
    g.beginPath(); g.moveTo(0, 8); g.lineTo(8, 0); g.moveTo(-2, 2); g.lineTo(2, -2); g.moveTo(6, 10); g.lineTo(10, 6); g.stroke();
    return g.createPattern(c, "repeat");
  })();
  const box = document.getElementById("zone-charts");
  let charts = [];
  function draw(party) {
    charts.forEach((c) => c.destroy());
    charts = [];
    box.replaceChildren();
    for (const z of h.zones) {
      const rows = h.periods.filter((p) => p.zone === z.id && p.party === party);
      const canvas = el("canvas", { "aria-label": "Events and deaths per " + w.unit + " in " + z.name + ", " + party });
      const periodList = el("ul", { class: "held-period-list" }, ...rows.map((r) => el("li", {
        "data-period": r.period, "data-side": r.side, "data-coverage": r.coverage, "data-split": String(r.split),
      }, r.start + " to " + r.end + ": " + (r.coverage === "none" ? "no evidence" : fmt(r.events) + " events, " + fmt(r.fatalities) + " deaths"
        + (r.coverage === "partial" ? " (evidence for " + r.covered_days + " of " + r.days + " days)" : "")))));
      box.append(el("section", { class: "zone-chart", "data-zone": z.id }, el("h3", {}, z.name + " (" + z.id + ")"),
        el("div", { class: "chart-box" }, canvas), el("details", {}, el("summary", {}, "The " + w.unit + "s as a list"), periodList)));
      const labels = rows.map((r) => (w.unit === "month" ? r.start.slice(0, 7) : r.start) + (r.split ? " (" + r.side + ", part)" : ""));
      const bar = (test) => rows.map((r) => (test(r) ? r.events : null));
      // a part of a period (the month of the start, split) or a period the evidence covers in
      // part: pale, so it is not read as a whole period's count
      const partial = (r) => r.coverage === "partial" || (r.split && r.coverage !== "none");
      const full = (side) => (r) => r.side === side && r.coverage === "full" && !r.split;
      charts.push(new Chart(canvas, {
        data: {
          labels,
          datasets: [
            { type: "bar", label: "before", data: bar(full("before")), backgroundColor: "#90a4ae", stack: "e", yAxisID: "y" },
            { type: "bar", label: "after", data: bar(full("after")), backgroundColor: "#c62828", stack: "e", yAxisID: "y" },
            { type: "bar", label: "part of a period, or partial evidence (pale)", data: bar(partial),
              backgroundColor: rows.map((r) => (r.side === "after" ? "#ef9a9a" : "#cfd8dc")), borderColor: "#616161", borderWidth: 1, stack: "e", yAxisID: "y" },
            { type: "bar", label: "no evidence (unknown, not zero)", data: rows.map((r) => (r.coverage === "none" ? 1 : null)),
              backgroundColor: hatch, borderColor: "#9e9e9e", borderWidth: 1, stack: "gap", yAxisID: "gap", barPercentage: 1, categoryPercentage: 1 },
            { type: "line", label: "deaths", data: rows.map((r) => r.fatalities), yAxisID: "y2", borderColor: "#212121",
              pointRadius: 0, borderWidth: 1, spanGaps: false },
          ],
        },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          plugins: {
            title: { display: true, text: "events per " + w.unit + " (" + (party === "all" ? "all parties" : party) + "), start " + (h.effective_from.label || "") },
            tooltip: { callbacks: { label: (c) => (c.dataset.yAxisID === "gap" ? "no evidence" : c.dataset.label + ": " + fmt(c.raw)) } },
          },
          scales: {
            x: { stacked: true, ticks: { maxTicksLimit: 12 } },
            y: { stacked: true, beginAtZero: true, title: { display: true, text: "events" } },
            gap: { display: false, min: 0, max: 1, stacked: true },
            y2: { beginAtZero: true, position: "right", grid: { display: false }, title: { display: true, text: "deaths" } },
          },
        },
      }));
    }
    if (!h.zones.length) box.append(el("p", { class: "muted" }, "The agreement has no zones to count in."));
  }
  pick.addEventListener("change", () => draw(pick.value));
  draw("all");

  // violations and possible violations by party: each its own count, share and chart, never summed
  const share = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1) + " %");
  document.querySelector("#parties tbody").replaceChildren(...h.by_party.map((p) => el("tr", { "data-party": p.party || "unattributed" },
    el("td", {}, p.party || "unattributed"),
    el("td", { class: "num", "data-col": "violations" }, fmt(p.violations)),
    el("td", { class: "num", "data-col": "violations_share" }, share(p.violations_share)),
    el("td", { class: "num", "data-col": "possible_violations" }, fmt(p.possible_violations)),
    el("td", { class: "num", "data-col": "possible_violations_share" }, share(p.possible_violations_share)))));
  const colours = ["#c62828", "#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#8d8d8d"];
  for (const [verdict, key] of [["violation", "violations"], ["possible_violation", "possible_violations"]]) {
    const rows = h.by_party.filter((p) => p[key] > 0);
    const canvas = document.getElementById("party-chart-" + verdict);
    if (!rows.length) { canvas.replaceWith(el("p", { class: "muted" }, "None in these days.")); continue; }
    new Chart(canvas, {
      type: "doughnut",
      data: { labels: rows.map((p) => p.party || "unattributed"),
        datasets: [{ label: key.replace("_", " "), data: rows.map((p) => p[key]), backgroundColor: colours }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false },
    });
  }
})();
