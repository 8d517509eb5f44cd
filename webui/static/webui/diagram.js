/* What the pages drawing diagrams with bpmn-js share (case page, version diff): read a json_script block,
   and replace a diagram that cannot be drawn by the container's own message. Load it before them. */
window.TongbanDiagram = {
  readJson: function (id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  },
  fail: function (container, error) {
    container.dataset.state = "error";
    var note = document.createElement("p");
    note.className = "tb-diagram-note";
    note.textContent = container.dataset.error || "Error";
    container.replaceChildren(note);
    if (window.console) window.console.error(error);
  },
};
