/* The problems list: validation errors and warnings, each pinned to its diagram element. The elements
   get a red (error) or amber (warning) marker; clicking a problem selects its element and scrolls the
   canvas to it, so the properties panel shows what to fix. */

const MARKERS = { error: 'tb-problem', warning: 'tb-warning' };

export function createProblems({ list, summary, modeler, strings }) {
  const canvas = modeler.get('canvas');
  const registry = modeler.get('elementRegistry');
  const selection = modeler.get('selection');
  let marked = [];

  function clearMarkers() {
    marked.forEach(([id, marker]) => {
      if (registry.get(id)) canvas.removeMarker(id, marker);
    });
    marked = [];
  }

  function focus(elementId) {
    const element = registry.get(elementId);
    if (!element) return false;
    selection.select(element);
    canvas.scrollToElement(element);
    return true;
  }

  function item(problem, level) {
    const li = document.createElement('li');
    li.className = `tb-problems__item tb-problems__item--${level}`;
    li.dataset.level = level;
    const badge = document.createElement('span');
    badge.className = 'tb-problems__level';
    badge.textContent = level === 'error' ? strings.error : strings.warning;
    const element = problem.element_id ? registry.get(problem.element_id) : null;
    const text = document.createElement(element ? 'button' : 'span');
    text.className = 'tb-problems__text';
    if (element) {
      text.type = 'button';
      text.dataset.elementId = problem.element_id;
      const name = element.businessObject && element.businessObject.name;
      text.textContent = `${name ? `${name} (${problem.element_id})` : problem.element_id}：${problem.message}`;
      text.addEventListener('click', () => focus(problem.element_id));
      canvas.addMarker(problem.element_id, MARKERS[level]);
      marked.push([problem.element_id, MARKERS[level]]);
    } else {
      text.textContent = problem.element_id ? `${problem.element_id}：${problem.message}` : problem.message;
    }
    li.append(badge, ' ', text);
    return li;
  }

  /** Show a validation result; `note` replaces the summary line when given. */
  function show({ errors = [], warnings = [] }, note) {
    clearMarkers();
    list.replaceChildren(...errors.map((p) => item(p, 'error')), ...warnings.map((p) => item(p, 'warning')));
    list.dataset.count = String(errors.length);
    summary.textContent = note || (errors.length ? strings.invalid.replace('{count}', errors.length) : strings.valid);
    summary.dataset.state = errors.length ? 'invalid' : 'valid';
  }

  function message(text, state) {
    summary.textContent = text;
    summary.dataset.state = state;
  }

  return { show, message, focus, clear: () => show({}, strings.notValidated) };
}
