// Shared helpers for every page: filters in the URL, fetches with a status indicator, and
// element building that writes text with textContent only (never innerHTML with data).
"use strict";

const CF = (() => {
  const FILTERS = ["agreement", "provision", "verdict", "party", "actor", "event_type",
    "source", "date_from", "date_to", "bbox", "review_status"];
  const TABLE = ["limit", "offset", "sort", "order"];
  const COLORS = {
    violation: "#c62828", possible_violation: "#ef6c00", exempt: "#1565c0",
    compliant: "#2e7d32", outside: "#8d8d8d", none: "#555555",
  };
  const VERDICTS = ["violation", "possible_violation", "exempt", "compliant", "outside"];

  // The page's filters (and table state) from the URL, empty values dropped.
  function params(keys) {
    const url = new URLSearchParams(window.location.search);
    const out = new URLSearchParams();
    for (const k of keys || FILTERS.concat(TABLE)) {
      for (const v of url.getAll(k)) if (v.trim() !== "") out.append(k, v);
    }
    return out;
  }

  function filterParams() { return params(FILTERS); }

  // Change some URL parameters (null removes), keep the rest, and tell the page.
  function setParams(updates, push) {
    const url = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(updates)) {
      url.delete(k);
      if (Array.isArray(v)) v.forEach((x) => url.append(k, x));
      else if (v !== null && v !== undefined && v !== "") url.set(k, v);
    }
    const next = window.location.pathname + "?" + url.toString();
    if (push === false) window.history.replaceState(null, "", next);
    else window.history.pushState(null, "", next);
    failed = null;  // a new view: the last one's error no longer holds
    syncForm();
    window.dispatchEvent(new Event("cf:filters"));
  }

  // Put the URL's filter values back into the filter form (after brushing or history moves).
  function syncForm() {
    const form = document.getElementById("filters");
    if (!form) return;
    const url = new URLSearchParams(window.location.search);
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.type === "checkbox") el.checked = url.getAll(el.name).includes(el.value);
      else if (el.type !== "submit" && el.type !== "hidden") el.value = url.get(el.name) || "";
    }
    for (const a of document.querySelectorAll("nav a, a#more")) {
      const href = a.getAttribute("href") || "";
      if (href.startsWith("/violations") || href.startsWith("/?") || href === "/") {
        a.setAttribute("href", href.split("?")[0] + "?" + filterParams().toString());
      }
    }
  }

  let busy = 0;
  // The first error since the view last changed: the indicator keeps saying it (requests that
  // succeed after it must not turn it back into "Ready" over empty panes) until the filters
  // change, the history moves or the user sends a write.
  let failed = null;
  function status(text, kind) {
    const box = document.getElementById("status");
    const label = document.getElementById("status-text");
    if (!box || !label) return;
    box.dataset.busy = String(busy);
    box.dataset.kind = kind || "";
    label.textContent = text;
  }

  function settle() {
    if (failed) status("Error: " + failed, "error");
    else status(busy ? "Loading…" : "Ready", busy ? "busy" : "");
  }

  function errorText(body, res) {
    if (body && body.error && body.error.message) return body.error.message;
    return res.status + " " + res.statusText;
  }

  // GET or POST JSON with the status indicator; throws Error(message) on an error answer.
  async function request(path, options, label) {
    busy += 1;
    if (!failed) status(label || "Loading…", "busy");
    else status("Error: " + failed, "error");
    try {
      const res = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
      const type = res.headers.get("content-type") || "";
      const body = type.includes("json") ? await res.json() : await res.text();
      if (!res.ok) {
        const err = new Error(errorText(body, res));
        err.status = res.status;
        err.body = body;
        throw err;
      }
      busy -= 1;
      settle();
      return body;
    } catch (err) {
      busy = Math.max(0, busy - 1);
      failed = failed || err.message;
      settle();
      throw err;
    }
  }

  function api(path, query) {
    const q = query ? "?" + query.toString() : "";
    return request("/api/" + path + q);
  }

  // A write from the page: JSON body, the session cookie, and the CSRF header docs/api.md asks for.
  function send(method, path, body, label) {
    failed = null;  // a new action: its own answer is what the indicator shows
    return request("/api/" + path, {
      method,
      headers: { "Content-Type": "application/json", "X-Requested-With": "ceasefire" },
      body: JSON.stringify(body),
    }, label || "Saving…");
  }

  // el("a", {href: "/x", class: "y"}, "text", child): text children become text nodes.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function fmt(v, digits) {
    if (v === null || v === undefined || v === "") return "";
    if (typeof v === "number") return digits === undefined ? v.toLocaleString("en") : v.toFixed(digits);
    return String(v);
  }

  // An agreement time from the API: {label, timezone, utc_earliest, utc_latest} (or a plain string).
  function when(t) {
    if (t === null || t === undefined) return "";
    if (typeof t === "string") return t;
    return t.label + (t.timezone ? " (" + t.timezone + ")" : "");
  }

  // A stored time ("2026-12-07T02:14:44.926171Z") to the minute: "2026-12-07 02:14 UTC".
  function time(t) {
    if (t === null || t === undefined || t === "") return "";
    const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/.exec(String(t));
    if (!m) return String(t);
    const zone = !m[3] || m[3] === "Z" || /^[+-]00:?00$/.test(m[3]) ? "UTC" : "UTC" + m[3];
    return m[1] + " " + m[2] + " " + zone;
  }

  // Its calendar day (YYYY-MM-DD) as the agreement states it.
  function day(t) {
    if (t === null || t === undefined) return null;
    return (typeof t === "string" ? t : t.label || t.utc_earliest || "").slice(0, 10) || null;
  }

  function verdictBadge(v) {
    return el("span", { class: "badge v-" + (v || "none") }, (v || "none").replace("_", " "));
  }

  // A link target from data, or null: only http(s), never javascript: or data: URLs.
  function safeUrl(u) {
    return typeof u === "string" && /^https?:\/\//i.test(u.trim()) ? u.trim() : null;
  }

  // A link to an event's page; with a verdict row, the page preselects it in the review form.
  function eventLink(uid, text, verdict) {
    const q = verdict ? "?" + new URLSearchParams({ agreement: verdict.agreement_id, provision: verdict.provision_id }) : "";
    return el("a", { href: "/events/" + encodeURIComponent(uid) + q }, text || uid);
  }

  // The filter form: drop empty fields on submit so URLs stay short and shareable.
  function wireForm() {
    const form = document.getElementById("filters");
    if (!form) return;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const url = new URLSearchParams();
      for (const [k, v] of data.entries()) if (String(v).trim() !== "") url.append(k, v);
      window.location.assign(form.getAttribute("action") + "?" + url.toString());
    });
    const select = document.getElementById("f-agreement");
    if (select) {
      api("agreements").then((list) => {
        const current = select.dataset.value;
        select.replaceChildren(el("option", { value: "" }, "any"));
        for (const a of list) {
          select.append(el("option", { value: a.id, selected: a.id === current ? "selected" : null },
            a.id + " — " + (a.title || "")));
        }
        if (current && !list.some((a) => a.id === current)) select.append(el("option", { value: current, selected: "selected" }, current));
      }).catch(() => {});
      api("facets").then((f) => pickLists(form, f)).catch(() => {});
    }
  }

  // The filter bar's pick-lists from /api/facets: provisions (of the chosen agreement, else all,
  // grouped by agreement), parties, and the actors and sources seen in the events (suggestions:
  // the actor filter stays a substring search). A value in the URL that the lists lack stays.
  function pickLists(form, f) {
    const provision = document.getElementById("f-provision");
    const party = document.getElementById("f-party");
    const agreement = document.getElementById("f-agreement");
    const wanted = (name) => new URLSearchParams(window.location.search).get(name) || "";
    // on load a provision from the URL stays even when no list has it; after the agreement
    // changes, one the new agreement lacks goes back to "any"
    function provisions(ev) {
      const current = provision.value || (ev ? "" : wanted("provision"));
      const only = agreement.value;
      const groups = new Map();
      for (const p of f.provisions) {
        if (only && p.agreement_id !== only) continue;
        if (!groups.has(p.agreement_id)) groups.set(p.agreement_id, el("optgroup", { label: p.agreement_id }));
        groups.get(p.agreement_id).append(el("option", { value: p.id, title: p.description },
          p.id + " (" + p.type.replace(/_/g, " ") + ")"));
      }
      provision.replaceChildren(el("option", { value: "" }, "any"), ...groups.values());
      const has = [...provision.options].some((o) => o.value === current);
      if (current && !has && !ev) provision.append(el("option", { value: current }, current));
      provision.value = has || !ev ? current : "";
    }
    provisions();
    agreement.addEventListener("change", provisions);
    const currentParty = party.value || wanted("party");
    party.replaceChildren(el("option", { value: "" }, "any"), ...f.parties.map((p) => el("option", { value: p.id },
      (p.name !== p.id ? p.name + " (" + p.id + ")" : p.id) + (p.verdicts ? " · " + p.verdicts.toLocaleString("en") + " verdicts" : ""))));
    if (currentParty && !f.parties.some((p) => p.id === currentParty)) party.append(el("option", { value: currentParty }, currentParty));
    party.value = currentParty;
    const list = (id, rows, label) => {
      const dl = document.getElementById(id);
      if (dl) dl.replaceChildren(...rows.map((r) => el("option", { value: r.name || r.id }, label(r))));
    };
    list("f-actors", f.actors, (a) => a.events.toLocaleString("en") + " events");
    list("f-sources", f.sources, (x) => x.events.toLocaleString("en") + " events");
    form.dataset.picklists = "1";
  }

  window.addEventListener("popstate", () => {
    failed = null;
    syncForm();
    window.dispatchEvent(new Event("cf:filters"));
  });
  document.addEventListener("DOMContentLoaded", wireForm);

  return { FILTERS, TABLE, COLORS, VERDICTS, params, filterParams, setParams, syncForm, api, send,
    request, el, fmt, time, when, day, verdictBadge, eventLink, safeUrl, status };
})();
window.CF = CF;
