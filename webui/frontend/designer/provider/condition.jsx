/* Sequence flows leaving a gateway or an activity: the condition expression (Python, or simple JUEL
   such as ${approved} that deploy translates), kept in bpmn:conditionExpression. */

import { isTextFieldEntryEdited, TextFieldEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import { MULTI, update } from './util';

const CONDITIONAL_SOURCES = ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway', 'bpmn:ComplexGateway', 'bpmn:Activity'];

export function hasCondition(element) {
  if (!is(element, 'bpmn:SequenceFlow')) {
    return false;
  }
  const source = getBusinessObject(element).get('sourceRef');
  return Boolean(source) && CONDITIONAL_SOURCES.some((type) => is(source, type));
}

export function conditionEntries(element) {
  return [{ id: 'tongban-condition', element, component: Condition, isEdited: isTextFieldEntryEdited }];
}

function Condition({ element, id }) {
  const { strings } = useService('tongbanConfig');
  const commandStack = useService('commandStack');
  const bpmnFactory = useService('bpmnFactory');
  const modeling = useService('modeling');
  const businessObject = getBusinessObject(element);
  const isDefault = () => {
    const source = businessObject.get('sourceRef');
    return source && source.get('default') === businessObject;
  };
  const getValue = () => {
    const expression = businessObject.get('conditionExpression');
    return expression ? expression.get('body') || '' : '';
  };
  const setValue = (value) => {
    const expression = businessObject.get('conditionExpression');
    if (!value) {
      modeling.updateProperties(element, { conditionExpression: undefined });
    } else if (expression) {
      commandStack.execute(MULTI, [update(element, expression, { body: value })]);
    } else {
      const created = bpmnFactory.create('bpmn:FormalExpression', { body: value });
      modeling.updateProperties(element, { conditionExpression: created });
    }
  };
  return (
    <TextFieldEntry
      id={id}
      element={element}
      label={strings.condition}
      description={isDefault() ? strings.conditionDefault : strings.conditionHelp}
      getValue={getValue}
      setValue={setValue}
      debounce={useService('debounceInput')}
    />
  );
}
