"use strict";
(async () => {
  const { el, api } = window.CF;
  const tbody = document.querySelector("#agreements tbody");
  try {
    const list = await api("agreements");
    tbody.replaceChildren(...list.map((a) => el("tr", { "data-id": a.id },
      el("td", {}, el("a", { href: "/agreements/" + encodeURIComponent(a.id) }, a.id)),
      el("td", {}, a.title || ""),
      el("td", {}, a.pax_id === null || a.pax_id === undefined ? "" : String(a.pax_id)),
      el("td", {}, a.signed ? [a.signed.date, a.signed.place].filter(Boolean).join(", ") : ""),
      el("td", {}, (a.parties || []).map((p) => p.name || p.id).join(", ")),
      el("td", { class: "num" }, String(a.provisions)),
      el("td", {}, el("a", { href: "/agreements/" + encodeURIComponent(a.id) + "/held" }, "did it hold?")))));
  } catch (err) {
    tbody.replaceChildren(el("tr", {}, el("td", { colspan: "7", class: "error" }, err.message)));
  }
})();
