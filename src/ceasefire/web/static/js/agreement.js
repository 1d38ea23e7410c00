"use strict";
(async () => {
  const { el, api, when } = window.CF;
  const id = document.body.dataset.agreement;
  let a;
  try {
    a = await api("agreements/" + encodeURIComponent(id));
  } catch (err) {
    document.getElementById("provisions").replaceChildren(el("li", { class: "error" }, err.message));
    return;
  }
  document.getElementById("title").textContent = a.title || a.id;
  const parties = (a.parties || []).map((p) => p.name || p.id).join(", ");
  const signed = a.signed ? [a.signed.date, a.signed.place].filter(Boolean).join(", ") : "";
  document.getElementById("meta").textContent = [a.id, a.pax_id ? "PA-X " + a.pax_id : "", signed ? "signed " + signed : "",
    parties ? "parties: " + parties : "", a.supplements ? "supplements " + [].concat(a.supplements).join(", ") : "",
    a.effective_from ? "in force from " + when(a.effective_from) : ""].filter(Boolean).join(" · ");
  document.getElementById("sources").replaceChildren(...(a.sources || []).map((src) => el("li", {},
    window.CF.safeUrl(src.url) ? el("a", { href: window.CF.safeUrl(src.url), rel: "noopener noreferrer" }, src.title || src.url) : src.title || "")));
  document.getElementById("provisions").replaceChildren(...a.provisions.map((p) => el("li", { "data-provision": p.id },
    el("b", {}, p.title || p.id), " ", el("span", { class: "muted" }, "(" + (p.title ? p.id + ", " : "") + (p.type || "").replace(/_/g, " ") + ")"),
    el("p", {}, p.description || ""),
    p.text ? el("blockquote", { class: "quote" }, (p.article ? "Art. " + p.article + ": " : "") + p.text) : null,
    el("p", { class: "muted" }, [
      p.zones && p.zones.length ? "zones: " + p.zones.join(", ") : "",
      p.effective_from ? "from " + when(p.effective_from) : "", p.until ? "until " + when(p.until) : "",
      p.deadline ? "deadline " + when(p.deadline) : ""].filter(Boolean).join(" · ")),
    el("a", { href: "/?agreement=" + encodeURIComponent(a.id) + "&provision=" + encodeURIComponent(p.id) + "&verdict=violation&verdict=possible_violation&verdict=exempt&verdict=compliant" }, "its verdicts on the dashboard"))));
  document.getElementById("yaml").textContent = a.yaml || "";
  const map = window.CFMap.create("map");
  const { layer, features } = await window.CFMap.zones(map, a.zones || []);
  if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { padding: [8, 8], animate: false });
  document.getElementById("map").dataset.zones = String(features.length);
  document.getElementById("zone-notes").replaceChildren(...features.map((f) => el("li", {},
    el("b", {}, f.properties.name || f.properties.id), " (" + (f.properties.kind || "") + "): ",
    f.properties.note || "no approximation note",
    f.properties.error_km !== null && f.properties.error_km !== undefined ? " ± " + f.properties.error_km + " km" : "")));
})();
