// The dashboard: map, timeline and table over the same URL filters; brushing the timeline or
// submitting the filter form changes the URL, and all three reload from it.
"use strict";
(() => {
  const { fmt, filterParams, setParams, el } = window.CF;
  const mapEl = document.getElementById("map");
  const map = window.CFMap.create("map");
  window.CFDashboard = { map };  // for the browser tests: where an event is on screen
  const shown = { map: null, timeline: null, table: null };

  function show(which, n) {
    shown[which] = n;
    document.getElementById("count-" + which).textContent = fmt(n);
    document.body.dataset["count" + which[0].toUpperCase() + which.slice(1)] = String(n);
  }

  const events = window.CFMap.events(map, () => {
    const q = filterParams();
    q.delete("bbox");
    return q;
  }, (total, clustered, features, bbox) => {
    mapEl.dataset.bbox = bbox;  // what the count is for, even if the map has moved on since
    show("map", total);
    document.getElementById("map-mode").textContent = clustered ? "(map shows grid cells: zoom in for single events)" : "";
    mapEl.dataset.features = String(features.length);
    mapEl.dataset.clustered = clustered ? "1" : "0";
    mapEl.dataset.loaded = "1";
  }, (err) => {
    document.getElementById("map-mode").textContent = "Map: " + err.message;
    document.getElementById("count-map").textContent = "–";
    mapEl.dataset.loaded = "error";
  });

  // A refused request (a bad date in the URL, say) is said in each pane it empties, and the
  // status indicator keeps it (app.js): never "Ready" over empty panes.
  function paneError(which, err) {
    document.getElementById("count-" + which).textContent = "–";
    const box = document.getElementById(which + "-error");
    if (box) { box.textContent = err.message; box.hidden = false; }
    document.body.dataset.error = err.message;
  }

  const chart = window.CFTimeline.create(document.getElementById("timeline"), document.getElementById("brush"));
  window.CFDashboard.chart = chart;
  const table = document.getElementById("table");

  // The findings panel: the same figures as /api/findings and `ceasefire findings`.
  const WORDS = { violation: "violations", possible_violation: "possible violations", exempt: "exempt", compliant: "compliant", outside: "outside" };
  function pct(x) { return x === null || x === undefined ? "–" : Math.round(x * 100) + "%"; }
  async function loadFindings(q) {
    const d = await window.CF.api("findings", q);
    const box = document.getElementById("findings-incidents");
    const parts = d.verdicts.map((v) => fmt(d.incidents[v]) + " " + WORDS[v]);
    box.replaceChildren(el("b", {}, fmt(d.incidents.total) + " incidents"), " (each event once, at its worst verdict): " + parts.join(", ") + "; " + fmt(d.fatalities.total) + " deaths");
    box.dataset.total = String(d.incidents.total);
    for (const v of d.verdicts) box.dataset[v.replace("_v", "V")] = String(d.incidents[v]);
    const tbody = document.querySelector("#findings-parties tbody");
    tbody.replaceChildren(...d.by_party.map((p) => el("tr", { "data-party": p.party },
      el("td", {}, p.party), el("td", { class: "num" }, fmt(p.violations)), el("td", { class: "num" }, pct(p.violations_share)),
      el("td", { class: "num" }, fmt(p.possible_violations)), el("td", { class: "num" }, pct(p.possible_violations_share)))));
    const r = d.reviews;
    const rv = document.getElementById("findings-reviews");
    rv.textContent = "Reviewed by an analyst: " + fmt(d.reviewed) + " of " + fmt(d.incidents.total) + " incidents (" +
      fmt(r.confirmed) + " confirmed, " + fmt(r.disputed) + " disputed, " + fmt(r.overruled) + " overruled, " + fmt(r.needs_info) + " need more information); the rest are the machine's verdicts.";
    rv.dataset.reviewed = String(d.reviewed);
    return d;
  }

  async function refresh() {
    const q = filterParams();
    const agreement = q.get("agreement");
    document.getElementById("findings-error").hidden = true;
    for (const which of ["timeline", "table"]) document.getElementById(which + "-error").hidden = true;
    delete document.body.dataset.error;
    const jobs = [
      window.CFTimeline.update(chart, q, agreement).then((n) => show("timeline", n), (err) => {
        window.CFTimeline.clear(chart);
        paneError("timeline", err);
      }),
      window.CFTable.load(table, (n) => show("table", n)).catch((err) => {
        table.tBodies[0].replaceChildren();
        paneError("table", err);
      }),
      events.load(),
      loadFindings(q).catch((err) => {
        document.getElementById("findings-incidents").replaceChildren();
        const box = document.getElementById("findings-error");
        box.textContent = err.message; box.hidden = false;
        document.body.dataset.error = err.message;
      }),
    ];
    await Promise.allSettled(jobs);
    window.CFTimeline.marks(agreement).then((ms) => {
      document.getElementById("marks").textContent = window.CFTimeline.legendText(ms);
    }).catch(() => {});
    document.body.dataset.ready = "1";
  }

  // Patrols on the map (toggled in the legend) and the joint-patrol weeks that fell short.
  const patrolLayer = window.CFMap.patrols(map, filterParams);
  async function loadPatrols() {
    try {
      const n = await patrolLayer.load();
      document.getElementById("count-patrols").textContent = fmt(n);
      mapEl.dataset.patrols = String(n);
    } catch (err) {
      document.getElementById("count-patrols").textContent = "–";
      mapEl.dataset.patrols = "error";
    }
  }
  document.getElementById("show-patrols").addEventListener("change", (e) => {
    if (e.target.checked) map.addLayer(patrolLayer.group); else map.removeLayer(patrolLayer.group);
  });
  window.CF.api("patrols/findings").then((d) => {
    const unmet = d.rows.filter((r) => r.status === "unmet" && r.due !== null);
    const weeks = unmet.filter((r) => /^(week|day|month) /.test(r.reason || ""));
    if (!unmet.length) return;
    const box = document.getElementById("patrol-alert");
    const parts = [el("b", {}, "Joint patrols: " + weeks.length + " period(s) with too few joint patrols. "),
      ...weeks.slice(0, 4).map((r) => el("span", {}, r.agreement_id + ": " + r.reason + ". "))];
    if (weeks.length > 4) parts.push(el("span", {}, "and " + (weeks.length - 4) + " more. "));
    parts.push(el("a", { href: "/patrols" }, "coverage and findings →"));
    box.replaceChildren(...parts);
    box.hidden = false;
  }).catch(() => {});

  document.getElementById("clear-dates").addEventListener("click", () => setParams({ date_from: null, date_to: null }));
  window.addEventListener("cf:filters", () => { document.body.dataset.ready = "0"; refresh(); loadPatrols(); });

  window.CFMap.zones(map).then(({ layer, features }) => {
    window.CFMap.zoneLegend(document.getElementById("zone-legend"), features);
    const b = layer.getBounds();
    // not animated: the view is final before the first load, and a later setView is not
    // dropped by Leaflet while a zoom animation still runs
    if (b.isValid()) map.fitBounds(b, { padding: [10, 10], animate: false });
    mapEl.dataset.zones = String(layer.getLayers().length);
    loadPatrols();
    refresh();
  }).catch((err) => { mapEl.append(el("p", { class: "error" }, err.message)); loadPatrols(); refresh(); });
})();
