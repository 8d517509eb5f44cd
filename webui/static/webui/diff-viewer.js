/* Version diff page: draw both versions with bpmn-js's NavigatedViewer (a static vendor file, global BpmnJS),
   colour what changed (old: removed / changed, new: added / changed), and tie the change list to the
   diagrams: a click on an entry focuses the element in both, a click on an element scrolls to its entry.
   XML and markers come from json_script blocks; a pane without a layout has no container and is skipped. */
(function () {
  "use strict";

  var MARKERS = { added: "tb-diff-added", removed: "tb-diff-removed", changed: "tb-diff-changed" };
  var FOCUS = "tb-diff-focus";
  var PANES = [
    { container: "tb-diff-old", xml: "diff-old-bpmn", markers: "diff-old-markers" },
    { container: "tb-diff-new", xml: "diff-new-bpmn", markers: "diff-new-markers" },
  ];

  var readJson = window.TongbanDiagram.readJson;
  var fail = window.TongbanDiagram.fail;

  function entryFor(elementId) {
    var list = document.getElementById("tb-diff-changes");
    if (!list) return null;
    return list.querySelector('[data-element-id="' + window.CSS.escape(elementId) + '"]');
  }

  function showEntry(elementId) {
    var entry = entryFor(elementId);
    if (!entry) return;
    document.querySelectorAll("#tb-diff-changes .tb-diff-entry--focus").forEach(function (node) {
      node.classList.remove("tb-diff-entry--focus");
    });
    entry.classList.add("tb-diff-entry--focus");
    entry.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  async function drawPane(pane, viewers) {
    var container = document.getElementById(pane.container);
    var xml = readJson(pane.xml);
    if (!container || !xml || container.dataset.state) return;
    container.dataset.state = "loading";
    var viewer = new window.BpmnJS({ container: container });
    try {
      await viewer.importXML(xml);
    } catch (error) {
      fail(container, error);
      return;
    }
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var markers = readJson(pane.markers) || {};
    Object.keys(markers).forEach(function (elementId) {
      var marker = MARKERS[markers[elementId]];
      if (marker && registry.get(elementId)) canvas.addMarker(elementId, marker);
    });
    canvas.zoom("fit-viewport", "auto");
    canvas.zoom(canvas.zoom() * 0.9, "auto"); // a margin so the outermost shapes are not cut off
    viewer.get("eventBus").on("element.click", function (event) {
      if (event.element && markers[event.element.id]) showEntry(event.element.id);
    });
    viewers.push(viewer);
    container.dataset.state = "ready";
  }

  function focus(viewers, elementId) {
    var found = false;
    viewers.forEach(function (viewer) {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      registry.filter(function (element) {
        return canvas.hasMarker(element, FOCUS);
      }).forEach(function (element) {
        canvas.removeMarker(element, FOCUS);
      });
      var element = registry.get(elementId);
      if (!element) return;
      found = true;
      canvas.addMarker(element, FOCUS);
      canvas.scrollToElement(element);
    });
    var panes = document.getElementById("tb-diff-panes");
    if (found && panes) panes.scrollIntoView({ block: "nearest", behavior: "smooth" });
    return found;
  }

  async function start() {
    var panes = document.getElementById("tb-diff-panes");
    if (!panes || panes.dataset.bound) return;
    panes.dataset.bound = "true";
    var viewers = [];
    var list = document.getElementById("tb-diff-changes");
    if (list) {
      list.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-locate]");
        if (!button) return;
        var entry = button.closest("[data-element-id]");
        if (entry) focus(viewers, entry.dataset.elementId);
      });
    }
    // After a Turbo visit the vendor script may still be loading: give it a few seconds.
    for (var wait = 0; typeof window.BpmnJS !== "function" && wait < 50; wait++) {
      await new Promise(function (resolve) {
        setTimeout(resolve, 100);
      });
    }
    if (typeof window.BpmnJS !== "function") {
      PANES.forEach(function (pane) {
        var container = document.getElementById(pane.container);
        if (container) fail(container, new Error("bpmn-js is not loaded"));
      });
      return;
    }
    for (var i = 0; i < PANES.length; i++) await drawPane(PANES[i], viewers);
    panes.dataset.state = "ready";
    refitOnResize(viewers);
  }

  // A phone turned sideways or a window resized: the panes change size, fit the diagrams again.
  function refitOnResize(viewers) {
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        viewers.forEach(function (viewer) {
          if (!viewer.get("canvas").getContainer().isConnected) return;
          var canvas = viewer.get("canvas");
          canvas.resized();
          canvas.zoom("fit-viewport", "auto");
          canvas.zoom(canvas.zoom() * 0.9, "auto");
        });
      }, 200);
    });
  }

  // A Turbo visit swaps <body> without a page load: draw again on each page shown (a drawn page is skipped).
  document.addEventListener("turbo:load", start);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
