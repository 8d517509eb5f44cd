/* Repeating groups on the task form: 添加一行 clones the group's <template> row with the next free index
   (names like items-3-name), 删除 removes a row. Without this script the page still works: it shows the
   entered rows plus a blank one, and blank rows are dropped when the form is submitted. Clicks are
   handled on the document, so rows added later and pages swapped in by Turbo need no extra wiring. */
(function () {
  "use strict";

  var PLACEHOLDER = "__prefix__";
  var ATTRIBUTES = ["name", "id", "for"];

  function rows(group) {
    return group.querySelectorAll(":scope > .tb-repeat-rows > [data-tb-repeat-row]");
  }

  function refresh(group) {
    var all = rows(group);
    all.forEach(function (row, position) {
      var number = row.querySelector("[data-tb-row-number]");
      if (number) number.textContent = String(position + 1);
    });
    var add = group.querySelector(":scope > [data-tb-repeat-add]");
    var max = parseInt(group.dataset.maxItems || "", 10);
    if (add) add.disabled = !isNaN(max) && all.length >= max;
  }

  function enhance(root) {
    root.querySelectorAll("[data-tb-repeat]").forEach(function (group) {
      group.querySelectorAll("[data-tb-repeat-add], [data-tb-repeat-remove]").forEach(function (button) {
        button.hidden = false;
      });
      refresh(group);
    });
  }

  function addRow(group) {
    var template = group.querySelector(":scope > template[data-tb-repeat-template]");
    if (!template) return;
    var index = parseInt(group.dataset.nextIndex || "0", 10);
    group.dataset.nextIndex = String(index + 1);
    var fragment = template.content.cloneNode(true);
    fragment.querySelectorAll("[name], [id], [for]").forEach(function (node) {
      ATTRIBUTES.forEach(function (attribute) {
        var value = node.getAttribute(attribute);
        if (value) node.setAttribute(attribute, value.split(PLACEHOLDER).join(String(index)));
      });
    });
    fragment.querySelectorAll("[data-tb-repeat-remove]").forEach(function (button) {
      button.hidden = false;
    });
    var row = fragment.querySelector("[data-tb-repeat-row]");
    group.querySelector(":scope > .tb-repeat-rows").appendChild(fragment);
    refresh(group);
    var first = row && row.querySelector("input, select, textarea");
    if (first) first.focus();
  }

  function removeRow(row) {
    var group = row.closest("[data-tb-repeat]");
    var add = group && group.querySelector(":scope > [data-tb-repeat-add]");
    row.remove();
    if (!group) return;
    refresh(group);
    if (add) add.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var add = target.closest("[data-tb-repeat-add]");
    if (add) {
      addRow(add.closest("[data-tb-repeat]"));
      return;
    }
    var remove = target.closest("[data-tb-repeat-remove]");
    if (remove) removeRow(remove.closest("[data-tb-repeat-row]"));
  });

  function start() {
    enhance(document);
  }

  document.addEventListener("turbo:load", start);
  // A form htmx swaps in later (the inbox's side panel).
  document.addEventListener("htmx:load", function (event) {
    if (event.target instanceof Element) enhance(event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
