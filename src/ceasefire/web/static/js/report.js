// The field report form: position by clicking the map or typing, then POST /api/reports; the
// answer (the report's event and its verdicts) is shown and the estimated location drawn.
"use strict";
(() => {
  const { el, send, COLORS, verdictBadge, eventLink } = window.CF;
  const form = document.getElementById("report");
  const lat = document.getElementById("r-lat"), lon = document.getElementById("r-lon");
  const map = window.CFMap.create("map");
  window.CFReport = { map };  // for the browser tests: where to click
  // zones take no clicks (map.js): a click inside the corridor sets the position
  window.CFMap.zones(map).then(({ features }) => {
    window.CFMap.zoneLegend(document.getElementById("zone-legend"), features);
    document.getElementById("map").dataset.zones = String(features.length);
  }).catch(() => {});
  // The time is this device's local time with its real UTC offset (Date.getTimezoneOffset, so
  // daylight saving follows the date entered); both fields stay editable, and an offset the user
  // typed is left alone.
  const observed = document.getElementById("r-observed_at");
  const offset = document.getElementById("r-offset");
  const pad = (n) => String(n).padStart(2, "0");
  const localText = (d) => d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
    "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  const offsetText = (d) => {
    const east = -d.getTimezoneOffset();
    const abs = Math.abs(east);
    return (east < 0 ? "-" : "+") + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
  };
  if (!observed.value) observed.value = localText(new Date());
  let offsetTyped = offset.value !== "";
  function autoOffset() {
    if (offsetTyped) return;
    const at = new Date(observed.value); // "YYYY-MM-DDTHH:MM" is read as local time
    offset.value = offsetText(Number.isNaN(at.getTime()) ? new Date() : at);
  }
  autoOffset();
  for (const kind of ["input", "change"]) observed.addEventListener(kind, autoOffset);
  offset.addEventListener("input", () => { offsetTyped = offset.value !== ""; });
  let me = null, est = null;
  function place() {
    const la = parseFloat(lat.value), lo = parseFloat(lon.value);
    if (Number.isNaN(la) || Number.isNaN(lo)) return;
    if (me) me.setLatLng([la, lo]); else me = L.marker([la, lo], { title: "your position" }).addTo(map);
  }
  map.on("click", (e) => { lat.value = e.latlng.lat.toFixed(5); lon.value = e.latlng.lng.toFixed(5); place(); });
  lat.addEventListener("change", place); lon.addEventListener("change", place);

  function body() {
    const f = form.elements;
    const out = {
      observed_at: f.observed_at.value + (f.observed_at.value.length === 16 ? ":00" : "") + (f.offset.value || "+00:00"),
      latitude: parseFloat(f.latitude.value), longitude: parseFloat(f.longitude.value),
      observation: f.observation.value, event_type: f.event_type.value,
    };
    if (f.bearing_deg.value !== "") out.bearing_deg = parseFloat(f.bearing_deg.value);
    if (f.distance_band.value) out.distance_band = f.distance_band.value;
    if (f.fatalities.value !== "") out.fatalities = parseInt(f.fatalities.value, 10);
    for (const k of ["actor1", "actor2", "text", "photo_sha256"]) if (f[k].value.trim()) out[k] = f[k].value.trim();
    return out;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const result = document.getElementById("report-result");
    result.replaceChildren("Submitting…");
    let r;
    try { r = await send("POST", "reports", body(), "Submitting and evaluating…"); } catch (err) {
      result.replaceChildren(el("p", { class: "error" }, err.message)); return;
    }
    const worst = (r.verdicts || []).map((v) => v.verdict);
    const top = window.CF.VERDICTS.find((v) => worst.includes(v)) || "none";
    result.replaceChildren(el("p", { class: "ok", "data-event": r.event_uid }, "Report " + r.id + " stored as ", eventLink(r.event_uid), "."),
      el("table", { class: "mini" }, ...(r.verdicts || []).map((v) => el("tr", {},
        el("td", {}, v.agreement_id + " / " + v.provision_id), el("td", {}, verdictBadge(v.verdict)),
        el("td", {}, v.probability === null || v.probability === undefined ? "" : "p=" + v.probability.toFixed(2)), el("td", {}, v.reason || "")))),
      el("a", { href: "/?verdict=violation&verdict=possible_violation&verdict=exempt&verdict=compliant&verdict=outside&source=field_report" }, "See field reports on the dashboard →"));
    if (est) map.removeLayer(est);
    if (r.est_latitude !== null && r.est_latitude !== undefined) {
      est = L.circle([r.est_latitude, r.est_longitude], { radius: (r.radius_km || 1) * 1000, color: COLORS[top], dashArray: "3 3", interactive: false }).addTo(map);
    }
  });
})();
