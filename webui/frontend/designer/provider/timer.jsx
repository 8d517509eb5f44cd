/* Timer events: a deadline in working days (tongban:workingDays on the event, computed on the work
   calendar at run time) or an ISO-8601 date, duration or cycle in the bpmn:timerEventDefinition.
   The parser replaces the definition's children when tongban:workingDays is set, so the two are kept
   exclusive here. */

import { isSelectEntryEdited, isTextFieldEntryEdited, SelectEntry, TextFieldEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import { MULTI, update } from './util';

const ISO_KINDS = ['timeDuration', 'timeDate', 'timeCycle'];

export function timerDefinitionOf(element) {
  const businessObject = getBusinessObject(element);
  if (!is(businessObject, 'bpmn:Event')) {
    return undefined;
  }
  return (businessObject.get('eventDefinitions') || []).find((definition) => is(definition, 'bpmn:TimerEventDefinition'));
}

export function timerEntries(element) {
  return [
    { id: 'tongban-timerKind', component: TimerKind, isEdited: isSelectEntryEdited },
    { id: 'tongban-timerValue', component: TimerValue, isEdited: isTextFieldEntryEdited },
  ].map((entry) => ({ ...entry, element }));
}

function kindOf(element) {
  if (getBusinessObject(element).get('tongban:workingDays')) {
    return 'workingDays';
  }
  const definition = timerDefinitionOf(element);
  return ISO_KINDS.find((kind) => definition && definition.get(kind)) || '';
}

function clearIso(element, definition) {
  const properties = {};
  ISO_KINDS.forEach((kind) => {
    properties[kind] = undefined;
  });
  return update(element, definition, properties);
}

function TimerKind({ element, id }) {
  const { strings } = useService('tongbanConfig');
  const commandStack = useService('commandStack');
  const bpmnFactory = useService('bpmnFactory');
  const setValue = (kind) => {
    const definition = timerDefinitionOf(element);
    const businessObject = getBusinessObject(element);
    const previous = kindOf(element);
    const text = previous === 'workingDays' ? '' : previous ? definition.get(previous).get('body') || '' : '';
    const commands = [clearIso(element, definition)];
    if (kind === 'workingDays') {
      commands.push(update(element, businessObject, { 'tongban:workingDays': '1' }));
    } else {
      commands.push(update(element, businessObject, { 'tongban:workingDays': undefined }));
      if (kind) {
        const expression = bpmnFactory.create('bpmn:FormalExpression', { body: text });
        expression.$parent = definition;
        commands.push(update(element, definition, { [kind]: expression }));
      }
    }
    commandStack.execute(MULTI, commands);
  };
  return (
    <SelectEntry
      id={id}
      element={element}
      label={strings.timerKind}
      getValue={() => kindOf(element)}
      setValue={setValue}
      getOptions={() => [
        { value: '', label: strings.timerNone },
        { value: 'workingDays', label: strings.timerWorkingDays },
        { value: 'timeDuration', label: strings.timerDuration },
        { value: 'timeDate', label: strings.timerDate },
        { value: 'timeCycle', label: strings.timerCycle },
      ]}
    />
  );
}

const HELP = {
  workingDays: 'timerWorkingDaysHelp',
  timeDuration: 'timerDurationHelp',
  timeDate: 'timerDateHelp',
  timeCycle: 'timerCycleHelp',
};

function TimerValue({ element, id }) {
  const { strings } = useService('tongbanConfig');
  const commandStack = useService('commandStack');
  const kind = kindOf(element);
  if (!kind) {
    return null;
  }
  const businessObject = getBusinessObject(element);
  const definition = timerDefinitionOf(element);
  const getValue = () =>
    kind === 'workingDays' ? businessObject.get('tongban:workingDays') || '' : definition.get(kind).get('body') || '';
  const setValue = (value) => {
    const command =
      kind === 'workingDays'
        ? update(element, businessObject, { 'tongban:workingDays': value || undefined })
        : update(element, definition.get(kind), { body: value || '' });
    commandStack.execute(MULTI, [command]);
  };
  return (
    <TextFieldEntry
      id={id}
      element={element}
      label={strings.timerValue}
      description={strings[HELP[kind]]}
      getValue={getValue}
      setValue={setValue}
      debounce={useService('debounceInput')}
    />
  );
}
