// The situation reports page: the form that generates a report posts JSON to
// POST /api/situation-reports (with the CSRF header every write from the pages sends) and, once
// the report is saved, reloads the list; the answer is shown as text only.
"use strict";
(() => {
  const { el, send } = window.CF;
  const form = document.getElementById("situation-report-form");
  if (!form) return;
  const result = document.getElementById("situation-report-result");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = form.elements;
    const body = { agreement_id: f.agreement_id.value, period: f.period.value, date: f.date.value, language: f.language.value };
    const button = document.getElementById("sr-submit");
    button.disabled = true;
    result.replaceChildren("Generating the report…");
    let r;
    try { r = await send("POST", "situation-reports", body, "Generating the report…"); } catch (err) {
      result.replaceChildren(el("p", { class: "error" }, err.message));
      button.disabled = false;
      return;
    }
    button.disabled = false;
    const said = r.created ? "Saved as " : "Unchanged since it was saved: ";
    result.replaceChildren(el("p", { class: "ok", "data-id": String(r.id) }, said,
      el("a", { href: r.permalink }, r.permalink), " (" + r.label + ")."));
    setTimeout(() => window.location.reload(), 1500);
  });
})();
