/* Case page: draw the instance's BPMN diagram with bpmn-js's NavigatedViewer (a static vendor file, global
   BpmnJS) and mark each element's state. The XML and the states come from json_script blocks. */
(function () {
  "use strict";

  var MARKERS = { completed: "tb-completed", active: "tb-active", overdue: "tb-overdue" };

  var readJson = window.TongbanDiagram.readJson;
  var fail = window.TongbanDiagram.fail;

  async function draw() {
    var container = document.getElementById("tb-case-diagram");
    var xml = readJson("case-bpmn");
    if (!container || !xml) return;
    if (typeof window.BpmnJS !== "function") {
      fail(container, new Error("bpmn-js is not loaded"));
      return;
    }
    var states = readJson("case-states") || {};
    var viewer = new window.BpmnJS({ container: container });
    try {
      await viewer.importXML(xml);
    } catch (error) {
      fail(container, error);
      return;
    }
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    Object.keys(states).forEach(function (elementId) {
      var marker = MARKERS[states[elementId]];
      if (marker && registry.get(elementId)) canvas.addMarker(elementId, marker);
    });
    canvas.zoom("fit-viewport", "auto");
    canvas.zoom(canvas.zoom() * 0.9, "auto"); // a margin so the outermost shapes are not cut off
    container.dataset.state = "ready";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
