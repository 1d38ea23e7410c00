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
  }, (total, clustered, features) => {
    const b = map.getBounds();
    mapEl.dataset.bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(4)).join(",");
    show("map", total);
    document.getElementById("map-mode").textContent = clustered ? "(map shows grid cells: zoom in for single events)" : "";
    mapEl.dataset.features = String(features.length);
    mapEl.dataset.clustered = clustered ? "1" : "0";
    mapEl.dataset.loaded = "1";
  });

  const chart = window.CFTimeline.create(document.getElementById("timeline"), document.getElementById("brush"));
  const table = document.getElementById("table");

  async function refresh() {
    const q = filterParams();
    const agreement = q.get("agreement");
    const jobs = [
      window.CFTimeline.update(chart, q, agreement).then((n) => show("timeline", n)),
      window.CFTable.load(table, (n) => show("table", n)),
      events.load(),
    ];
    await Promise.allSettled(jobs);
    window.CFTimeline.marks(agreement).then((ms) => {
      document.getElementById("marks").textContent = window.CFTimeline.legendText(ms);
    }).catch(() => {});
    document.body.dataset.ready = "1";
  }

  document.getElementById("clear-dates").addEventListener("click", () => setParams({ date_from: null, date_to: null }));
  window.addEventListener("cf:filters", () => { document.body.dataset.ready = "0"; refresh(); });

  window.CFMap.zones(map).then(({ layer }) => {
    const b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [10, 10] });
    mapEl.dataset.zones = String(layer.getLayers().length);
    refresh();
  }).catch((err) => { mapEl.append(el("p", { class: "error" }, err.message)); refresh(); });
})();
