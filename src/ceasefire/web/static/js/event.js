// One event: every verdict with its reason and probability first (the verdict and party that
// count, the machine's beside them when an analyst overruled it, the review status, and a
// stale review said as such), then what happened (precision codes in words), its evidence (the
// notes once, there), the reviews, and the analyst's review form: the verdict the analyst came
// from (?agreement=&provision=) preselected, no status; "overruled" opens the correction fields.
// A saved review reloads the verdicts and reviews in place. Text is written with textContent.
"use strict";
(async () => {
  const { el, api, send, fmt, time, verdictBadge } = window.CF;
  const uid = document.body.dataset.event;
  const url = new URLSearchParams(window.location.search);
  const from = { agreement: url.get("agreement"), provision: url.get("provision") };
  const path = "events/" + encodeURIComponent(uid);
  let d;
  try { d = await api(path); } catch (err) {
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

  const STALE = "stale: the event changed since this review";
  const key = (v) => v.agreement_id + "/" + v.provision_id;
  const isFrom = (v) => v.agreement_id === from.agreement && v.provision_id === from.provision;
  const statusWords = (s) => (s || "unreviewed").replace(/_/g, " ");

  function verdictCell(v) {
    const cell = el("td", { class: "verdict" }, verdictBadge(v.verdict));
    if (v.machine_verdict && v.machine_verdict !== v.verdict) {
      cell.append(" ", el("span", { class: "muted machine", "data-machine": v.machine_verdict }, "machine: " + v.machine_verdict));
    }
    return cell;
  }

  function partyCell(v) {
    const cell = el("td", { class: "party" }, v.party || "");
    if ((v.machine_party || "") !== (v.party || "")) {
      cell.append(" ", el("span", { class: "muted machine" }, "machine: " + (v.machine_party || "none")));
    }
    return cell;
  }

  function reviewCell(v) {
    const cell = el("td", { class: "review", "data-status": v.review_status || "unreviewed" }, statusWords(v.review_status));
    if (v.review_stale) cell.append(" ", el("span", { class: "error stale" }, STALE));
    return cell;
  }

  function renderVerdicts() {
    document.querySelector("#verdicts tbody").replaceChildren(...d.verdicts.map((v) => el("tr", {
      class: isFrom(v) ? "from" : null, "data-provision": key(v), "data-verdict": v.verdict,
      "data-machine-verdict": v.machine_verdict || v.verdict, "data-review-status": v.review_status || "unreviewed",
      "data-stale": v.review_stale ? "1" : "0",
    },
    el("td", {}, el("a", { href: "/agreements/" + encodeURIComponent(v.agreement_id) }, v.agreement_id)),
    el("td", {}, v.provision_id), verdictCell(v), el("td", { class: "num" }, fmt(v.probability, 2)),
    el("td", { class: "num" }, fmt(v.p_space, 2)), el("td", { class: "num" }, fmt(v.p_time, 2)),
    partyCell(v), reviewCell(v), el("td", { class: "reason" }, v.reason || ""))));
  }

  // A review's status, with what an overruling corrected and whether it is stale (the cells
  // of a plain review: when, who, agreement, provision, status, note).
  function reviewStatusCell(r) {
    const cell = el("td", { class: "status" }, r.status);
    if (r.status === "overruled") {
      const parts = [];
      if (r.corrected_verdict) parts.push("verdict " + r.corrected_verdict + " (machine: " + (r.machine_verdict || "?") + ")");
      if (r.corrected_party) parts.push("party " + r.corrected_party);
      if (r.corrected_event_type) parts.push("event type " + r.corrected_event_type);
      cell.append(el("span", { class: "correction" }, " → " + parts.join(", ")));
    }
    if (r.stale) cell.append(" ", el("span", { class: "error stale" }, "(" + STALE + ")"));
    return cell;
  }

  function renderReviews() {
    document.querySelector("#reviews tbody").replaceChildren(...d.reviews.map((r) => el("tr", {
      "data-status": r.status, "data-stale": r.stale ? "1" : "0", "data-counts": r.counts ? "1" : "0",
    },
    el("td", {}, time(r.created_at)), el("td", {}, r.user || ""), el("td", {}, r.agreement_id), el("td", {}, r.provision_id),
    reviewStatusCell(r), el("td", {}, r.note || ""))));
  }

  renderVerdicts();
  renderReviews();
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
  const status = document.getElementById("review-status");
  const corrections = document.getElementById("review-corrections");
  const party = document.getElementById("review-corrected-party");
  const out = document.getElementById("review-result");
  const fields = {
    status, target, corrected_verdict: document.getElementById("review-corrected-verdict"),
    corrected_party: party, corrected_event_type: document.getElementById("review-corrected-event-type"),
    note: form.elements.note,
  };
  let parties = {};  // agreement id -> [{id, name}]

  // the verdict options, by agreement/provision; `keep` stays chosen, else the one come from
  function fillTargets(keep) {
    target.replaceChildren(el("option", { value: "" }, "choose the verdict you reviewed…"),
      ...d.verdicts.map((v) => el("option", { value: key(v), selected: (keep ? key(v) === keep : isFrom(v)) ? "selected" : null },
        v.agreement_id + " / " + v.provision_id + " (" + v.verdict + ")")));
  }

  // the chosen verdict's agreement's parties, and "unattributed"
  function fillParties() {
    const v = d.verdicts.find((x) => key(x) === target.value);
    const list = v ? (parties[v.agreement_id] || []) : [];
    party.replaceChildren(el("option", { value: "" }, "keep the machine's"),
      ...list.map((p) => el("option", { value: p.id }, p.name && p.name !== p.id ? p.name + " (" + p.id + ")" : p.id)),
      el("option", { value: "unattributed" }, "unattributed"));
  }

  function showCorrections() {
    corrections.hidden = status.value !== "overruled";
    if (corrections.hidden) for (const name of ["corrected_verdict", "corrected_party", "corrected_event_type"]) fields[name].value = "";
  }

  function say(text, kind) {
    out.textContent = text;
    out.className = kind || "";
  }

  function clearInvalid() {
    for (const f of Object.values(fields)) f.removeAttribute("aria-invalid");
  }

  fillTargets();
  fillParties();
  status.value = "";  // the analyst chooses a status; none is preselected
  showCorrections();
  form.dataset.ready = "1";
  api("agreements").then((list) => {
    parties = Object.fromEntries(list.map((a) => [a.id, a.parties || []]));
    fillParties();
    form.dataset.parties = "1";
  }).catch(() => {});
  target.addEventListener("change", fillParties);
  status.addEventListener("change", showCorrections);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearInvalid();
    const v = d.verdicts.find((x) => key(x) === target.value);
    if (!v || !status.value) { say("Choose a verdict and a status.", "error"); return; }
    const body = { agreement: v.agreement_id, provision: v.provision_id, event_uid: uid,
      status: status.value, note: fields.note.value };
    if (status.value === "overruled") {
      for (const name of ["corrected_verdict", "corrected_party", "corrected_event_type"]) {
        if (fields[name].value) body[name] = fields[name].value;
      }
      if (!body.corrected_verdict && !body.corrected_party && !body.corrected_event_type) {
        fields.corrected_verdict.setAttribute("aria-invalid", "true");
        say("Overruled: choose the corrected verdict, party or event type.", "error");
        return;
      }
    }
    let saved;
    try {
      saved = await send("POST", "verdicts/review", body);
    } catch (err) {
      const field = err.body && err.body.error ? err.body.error.field : null;
      for (const name of String(field || "").split(/,\s*/)) if (fields[name]) fields[name].setAttribute("aria-invalid", "true");
      say(err.message, "error");
      return;
    }
    try {
      d = await api(path);
    } catch (err) {
      say("Saved, but the event could not be read again: " + err.message, "error");
      return;
    }
    renderVerdicts();
    renderReviews();
    fillTargets(key(v));
    fillParties();
    status.value = "";
    showCorrections();
    fields.note.value = "";
    const now = saved.verdict || d.verdicts.find((x) => key(x) === key(v)) || {};
    say("Saved. " + key(v) + " now counts as " + (now.verdict || "?") + (now.party ? " (" + now.party + ")" : "") +
      (now.machine_verdict && now.machine_verdict !== now.verdict ? "; machine: " + now.machine_verdict : "") + ".", "ok");
  });
})();
