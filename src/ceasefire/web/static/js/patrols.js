// The patrols page: coverage strips, the patrol list and the findings are drawn by the server;
// this only sends the upload form (multipart, with the CSRF header) and shows the answer.
"use strict";
(() => {
  const { el, request } = window.CF;
  const form = document.getElementById("patrol-upload");
  document.body.dataset.ready = "1";
  if (!form) return;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const out = document.getElementById("upload-result");
    const data = new FormData(form);
    for (const k of ["parties", "status"]) if (!String(data.get(k) || "").trim()) data.delete(k);
    out.replaceChildren("Uploading…");
    let r;
    try {
      r = await request("/api/patrols", { method: "POST", headers: { "X-Requested-With": "ceasefire" }, body: data },
        "Importing the track…");
    } catch (err) {
      const e = (err.body && err.body.error) || {};
      out.replaceChildren(el("p", { class: "error" }, err.message),
        e.point !== undefined && e.point !== null ? el("p", { class: "muted" }, "point " + e.point + (e.value !== undefined ? ": " + JSON.stringify(e.value) : "")) : null);
      return;
    }
    out.replaceChildren(el("p", { class: "ok" }, r.file + ": " + r.inserted + " patrol(s) stored, " + r.skipped + " already stored"),
      ...r.inferred.map((x) => el("p", { class: "muted" }, "status inferred: " + x)),
      ...r.repairs.map((x) => el("p", { class: "muted" }, "repaired: " + x)),
      r.inserted ? el("a", { href: window.location.pathname + window.location.search }, "Reload the page to see it →") : null);
  });
})();
