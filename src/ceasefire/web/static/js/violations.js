"use strict";
(() => {
  const { el, fmt, filterParams } = window.CF;
  const table = document.getElementById("table");
  function exports() {
    const q = filterParams().toString();
    const unit = window.CFTable.unitOf();
    document.getElementById("export-csv").setAttribute("href", "/api/" + unit + ".csv?" + q);
    document.getElementById("export-geojson").setAttribute("href", "/api/verdicts.geojson?" + q);
    document.getElementById("count-unit").textContent = unit === "incidents" ? "incidents (each event once, at its worst verdict)" : "verdict rows (one per event and provision)";
    for (const a of document.querySelectorAll("#unit-switch a")) {
      a.classList.toggle("current", a.dataset.unit === unit);
      const u = new URLSearchParams(window.location.search);
      u.delete("offset"); u.delete("sort"); u.delete("order");
      if (a.dataset.unit === "verdicts") u.set("unit", "verdicts"); else u.delete("unit");
      a.setAttribute("href", "?" + u.toString());
    }
  }
  async function refresh() {
    exports();
    try {
      await window.CFTable.load(table, (t) => { document.getElementById("count-table").textContent = fmt(t); });
    } catch (err) {
      table.tBodies[0].replaceChildren(el("tr", {}, el("td", { colspan: "12", class: "error" }, err.message)));
    }
  }
  window.addEventListener("cf:filters", refresh);
  refresh();
})();
