// One event: what happened, its evidence (source, text or row, link), every verdict with its
// reason and probability, reviews, and the analyst's review form.
"use strict";
(async () => {
  const { el, api, send, fmt, verdictBadge } = window.CF;
  const uid = document.body.dataset.event;
  let d;
  try { d = await api("events/" + encodeURIComponent(uid)); } catch (err) {
    document.getElementById("facts").replaceChildren(el("p", { class: "error" }, err.message)); return;
  }
  const e = d.event;
  const keys = ["event_date", "time_start", "time_end", "event_type", "sub_event_type", "actor1", "assoc_actor_1",
    "actor2", "assoc_actor_2", "location", "admin1", "admin2", "latitude", "longitude", "geo_precision",
    "location_uncertainty_km", "time_precision", "fatalities", "source", "source_dataset", "source_row_id", "notes"];
  const facts = [];
  for (const k of keys) {
    if (e[k] === null || e[k] === undefined || e[k] === "") continue;
    facts.push(el("dt", {}, k.replace(/_/g, " ")), el("dd", { "data-field": k }, String(e[k])));
  }
  document.getElementById("facts").replaceChildren(...facts);
  document.getElementById("evidence").replaceChildren(...d.evidence.map((x) => el("div", { class: "evidence-item" },
    el("b", {}, x.kind), " ", (x.source_dataset || ""), x.file ? " · " + x.file + (x.line ? ":" + x.line : "") : "",
    x.user ? " · by " + x.user : "", x.report_id ? " · report " + x.report_id : "",
    x.text ? el("blockquote", { class: "quote" }, x.text) : null,
    window.CF.safeUrl(x.url) ? el("a", { href: window.CF.safeUrl(x.url), rel: "noopener noreferrer", target: "_blank" }, x.url) : null)));
  document.querySelector("#verdicts tbody").replaceChildren(...d.verdicts.map((v) => el("tr", {},
    el("td", {}, el("a", { href: "/agreements/" + encodeURIComponent(v.agreement_id) }, v.agreement_id)),
    el("td", {}, v.provision_id), el("td", {}, verdictBadge(v.verdict)), el("td", { class: "num" }, fmt(v.probability, 2)),
    el("td", { class: "num" }, fmt(v.p_space, 2)), el("td", { class: "num" }, fmt(v.p_time, 2)),
    el("td", {}, v.party || ""), el("td", { class: "reason" }, v.reason || ""))));
  document.querySelector("#reviews tbody").replaceChildren(...d.reviews.map((r) => el("tr", {},
    el("td", {}, r.created_at || ""), el("td", {}, r.user || ""), el("td", {}, r.agreement_id), el("td", {}, r.provision_id),
    el("td", {}, r.status), el("td", {}, r.note || ""))));
  if (e.latitude !== null && e.latitude !== undefined) {
    const map = window.CFMap.create("map");
    const color = window.CF.COLORS[(d.verdicts.find((v) => v.verdict !== "outside") || {}).verdict || "outside"];
    map.setView([e.latitude, e.longitude], 10);
    if (e.location_uncertainty_km) L.circle([e.latitude, e.longitude], { radius: e.location_uncertainty_km * 1000, color, dashArray: "3 3", fill: false }).addTo(map);
    L.circleMarker([e.latitude, e.longitude], { radius: window.CFMap.radiusFor(e.fatalities), color: "#222", weight: 1, fillColor: color, fillOpacity: 0.9 }).addTo(map);
    window.CFMap.zones(map).catch(() => {});
  }
  const form = document.getElementById("review");
  if (!form) return;
  const target = document.getElementById("review-target");
  target.replaceChildren(...d.verdicts.map((v, i) => el("option", { value: String(i) }, v.agreement_id + " / " + v.provision_id + " (" + v.verdict + ")")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const v = d.verdicts[Number(target.value)];
    const out = document.getElementById("review-result");
    try {
      await send("POST", "verdicts/review", { agreement: v.agreement_id, provision: v.provision_id, event_uid: uid,
        status: form.elements.status.value, note: form.elements.note.value });
      out.textContent = "Saved."; window.location.reload();
    } catch (err) { out.textContent = err.message; }
  });
})();
