/* Small helpers shared by the 通办 properties entries. Every change goes through the command stack, so
   it can be undone and it triggers autosave. */

import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

export const MULTI = 'properties-panel.multi-command-executor';

/** The first extension element of the given type on a business object, or undefined. */
export function extensionOf(businessObject, type) {
  const extensions = businessObject.get('extensionElements');
  return (extensions ? extensions.get('values') : []).find((value) => value.$instanceOf(type));
}

/** Commands that make sure `element` has bpmn:ExtensionElements; returns [commands, extensionElements]. */
export function ensureExtensions(element, bpmnFactory) {
  const businessObject = getBusinessObject(element);
  let extensions = businessObject.get('extensionElements');
  if (extensions) {
    return [[], extensions];
  }
  extensions = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
  extensions.$parent = businessObject;
  const command = {
    cmd: 'element.updateModdleProperties',
    context: { element, moddleElement: businessObject, properties: { extensionElements: extensions } },
  };
  return [[command], extensions];
}

export function update(element, moddleElement, properties) {
  return { cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } };
}

/** A comma list as an array of trimmed, non-empty, distinct parts. */
export function splitList(text) {
  const seen = new Set();
  return (text || '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part && !seen.has(part) && seen.add(part));
}

/** `blue=0.67;yellow=1` → { blue: '0.67', yellow: '1' } (unknown parts are ignored). */
export function parseEscalation(text) {
  const result = { blue: '', yellow: '' };
  (text || '').split(';').forEach((part) => {
    const [key, value] = part.split('=').map((s) => (s || '').trim());
    if (key in result) {
      result[key] = value || '';
    }
  });
  return result;
}

export function composeEscalation({ blue, yellow }) {
  const parts = [];
  if (blue !== '' && blue !== undefined && blue !== null) parts.push(`blue=${blue}`);
  if (yellow !== '' && yellow !== undefined && yellow !== null) parts.push(`yellow=${yellow}`);
  return parts.length ? parts.join(';') : undefined;
}

/** "{name}" placeholders filled from an object (strings come from the page, translated by Django). */
export function format(template, values) {
  return (template || '').replace(/{(\w+)}/g, (match, key) => (key in values ? String(values[key]) : match));
}

/** The department code a scope names as a quoted literal (`'330106'`, as the engine evaluates the scope);
   null for an expression such as `department_code`. */
export function scopeCode(value) {
  const match = /^\s*(['"])([^'"\\]*)\1\s*$/.exec(value || '');
  return match ? match[2] : null;
}

/** The scope that names one department: its code as a Python string literal. */
export function scopeFor(code) {
  return `'${String(code).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
