// The map: offline OCHA basemap (governorates, districts, labels), optional tiles when the user
// configured a URL, the agreement's zones with their approximation notes, and events coloured by
// verdict (points, or the server's grid cells when many match). Text goes in with textContent.
"use strict";

const CFMap = (() => {
  const { el, api, COLORS } = window.CF;
  // Styles by what a zone is (its kind, id and name): areas under bands under corridors under routes.
  const ZONE_STYLES = [
    ["route", { color: "#4a148c", weight: 3, dashArray: "2 6", fill: false }, 4],
    ["corridor", { color: "#6a1b9a", weight: 2, fillOpacity: 0.15, dashArray: "6 4" }, 3],
    ["demilitar", { color: "#b71c1c", weight: 2, fillOpacity: 0.07 }, 2],
    ["dmz", { color: "#b71c1c", weight: 2, fillOpacity: 0.07 }, 2],
    ["escalation", { color: "#0d47a1", weight: 2, fillOpacity: 0.04 }, 1],
  ];
  const OTHER = { color: "#37474f", weight: 2, fillOpacity: 0.05 };

  function zoneKey(p) {
    return [p.kind, p.id, p.name].join(" ").toLowerCase();
  }

  function styleFor(p) {
    const key = zoneKey(p || {});
    for (const [word, style] of ZONE_STYLES) if (key.includes(word)) return style;
    return OTHER;
  }

  function rank(p) {
    const key = zoneKey(p || {});
    for (const [word, , r] of ZONE_STYLES) if (key.includes(word)) return r;
    return 0;
  }

  // Where a zone's label goes, so that nested zones' labels do not sit on each other: a route
  // at its last point, a corridor at its east end, a band at its south edge, an area at its north.
  function labelAt(f) {
    const b = L.geoJSON(f).getBounds(), c = b.getCenter(), r = rank(f.properties);
    const g = f.geometry;
    if (r === 4 && g.type === "LineString") {
      const end = g.coordinates[g.coordinates.length - 1];
      return [end[1], end[0]];
    }
    if (r === 3) return [c.lat, b.getEast()];
    if (r === 2) return [b.getSouth(), c.lng];
    return [b.getNorth(), c.lng];
  }

  function label(text, cls) {
    return L.divIcon({ className: "map-label " + (cls || ""), html: el("span", {}, text), iconSize: null });
  }

  function create(id, options) {
    const map = L.map(id, Object.assign({ preferCanvas: true, minZoom: 5, maxZoom: 16 }, options || {}));
    map.setView([35.8, 36.6], 9);
    const tiles = document.body.dataset.tileUrl;
    if (tiles) L.tileLayer(tiles, { maxZoom: 18, attribution: "configured tiles" }).addTo(map);
    map.attributionControl.addAttribution("UN OCHA COD-AB Syria");
    L.control.scale({ imperial: false }).addTo(map);
    basemap(map, !tiles);
    return map;
  }

  async function basemap(map, filled) {
    map.createPane("basemap").style.zIndex = 250;
    map.createPane("labels").style.zIndex = 350;
    const [adm1, adm2] = await Promise.all([
      window.CF.request("/static/basemap/admin1.geojson", null, "Loading basemap…"),
      window.CF.request("/static/basemap/admin2.geojson", null, "Loading basemap…"),
    ]);
    L.geoJSON(adm2, { pane: "basemap", interactive: false,
      style: { color: "#9e9e9e", weight: 0.6, fill: filled, fillColor: "#f7f5ef", fillOpacity: 1 } }).addTo(map);
    L.geoJSON(adm1, { pane: "basemap", interactive: false,
      style: { color: "#616161", weight: 1.4, fill: false } }).addTo(map);
    const gov = L.layerGroup(), dist = L.layerGroup();
    for (const f of adm1.features) {
      const p = f.properties;
      gov.addLayer(L.marker([p.label_lat, p.label_lon], { icon: label(p.name, "gov"), pane: "labels", interactive: false }));
    }
    for (const f of adm2.features) {
      const p = f.properties;
      dist.addLayer(L.marker([p.label_lat, p.label_lon], { icon: label(p.name, "dist"), pane: "labels", interactive: false }));
    }
    const showLabels = () => {
      const z = map.getZoom();
      if (z <= 8) { map.addLayer(gov); map.removeLayer(dist); } else { map.removeLayer(gov); map.addLayer(dist); }
    };
    map.on("zoomend", showLabels);
    showLabels();
  }

  // Draw zones (all, or the ids given) with a label on each; resolves to {layer, features}.
  // Zones and their labels never take a click: they lie over events and over the places a
  // monitor clicks to report from, so clicks go through to those (and to the map). A zone's
  // approximation note is in the legend (zoneLegend) and on the agreement page.
  async function zones(map, ids) {
    const fc = await api("zones");
    const keep = (ids ? fc.features.filter((f) => ids.includes(f.properties.id)) : fc.features)
      .slice().sort((a, b) => rank(a.properties) - rank(b.properties));
    // zones are few: SVG paths (one element each, labelled data-zone) in a pane under the events
    if (!map.getPane("zones")) map.createPane("zones").style.zIndex = 380;
    const layer = L.geoJSON({ type: "FeatureCollection", features: keep }, {
      pane: "zones",
      renderer: L.svg({ pane: "zones" }),
      interactive: false,
      style: (f) => Object.assign({ interactive: false }, styleFor(f.properties)),
    }).addTo(map);
    layer.eachLayer((lyr) => lyr.feature && lyr.getElement && lyr.getElement()
      && lyr.getElement().setAttribute("data-zone", lyr.feature.properties.id));
    const notes = L.layerGroup().addTo(map);
    const labels = [];
    // the labels of narrow zones (routes, corridors) first: they keep their place, others move
    for (const f of keep.slice().reverse()) {
      const text = (f.properties.name || f.properties.id) + (f.properties.error_km ? " (± " + f.properties.error_km + " km)" : "");
      const m = L.marker(labelAt(f), { icon: label(text, "zone"), interactive: false, keyboard: false });
      notes.addLayer(m);
      labels.push(m);
    }
    const tidy = () => declutter(labels);
    map.on("zoomend", tidy);
    tidy();
    return { layer, features: keep, labels };
  }

  // Move labels that would overlap one placed before them up or down by whole label heights
  // (screen space; redone after every zoom). Each label's span gets data-dy, its shift in px.
  function declutter(markers) {
    const placed = [];
    for (const m of markers) {
      const span = m.getElement() && m.getElement().firstElementChild;
      if (!span) continue;
      span.style.top = "0px";
      const r = span.getBoundingClientRect();
      const step = r.height + 2;
      const hits = (dy) => placed.some((p) => r.left < p.right && r.right > p.left
        && r.top + dy < p.bottom && r.bottom + dy > p.top);
      let dy = 0;
      for (let i = 1; i <= 12 && hits(dy); i++) dy = (i % 2 ? 1 : -1) * Math.ceil(i / 2) * step;
      span.style.top = dy + "px";
      span.dataset.dy = String(dy);
      placed.push({ left: r.left, right: r.right, top: r.top + dy, bottom: r.bottom + dy });
    }
  }

  // A swatch drawn as the zone is (border colour, dashes, fill) for the legend.
  function swatch(p) {
    const s = styleFor(p);
    const alpha = s.fill === false ? 0 : (s.fillOpacity === undefined ? 0.2 : s.fillOpacity) * 2;
    const hex = s.color.replace("#", "");
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const line = s.dashArray ? "dashed" : "solid";
    const style = s.fill === false
      ? "border-top: " + s.weight + "px " + (s.dashArray ? "dotted" : "solid") + " " + s.color + "; height: 0; margin-top: 5px"
      : "border: " + s.weight + "px " + line + " " + s.color + "; background: rgba(" + r + "," + g + "," + b + "," + alpha.toFixed(2) + ")";
    return el("i", { class: "zone-swatch", style });
  }

  // The zone key: one entry per zone drawn (its style, name and error); opening an entry shows
  // the zone's kind, id and approximation note. Fills `container`, which gets data-zones.
  function zoneLegend(container, features) {
    if (!container) return;
    const entries = features.slice().reverse().map((f) => {
      const p = f.properties;
      const err = p.error_km !== null && p.error_km !== undefined ? " (± " + p.error_km + " km)" : "";
      return el("details", { class: "zone-key", "data-zone": p.id },
        el("summary", {}, swatch(p), (p.name || p.id) + err),
        el("p", { class: "zone-note" }, (p.kind || "zone") + " · " + p.id + ". ",
          p.note ? "Approximation: " + p.note : "No approximation note."));
    });
    container.replaceChildren(el("span", { class: "muted" }, "Zones (open one for its approximation note):"), ...entries);
    container.dataset.zones = String(entries.length);
  }

  function radiusFor(fatalities) {
    return 4 + Math.min(14, Math.sqrt(Math.max(0, fatalities || 0)) * 1.6);
  }

  function dominant(byVerdict) {
    for (const v of window.CF.VERDICTS) if (byVerdict && byVerdict[v]) return v;
    return "none";
  }

  function verdictRows(verdicts) {
    return el("table", { class: "mini" }, ...verdicts.map((v) => el("tr", {},
      el("td", {}, v.agreement_id + " / " + v.provision_id),
      el("td", {}, window.CF.verdictBadge(v.verdict)),
      el("td", {}, v.probability === null || v.probability === undefined ? "" : "p=" + v.probability.toFixed(2)),
      el("td", {}, v.reason || ""))));
  }

  // Popup content for one event: what happened, its evidence and every verdict, and a link.
  async function eventPopup(uid) {
    const d = await api("events/" + encodeURIComponent(uid));
    const e = d.event;
    const ev = d.evidence.map((x) => el("li", {},
      el("b", {}, x.kind + ": "), (x.source_dataset || "") + (x.file ? " " + x.file + (x.line ? ":" + x.line : "") : ""),
      x.text ? el("div", { class: "quote" }, x.text) : null,
      window.CF.safeUrl(x.url) ? el("a", { href: window.CF.safeUrl(x.url), rel: "noopener noreferrer", target: "_blank" }, "source") : null));
    return el("div", { class: "popup event-popup", "data-uid": uid },
      el("b", {}, (e.event_date || "") + " · " + (e.event_type || "")), el("br"),
      el("span", {}, [e.location, [e.actor1, e.actor2].filter(Boolean).join(" vs "),
        "deaths " + (e.fatalities ?? "?")].filter(Boolean).join(" · ")),
      el("ul", { class: "evidence" }, ...ev),
      verdictRows(d.verdicts),
      window.CF.eventLink(uid, "Open the event page →"));
  }

  // The events layer: reloads on pan/zoom and filter changes; calls
  // onTotal(total, clustered, features, bbox) with the bbox that was asked for, or
  // onError(error) when the server refused (a bad filter in the URL).
  function events(map, queryFn, onTotal, onError) {
    const group = L.layerGroup().addTo(map);
    let seq = 0, reading = false, stale = false;
    // An event's popup pans the map to fit; reloading then would remove the marker and close it,
    // so while one is open a move only marks the layer stale, and closing it reloads.
    async function load(ev) {
      if (ev && ev.type === "moveend" && reading) { stale = true; return; }
      const mine = ++seq;
      const b = map.getBounds();
      const q = queryFn();
      const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(4)).join(",");
      q.set("bbox", bbox);
      q.set("zoom", String(map.getZoom()));
      let fc;
      try { fc = await api("events.geojson", q); } catch (err) {
        if (mine === seq) { group.clearLayers(); if (onError) onError(err); }
        return;
      }
      if (mine !== seq) return;
      group.clearLayers();
      const zoomed = map.getZoom() >= 11;
      for (const f of fc.features) {
        const [lon, lat] = f.geometry.coordinates;
        const p = f.properties;
        if (p.cluster) {
          const v = dominant(p.by_verdict);
          const r = 6 + Math.min(22, Math.log2(1 + p.count) * 2.5);
          const m = L.circleMarker([lat, lon], { radius: r, color: "#fff", weight: 1, fillColor: COLORS[v], fillOpacity: 0.75 });
          const parts = Object.entries(p.by_verdict || {}).map(([k, n]) => k.replace("_", " ") + ": " + n).join(", ");
          m.bindTooltip(el("span", {}, p.count + " events (" + parts + "), " + (p.fatalities || 0) + " deaths"));
          m.on("click", () => map.setView([lat, lon], Math.min(map.getZoom() + 2, 16)));
          group.addLayer(m);
          group.addLayer(L.marker([lat, lon], { icon: label(String(p.count), "count"), interactive: false }));
        } else {
          const color = COLORS[p.verdict || "none"];
          if (zoomed && p.uncertainty_km) {
            group.addLayer(L.circle([lat, lon], { radius: p.uncertainty_km * 1000, color, weight: 1, dashArray: "3 3", fill: false, interactive: false }));
          }
          const m = L.circleMarker([lat, lon], { radius: radiusFor(p.fatalities), color: "#222", weight: 0.6, fillColor: color, fillOpacity: 0.85 });
          m.feature = f;
          m.bindTooltip(el("span", {}, (p.event_date || "") + " · " + (p.verdict || "no verdict").replace("_", " ") + " · " + (p.event_type || "")));
          m.bindPopup(el("div", { class: "popup" }, "Loading…"), { maxWidth: 420 });
          m.on("popupclose", () => { reading = false; if (stale) { stale = false; load(); } });
          m.on("popupopen", async () => {
            reading = true;
            try { m.setPopupContent(await eventPopup(p.event_uid)); } catch (err) { m.setPopupContent(el("div", {}, err.message)); }
          });
          group.addLayer(m);
        }
      }
      onTotal(fc.total, fc.clustered, fc.features, bbox);
    }
    map.on("moveend", load);
    return { load, group };
  }

  // Patrols: colours by status; a plan dashed. Shared with the legend (dashboard.html).
  const PATROL_COLORS = {
    completed: "#2e7d32", cut_short: "#ef6c00", blocked: "#6d4c41", attacked: "#c62828",
    cancelled: "#757575", planned: "#1565c0",
  };

  function patrolPopup(p) {
    return el("div", { class: "popup patrol-popup" },
      el("b", {}, p.date + " · " + (p.parties.length ? p.parties.join(", ") : "parties not stated")), el("br"),
      el("span", {}, (p.planned ? "plan · " : "") + p.status.replace("_", " ")
        + (p.covered_km !== null && p.covered_km !== undefined ? " · " + p.covered_km.toFixed(1) + " km covered" : "")), el("br"),
      p.turning_point ? el("span", {}, "Turning point: " + p.turning_point) : null,
      p.notes ? el("div", { class: "quote" }, p.notes) : null,
      p.incidents ? el("div", {}, p.incidents + " incident(s) near it") : null,
      el("a", { href: "/patrols" }, "Coverage and the obligation →"));
  }

  // The patrols layer: tracks (SVG paths of class patrol-track and status-<status>) and each turning point with its
  // km and place; queryFn gives date_from/date_to. Resolves to {group, load}.
  function patrols(map, queryFn) {
    if (!map.getPane("patrols")) map.createPane("patrols").style.zIndex = 390;
    const group = L.layerGroup().addTo(map);
    const renderer = L.svg({ pane: "patrols" });
    async function load() {
      const q = new URLSearchParams();
      const f = queryFn ? queryFn() : new URLSearchParams();
      for (const k of ["date_from", "date_to"]) if (f.get(k)) q.set(k, f.get(k));
      const fc = await api("patrols.geojson", q);
      group.clearLayers();
      const turns = [];
      // plans under completed tracks under the ones that went wrong (cut short, attacked, ...)
      const order = (p) => (p.planned ? 0 : p.status === "completed" ? 1 : 2);
      const features = fc.features.slice().sort((a, b) => order(a.properties) - order(b.properties));
      for (const f of features) {
        const p = f.properties;
        const color = PATROL_COLORS[p.planned ? "planned" : p.status] || "#37474f";
        // classes (not attributes) mark the paths: Leaflet makes a new element on each re-add
        const cls = "patrol-track status-" + (p.planned ? "planned" : p.status) + " patrol-" + p.patrol_id;
        const line = L.geoJSON(f, { pane: "patrols", renderer,
          style: { color, weight: p.planned ? 3 : 4, opacity: 0.85, dashArray: p.planned ? "8 6" : null, className: cls } });
        line.bindPopup(patrolPopup(p), { maxWidth: 380 });
        line.bindTooltip(el("span", {}, p.date + " · " + (p.planned ? "plan" : p.status.replace("_", " "))), { sticky: true });
        group.addLayer(line);
        if (p.turning_lonlat && !p.planned && p.status !== "completed") {
          const at = [p.turning_lonlat[1], p.turning_lonlat[0]];
          const place = p.turning_place ? " · " + p.turning_place : "";
          turns.push(L.circleMarker(at, { pane: "patrols", renderer, radius: 6, color: "#fff", weight: 2,
            fillColor: color, fillOpacity: 1, className: "patrol-turn" }).bindPopup(patrolPopup(p)));
          turns.push(L.marker(at, { pane: "patrols", interactive: false,
            icon: label("turned back km " + (p.furthest_km ?? 0).toFixed(1) + place, "turn") }));
        }
      }
      turns.forEach((m) => group.addLayer(m));  // over every track, so they can be clicked
      return fc.features.length;
    }
    return { group, load };
  }

  return { create, zones, zoneLegend, declutter, events, eventPopup, styleFor, label, radiusFor, patrols, PATROL_COLORS };
})();
window.CFMap = CFMap;
