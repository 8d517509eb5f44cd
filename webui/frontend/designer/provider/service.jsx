/* Service tasks: the operator (a registered handler, chosen from GET /api/designer/handlers/), its
   parameters (value expressions, pre-filled from the handler's documented parameters) and the result
   variable, written as spiffworkflow:serviceTaskOperator > parameters > parameter, as the engine reads. */

import { isSelectEntryEdited, isTextFieldEntryEdited, SelectEntry, TextFieldEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

import { ensureExtensions, extensionOf, format, MULTI, update } from './util';

const OPERATOR = 'spiffworkflow:ServiceTaskOperator';

export function operatorOf(element) {
  return extensionOf(getBusinessObject(element), OPERATOR);
}

function parametersOf(operator) {
  const list = operator && operator.get('parameterList');
  return list ? list.get('parameters') : [];
}

export function serviceEntries(element) {
  const operator = operatorOf(element);
  const entries = [{ id: 'tongban-operator', component: Operator, isEdited: isSelectEntryEdited }];
  if (operator) {
    entries.push({ id: 'tongban-resultVariable', component: ResultVariable, isEdited: isTextFieldEntryEdited });
    parametersOf(operator).forEach((parameter, index) => {
      entries.push({ id: `tongban-parameter-${index}`, component: Parameter, parameter, isEdited: isTextFieldEntryEdited });
    });
  }
  return entries.map((entry) => ({ ...entry, element }));
}

/** A Camunda Modeler external task names its operator in camunda:topic (the engine reads it too). */
function topicOf(element) {
  return getBusinessObject(element).get('camunda:topic') || '';
}

function handlerFor(config, name) {
  return config.handlers.find((handler) => handler.operator === name);
}

/** The default name of the variable a handler's result is stored in: the operator's last segment. */
function defaultResultVariable(name) {
  return name.split('/').pop().replace(/[^A-Za-z0-9_]/g, '_');
}

/** The new operator element: the handler's documented parameters, keeping values already written. */
function buildOperator(moddle, name, handler, previous) {
  const kept = new Map(parametersOf(previous).map((parameter) => [parameter.get('id'), parameter]));
  const documented = handler ? handler.parameters || [] : [];
  const parameters = documented.map((doc) => {
    const old = kept.get(doc.name);
    return moddle.create('spiffworkflow:Parameter', {
      id: doc.name,
      type: doc.type || (old && old.get('type')) || 'str',
      value: old ? old.get('value') : doc.name,
    });
  });
  // Parameters the designer added that the handler does not document are kept, not silently dropped.
  kept.forEach((old, id) => {
    if (!documented.some((doc) => doc.name === id)) {
      parameters.push(moddle.create('spiffworkflow:Parameter', { id, type: old.get('type'), value: old.get('value') }));
    }
  });
  const list = moddle.create('spiffworkflow:Parameters', { parameters });
  parameters.forEach((parameter) => {
    parameter.$parent = list;
  });
  const operator = moddle.create(OPERATOR, {
    id: name,
    resultVariable: (previous && previous.get('resultVariable')) || defaultResultVariable(name),
    parameterList: list,
  });
  list.$parent = operator;
  return operator;
}

function Operator({ element, id }) {
  const config = useService('tongbanConfig');
  const { strings } = config;
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const moddle = useService('moddle');
  const current = operatorOf(element);
  const name = current ? current.get('id') || '' : topicOf(element);
  const handler = handlerFor(config, name);

  const setValue = (value) => {
    const [commands, extensions] = ensureExtensions(element, bpmnFactory);
    const others = extensions.get('values').filter((value) => value !== current);
    let values = others;
    if (value) {
      const operator = buildOperator(moddle, value, handlerFor(config, value), current);
      operator.$parent = extensions;
      values = [...others, operator];
    }
    commands.push(update(element, extensions, { values }));
    // The operator is now ours (or none): a Camunda external-task topic left beside it would be a second,
    // contradicting answer to "what does this task call".
    const businessObject = getBusinessObject(element);
    if (businessObject.get('camunda:topic') !== undefined || businessObject.get('camunda:type') !== undefined) {
      commands.push(update(element, businessObject, { 'camunda:topic': undefined, 'camunda:type': undefined }));
    }
    commandStack.execute(MULTI, commands);
  };
  const getOptions = () => {
    const options = [{ value: '', label: strings.noOperator }];
    // The summary comes from the API already in the page's language.
    config.handlers.forEach((item) => {
      const label = item.summary ? `${item.operator} — ${item.summary}` : item.operator;
      options.push({ value: item.operator, label });
    });
    if (name && !handler) {
      options.push({ value: name, label: format(strings.operatorUnknown, { operator: name }) });
    }
    return options;
  };
  let description = strings.operatorHelp;
  if (handler) {
    description = handler.result ? `${handler.summary} — ${strings.result}: ${handler.result}` : handler.summary;
  } else if (name) {
    description = format(strings.operatorUnknown, { operator: name });
  }
  return (
    <SelectEntry
      id={id}
      element={element}
      label={strings.operator}
      description={description}
      getValue={() => name}
      setValue={setValue}
      getOptions={getOptions}
    />
  );
}

function ResultVariable({ element, id }) {
  const { strings } = useService('tongbanConfig');
  const commandStack = useService('commandStack');
  const operator = operatorOf(element);
  return (
    <TextFieldEntry
      id={id}
      element={element}
      label={strings.resultVariable}
      description={strings.resultVariableHelp}
      getValue={() => operator.get('resultVariable') || ''}
      setValue={(value) => commandStack.execute(MULTI, [update(element, operator, { resultVariable: value || undefined })])}
      debounce={useService('debounceInput')}
    />
  );
}

function Parameter({ element, id, parameter }) {
  const config = useService('tongbanConfig');
  const commandStack = useService('commandStack');
  const operator = operatorOf(element);
  const handler = operator && handlerFor(config, operator.get('id'));
  const doc = handler && (handler.parameters || []).find((item) => item.name === parameter.get('id'));
  const label = format(config.strings.parameter, { name: parameter.get('id'), type: parameter.get('type') || '' });
  return (
    <TextFieldEntry
      id={id}
      element={element}
      label={label}
      description={doc && doc.doc ? doc.doc : config.strings.parameterHelp}
      getValue={() => parameter.get('value') || ''}
      setValue={(value) => commandStack.execute(MULTI, [update(element, parameter, { value: value || '' })])}
      debounce={useService('debounceInput')}
    />
  );
}
