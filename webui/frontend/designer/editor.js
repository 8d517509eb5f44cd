/* The bpmn-js Modeler with the properties panel, the Camunda, SpiffWorkflow and tongban moddle
   extensions, our 通办 properties group and, on Chinese pages, Chinese labels. */

import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';

import spiffworkflowModdle from './moddle/spiffworkflow.json';
import tongbanModdle from './moddle/tongban.json';
import { TongbanPropertiesProviderModule } from './provider/index';
import { translateModule } from './translate';

export function createModeler({ canvas, properties, config }) {
  return new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: properties },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      TongbanPropertiesProviderModule,
      translateModule(config.language),
      { tongbanConfig: ['value', config] },
    ],
    moddleExtensions: {
      camunda: camundaModdle,
      spiffworkflow: spiffworkflowModdle,
      tongban: tongbanModdle,
    },
  });
}
