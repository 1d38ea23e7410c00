// Did it hold: per zone, events and deaths per week before and after the agreement took effect,
// and by party the violations and the possible violations, each with its own share (never summed).
"use strict";
(async () => {
  const { el, api, fmt, when, day } = window.CF;
  const id = document.body.dataset.agreement;
  let h;
  try { h = await api("agreements/" + encodeURIComponent(id) + "/held"); } catch (err) {
    document.getElementById("summary").textContent = err.message; return;
  }
  document.getElementById("summary").textContent = "In force from " + (when(h.effective_from) || "?")
    + ". Events and deaths inside each zone of the agreement, per week, before and after.";
  const names = Object.fromEntries(h.weeks.map((w) => [w.zone, w.zone_name || w.zone]));
  document.querySelector("#totals tbody").replaceChildren(...h.totals.map((t) => el("tr", { "data-zone": t.zone, "data-period": t.period },
    el("td", {}, names[t.zone] || t.zone), el("td", {}, t.period), el("td", { class: "num" }, fmt(t.events)), el("td", { class: "num" }, fmt(t.fatalities)),
    el("td", { class: "num" }, fmt(t.events_per_week, 1)), el("td", { class: "num" }, fmt(t.fatalities_per_week, 1)))));
  const zones = [...new Set(h.weeks.map((w) => w.zone))];
  const box = document.getElementById("zone-charts");
  const start = day(h.effective_from);
  for (const z of zones) {
    const rows = h.weeks.filter((w) => w.zone === z).sort((a, b) => a.week - b.week);
    const canvas = el("canvas", { "aria-label": "Events and deaths per week in " + z });
    box.append(el("section", { class: "zone-chart" }, el("h2", {}, names[z] + " (" + z + ")"), el("div", { class: "chart-box" }, canvas)));
    const labels = rows.map((r) => r.week_start || String(r.week));
    new Chart(canvas, {
      data: {
        labels,
        datasets: [
          { type: "bar", label: "events", data: rows.map((r) => r.events), yAxisID: "y",
            backgroundColor: rows.map((r) => (r.period === "after" ? "#c62828" : "#90a4ae")) },
          { type: "line", label: "deaths", data: rows.map((r) => r.fatalities), yAxisID: "y2", borderColor: "#212121", pointRadius: 0, borderWidth: 1 },
        ],
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { title: { display: !!start, text: "grey: before " + start + " · red: after" } },
        scales: { y: { beginAtZero: true, title: { display: true, text: "events" } },
          y2: { beginAtZero: true, position: "right", grid: { display: false }, title: { display: true, text: "deaths" } },
          x: { ticks: { maxTicksLimit: 12 } } },
      },
    });
  }
  if (!zones.length) box.append(el("p", { class: "muted" }, "No events in the agreement's zones."));
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
    if (!rows.length) { canvas.replaceWith(el("p", { class: "muted" }, "None in these weeks.")); continue; }
    new Chart(canvas, {
      type: "doughnut",
      data: { labels: rows.map((p) => p.party || "unattributed"),
        datasets: [{ label: key.replace("_", " "), data: rows.map((p) => p[key]), backgroundColor: colours }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false },
    });
  }
})();
