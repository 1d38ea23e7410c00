"use strict";
(() => {
  const { el, fmt, filterParams } = window.CF;
  const table = document.getElementById("table");
  function exports() {
    const q = filterParams().toString();
    document.getElementById("export-csv").setAttribute("href", "/api/verdicts.csv?" + q);
    document.getElementById("export-geojson").setAttribute("href", "/api/verdicts.geojson?" + q);
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
