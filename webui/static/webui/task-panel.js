/* The inbox's side panel (#tb-task-panel): htmx swaps a task's form into it from the row's 办理 link.
   × or Escape closes it and gives focus back to the link that opened it; the open row is marked. */
(function () {
  "use strict";

  var opener = null;

  function panel() {
    return document.getElementById("tb-task-panel");
  }

  function mark(row) {
    document.querySelectorAll(".tb-row--open").forEach(function (open) {
      open.classList.remove("tb-row--open");
    });
    if (row) row.classList.add("tb-row--open");
  }

  function close() {
    var box = panel();
    if (!box) return;
    box.innerHTML = "";
    mark(null);
    if (opener && document.body.contains(opener)) opener.focus();
    opener = null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail.elt;
    if (source instanceof Element && source.matches(".tb-quick")) {
      opener = source;
      mark(source.closest("tr"));
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (target && target.closest("[data-panel-close]")) close();
  });

  document.addEventListener("keydown", function (event) {
    var box = panel();
    if (event.key === "Escape" && box && box.contains(document.activeElement)) close();
  });
})();
