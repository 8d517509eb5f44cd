/* The form editor (流程设计 › 表单). The page works without this script: every button posts the field list.
   This adds two things:
   - unsaved edits survive the language switch: the switch reloads the page, so the field list is kept in
     sessionStorage as the switch is submitted and posted back (op=restore) once the page has loaded again;
   - "高级：直接编辑 JSON" opens with the schema as it is now (the preview keeps it current), unless the
     designer has already typed into it;
   - leaving with unsaved edits (the dirty flag) makes the browser ask first, except when the editor itself
     is submitted (保存表单) or the edits were stashed for the language switch.
   Listeners sit on the document, so an editor swapped in by htmx needs no extra wiring. */
(function () {
  "use strict";

  var PREFIX = "tb-form-editor:";
  var leaving = false; // the edits go with this navigation (saved or stashed): no "leave?" prompt

  function unsaved() {
    var form = editor();
    return Boolean(form) && form.dataset.dirty === "1" && !leaving;
  }

  function editor() {
    return document.getElementById("tb-fe-form");
  }

  function markDirty(event) {
    var form = event.target.closest && event.target.closest("#tb-fe-form");
    if (form) form.dataset.dirty = "1";
    if (event.target.id === "tb-fe-json-text") event.target.dataset.typed = "1";
  }

  function stashOnLanguageSwitch(event) {
    var form = editor();
    if (!form || !event.target.matches) return;
    if (event.target === form) {
      leaving = true;
      setTimeout(function () {
        if (event.defaultPrevented) leaving = false; // handled in the page (htmx): nothing left yet
      }, 0);
      return;
    }
    if (!event.target.matches("form.tb-lang")) return;
    if (form.dataset.dirty !== "1") return;
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "op") pairs.push([name, value]);
    });
    try {
      sessionStorage.setItem(PREFIX + form.dataset.stashKey, JSON.stringify(pairs));
      leaving = true;
    } catch (error) {
      /* storage full or disabled: the switch goes ahead, the edits are lost as they would be anyway */
    }
  }

  function restore() {
    var form = editor();
    if (!form) return;
    var key = PREFIX + form.dataset.stashKey;
    var saved = sessionStorage.getItem(key);
    if (!saved) return;
    sessionStorage.removeItem(key);
    var body = new URLSearchParams(JSON.parse(saved));
    body.set("op", "restore");
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("tb-fe");
        var current = document.getElementById("tb-fe");
        if (!fresh || !current) return;
        current.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
      });
  }

  function fillJson(event) {
    var details = event.target;
    if (!details.matches || !details.matches(".tb-fe-json") || !details.open) return;
    var text = document.getElementById("tb-fe-json-text");
    var schema = document.getElementById("tb-fe-schema");
    if (text && schema && text.dataset.typed !== "1") text.value = schema.textContent;
  }

  function askBeforeLeaving(event) {
    if (!unsaved()) return;
    event.preventDefault();
    event.returnValue = ""; // older Chromium asks only when returnValue is set
  }

  // A Turbo visit replaces the page without beforeunload: make it a full navigation so the browser asks.
  function askBeforeTurboVisit(event) {
    if (!unsaved()) return;
    event.preventDefault();
    window.location.assign(event.detail.url);
  }

  function arrived() {
    leaving = false;
  }

  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);
  document.addEventListener("submit", stashOnLanguageSwitch, true);
  document.addEventListener("toggle", fillJson, true);
  document.addEventListener("turbo:load", restore);
  document.addEventListener("turbo:load", arrived);
  document.addEventListener("turbo:before-visit", askBeforeTurboVisit);
  window.addEventListener("pageshow", arrived);
  window.addEventListener("beforeunload", askBeforeLeaving);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restore);
  } else {
    restore();
  }
})();
