// One event: every verdict with its reason and probability first, then what happened (precision
// codes in words), its evidence (the notes once, there), reviews, and the analyst's review form
// with the verdict the analyst came from (?agreement=&provision=) preselected and no status.
"use strict";
(async () => {
  const { el, api, send, fmt, time, verdictBadge } = window.CF;
  const uid = document.body.dataset.event;
  const url = new URLSearchParams(window.location.search);
  const from = { agreement: url.get("agreement"), provision: url.get("provision") };
  let d;
  try { d = await api("events/" + encodeURIComponent(uid)); } catch (err) {
    document.getElementById("facts").replaceChildren(el("p", { class: "error" }, err.message)); return;
  }
  const e = d.event;
  // ACLED's precision codes (UCDP's are read into them), in words
  const GEO = { 1: "the named place itself", 2: "near the named place, or part of a region", 3: "only a larger region" };
  const TIME = { 1: "the day is known", 2: "known to the week (± 3 days)", 3: "known to the month (± 15 days)" };
  const words = {
    geo_precision: (c) => c + ": " + (GEO[c] || "unknown code") + (e.location_uncertainty_km ? "; placed within ± " + e.location_uncertainty_km + " km" : ""),
    time_precision: (c) => c + ": " + (TIME[c] || "unknown code"),
  };
  // the time window in the local time the event dates are in (Asia/Damascus), to the minute
  const zone = document.body.dataset.timezone || "UTC";
  const local = (t) => {
    const d = new Date(t);
    if (!t || Number.isNaN(d.getTime())) return time(t);
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone: zone, hourCycle: "h23",
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(d).map((p) => [p.type, p.value]));
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  };
  const keys = ["event_date", "event_type", "sub_event_type", "actor1", "assoc_actor_1",
    "actor2", "assoc_actor_2", "location", "admin1", "admin2", "latitude", "longitude", "geo_precision",
    "time_precision", "fatalities", "source", "source_dataset", "source_row_id"];
  const facts = [];
  for (const k of keys) {
    if (e[k] === null || e[k] === undefined || e[k] === "") continue;
    facts.push(el("dt", {}, k.replace(/_/g, " ")), el("dd", { "data-field": k }, words[k] ? words[k](e[k]) : String(e[k])));
    if (k === "event_date" && e.time_start) {
      facts.push(el("dt", {}, "time window"), el("dd", { "data-field": "time_window", title: time(e.time_start) + " to " + time(e.time_end) },
        local(e.time_start) + " to " + local(e.time_end) + " (" + zone + ")"));
    }
  }
  document.getElementById("facts").replaceChildren(...facts);
  document.getElementById("evidence").replaceChildren(...d.evidence.map((x) => el("div", { class: "evidence-item" },
    el("b", {}, x.kind), " ", (x.source_dataset || ""), x.file ? " · " + x.file + (x.line ? ":" + x.line : "") : "",
    x.user ? " · by " + x.user : "", x.report_id ? " · report " + x.report_id : "",
    x.text ? el("blockquote", { class: "quote" }, x.text) : null,
    window.CF.safeUrl(x.url) ? el("a", { href: window.CF.safeUrl(x.url), rel: "noopener noreferrer", target: "_blank" }, x.url) : null)));
  const isFrom = (v) => v.agreement_id === from.agreement && v.provision_id === from.provision;
  document.querySelector("#verdicts tbody").replaceChildren(...d.verdicts.map((v) => el("tr", { class: isFrom(v) ? "from" : null, "data-provision": v.agreement_id + "/" + v.provision_id },
    el("td", {}, el("a", { href: "/agreements/" + encodeURIComponent(v.agreement_id) }, v.agreement_id)),
    el("td", {}, v.provision_id), el("td", {}, verdictBadge(v.verdict)), el("td", { class: "num" }, fmt(v.probability, 2)),
    el("td", { class: "num" }, fmt(v.p_space, 2)), el("td", { class: "num" }, fmt(v.p_time, 2)),
    el("td", {}, v.party || ""), el("td", { class: "reason" }, v.reason || ""))));
  document.querySelector("#reviews tbody").replaceChildren(...d.reviews.map((r) => el("tr", {},
    el("td", {}, time(r.created_at)), el("td", {}, r.user || ""), el("td", {}, r.agreement_id), el("td", {}, r.provision_id),
    el("td", {}, r.status), el("td", {}, r.note || ""))));
  if (e.latitude !== null && e.latitude !== undefined) {
    const map = window.CFMap.create("map");
    const color = window.CF.COLORS[(d.verdicts.find((v) => v.verdict !== "outside") || {}).verdict || "outside"];
    map.setView([e.latitude, e.longitude], 10, { animate: false });
    if (e.location_uncertainty_km) L.circle([e.latitude, e.longitude], { radius: e.location_uncertainty_km * 1000, color, dashArray: "3 3", fill: false, interactive: false }).addTo(map);
    L.circleMarker([e.latitude, e.longitude], { radius: window.CFMap.radiusFor(e.fatalities), color: "#222", weight: 1, fillColor: color, fillOpacity: 0.9 }).addTo(map);
    window.CFMap.zones(map).then(({ features }) => {
      window.CFMap.zoneLegend(document.getElementById("zone-legend"), features);
    }).catch(() => {});
  }
  const form = document.getElementById("review");
  if (!form) return;
  const target = document.getElementById("review-target");
  target.replaceChildren(el("option", { value: "" }, "choose the verdict you reviewed…"),
    ...d.verdicts.map((v, i) => el("option", { value: String(i), selected: isFrom(v) ? "selected" : null },
      v.agreement_id + " / " + v.provision_id + " (" + v.verdict + ")")));
  form.dataset.ready = "1";
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const v = d.verdicts[Number(target.value)];
    const out = document.getElementById("review-result");
    if (!v || !form.elements.status.value) { out.textContent = "Choose a verdict and a status."; return; }
    try {
      await send("POST", "verdicts/review", { agreement: v.agreement_id, provision: v.provision_id, event_uid: uid,
        status: form.elements.status.value, note: form.elements.note.value });
      out.textContent = "Saved."; window.location.reload();
    } catch (err) { out.textContent = err.message; }
  });
})();
