// The dashboard's own script (no inline script anywhere: the CSP forbids it).
// - <time data-local>: adds the viewer's own zone beside the time shown.
// - <form data-confirm="...">: asks before a change that cannot be undone.
// - <form data-once>: its submit button is disabled once pressed (the server makes one job anyway).
"use strict";

function localize(root) {
  for (const el of root.querySelectorAll("time[data-local]")) {
    if (el.dataset.localized) continue;
    const moment = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(moment.getTime())) continue;
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const local = moment.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
    el.insertAdjacentText("afterend", ` (yours, ${zone}: ${local})`);
    el.dataset.localized = "1";
  }
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (form.hasAttribute("data-once")) {
    for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
  }
});

document.addEventListener("DOMContentLoaded", () => localize(document));
document.addEventListener("htmx:load", (event) => localize(event.target));
