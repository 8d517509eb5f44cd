/* The 通办 properties group: what Tongban's engine reads from a diagram, edited in the panel. */

import { Group } from '@bpmn-io/properties-panel';
import { is } from 'bpmn-js/lib/util/ModelUtil';

import { conditionEntries, hasCondition } from './condition';
import { peopleEntries } from './people';
import { serviceEntries } from './service';
import { timerDefinitionOf, timerEntries } from './timer';

const LOW_PRIORITY = 400; // after the standard BPMN provider, so its groups can be adjusted here

function entriesFor(element) {
  if (is(element, 'bpmn:UserTask') || is(element, 'bpmn:ManualTask')) {
    return peopleEntries(element);
  }
  if (is(element, 'bpmn:ServiceTask')) {
    return serviceEntries(element);
  }
  if (timerDefinitionOf(element)) {
    return timerEntries(element);
  }
  if (hasCondition(element)) {
    return conditionEntries(element);
  }
  return [];
}

export default function TongbanPropertiesProvider(propertiesPanel, tongbanConfig) {
  this.getGroups = function getGroups(element) {
    return function addTongbanGroup(groups) {
      const entries = entriesFor(element);
      // Timers are edited in our group (working days or ISO-8601), not twice.
      const kept = timerDefinitionOf(element) ? groups.filter((group) => group.id !== 'timer') : groups;
      if (!entries.length) {
        return kept;
      }
      const group = {
        id: 'tongban',
        label: tongbanConfig.strings.group,
        component: Group,
        entries,
        shouldOpen: true,
      };
      // Right after 常规 (General): the settings a designer looks for first.
      const general = kept.findIndex((item) => item.id === 'general');
      return [...kept.slice(0, general + 1), group, ...kept.slice(general + 1)];
    };
  };
  propertiesPanel.registerProvider(LOW_PRIORITY, this);
}

TongbanPropertiesProvider.$inject = ['propertiesPanel', 'tongbanConfig'];

export const TongbanPropertiesProviderModule = {
  __init__: ['tongbanPropertiesProvider'],
  tongbanPropertiesProvider: ['type', TongbanPropertiesProvider],
};
