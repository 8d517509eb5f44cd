/* User and manual tasks: who may work the task (candidate roles, department scope, assignee), its
   priority, SLA in working days, the escalation ladder, and its form. processes/engine/parser.py reads
   camunda:candidateGroups/assignee/priority/formKey and tongban:departmentScope/slaWorkingDays/escalation
   (tongban:candidateRoles too; the picker folds it into camunda:candidateGroups when it edits).

   tongban:departmentScope is an expression giving a department code (processes/services/sync.py evaluates
   it), so a department picked from the directory is written as the literal '330106'; an expression or a
   code the directory does not know stays as written and is shown as such. */

import {
  isNumberFieldEntryEdited,
  isSelectEntryEdited,
  isTextFieldEntryEdited,
  NumberFieldEntry,
  SelectEntry,
  TextFieldEntry,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

import { composeEscalation, format, parseEscalation, scopeCode, scopeFor, splitList } from './util';

export function peopleEntries(element) {
  return [
    { id: 'tongban-candidateRoles', component: CandidateRoles, isEdited: isTextFieldEntryEdited },
    { id: 'tongban-departmentScope', component: DepartmentScope, isEdited: isSelectEntryEdited },
    { id: 'tongban-departmentScopeExpression', component: DepartmentScopeExpression, isEdited: isTextFieldEntryEdited },
    { id: 'tongban-assignee', component: Assignee, isEdited: isTextFieldEntryEdited },
    { id: 'tongban-priority', component: Priority, isEdited: isNumberFieldEntryEdited },
    { id: 'tongban-slaWorkingDays', component: SlaWorkingDays, isEdited: isNumberFieldEntryEdited },
    { id: 'tongban-escalationBlue', component: EscalationBlue, isEdited: isNumberFieldEntryEdited },
    { id: 'tongban-escalationYellow', component: EscalationYellow, isEdited: isNumberFieldEntryEdited },
    { id: 'tongban-formKey', component: FormKey, isEdited: isSelectEntryEdited },
    { id: 'tongban-formLink', component: FormLink },
  ].map((entry) => ({ ...entry, element }));
}

function candidateCodes(businessObject) {
  return splitList(
    [businessObject.get('camunda:candidateGroups'), businessObject.get('tongban:candidateRoles')].join(','),
  );
}

function useAttribute(element, name) {
  const modeling = useService('modeling');
  const businessObject = getBusinessObject(element);
  return [
    () => businessObject.get(name) || '',
    (value) => modeling.updateProperties(element, { [name]: value === '' || value === undefined ? undefined : String(value) }),
  ];
}

/** A comma list of role codes, with a checkbox for each role the directory knows. */
function CandidateRoles({ element, id }) {
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const config = useService('tongbanConfig');
  const { strings } = config;
  const businessObject = getBusinessObject(element);
  const codes = candidateCodes(businessObject);

  const write = (list) =>
    modeling.updateProperties(element, {
      'camunda:candidateGroups': list.length ? list.join(',') : undefined,
      'tongban:candidateRoles': undefined,
    });
  const toggle = (code, checked) => {
    const rest = codes.filter((c) => c !== code);
    write(checked ? [...rest, code] : rest);
  };
  const known = new Set(config.roles.map((role) => role.code));
  const unknown = codes.filter((code) => !known.has(code));

  return (
    <div class="tb-roles">
      <TextFieldEntry
        id={id}
        element={element}
        label={strings.candidateRoles}
        description={strings.candidateRolesHelp}
        getValue={() => codes.join(',')}
        setValue={(value) => write(splitList(value))}
        debounce={debounce}
      />
      <fieldset class="tb-roles__picker">
        <legend>{strings.pickRoles}</legend>
        {config.roles.length === 0 ? <p class="tb-roles__empty">{strings.noRoles}</p> : null}
        {config.roles.map((role) => (
          <label class="tb-roles__option" key={role.code} data-role={role.code}>
            <input
              type="checkbox"
              name={`${id}-${role.code}`}
              checked={codes.includes(role.code)}
              onChange={(event) => toggle(role.code, event.target.checked)}
            />
            <span>{role.name}</span> <code>{role.code}</code>
          </label>
        ))}
        {unknown.length ? (
          <p class="tb-roles__unknown">{format(strings.unknownRoles, { codes: unknown.join(', ') })}</p>
        ) : null}
      </fieldset>
    </div>
  );
}

/** A department from the directory, shown "name (code)" in tree order; empty is the starting department. */
function DepartmentScope({ element, id }) {
  const config = useService('tongbanConfig');
  const { strings } = config;
  const [getValue, setValue] = useAttribute(element, 'tongban:departmentScope');
  const known = new Set(config.departments.map((department) => department.code));
  // A literal naming a known department shows as that department, however it was quoted.
  const current = () => {
    const value = getValue();
    const code = scopeCode(value);
    return code !== null && known.has(code) ? scopeFor(code) : value;
  };
  const getOptions = () => {
    const options = [{ value: '', label: strings.departmentInitiator }];
    config.departments.forEach((department) => {
      const indent = '\u00a0\u00a0'.repeat(department.depth || 0);
      options.push({ value: scopeFor(department.code), label: `${indent}${department.name} (${department.code})` });
    });
    const value = current();
    if (value && !options.some((option) => option.value === value)) {
      const code = scopeCode(value);
      const label = code === null ? format(strings.departmentExpression, { expression: value }) : format(strings.departmentMissing, { code });
      options.push({ value, label });
    }
    return options;
  };
  return (
    <SelectEntry
      id={id}
      element={element}
      label={strings.departmentScope}
      description={strings.departmentScopePickHelp}
      getValue={current}
      setValue={setValue}
      getOptions={getOptions}
    />
  );
}

/** The scope as the engine evaluates it, for a department taken from the case's data (department_code). */
function DepartmentScopeExpression({ element, id }) {
  const { strings } = useService('tongbanConfig');
  const [getValue, setValue] = useAttribute(element, 'tongban:departmentScope');
  return (
    <TextFieldEntry
      id={id}
      element={element}
      label={strings.departmentScopeExpression}
      description={strings.departmentScopeHelp}
      getValue={getValue}
      setValue={setValue}
      debounce={useService('debounceInput')}
    />
  );
}

function Assignee({ element, id }) {
  const { strings } = useService('tongbanConfig');
  const [getValue, setValue] = useAttribute(element, 'camunda:assignee');
  return (
    <TextFieldEntry
      id={id}
      element={element}
      label={strings.assignee}
      description={strings.assigneeHelp}
      getValue={getValue}
      setValue={setValue}
      debounce={useService('debounceInput')}
    />
  );
}

function numberOrEmpty(value) {
  return value === '' || value === undefined || value === null ? undefined : value;
}

function Priority({ element, id }) {
  const { strings } = useService('tongbanConfig');
  const [getValue, setValue] = useAttribute(element, 'camunda:priority');
  return (
    <NumberFieldEntry
      id={id}
      element={element}
      label={strings.priority}
      description={strings.priorityHelp}
      min={0}
      max={100}
      step={1}
      getValue={() => numberOrEmpty(getValue())}
      setValue={setValue}
      debounce={useService('debounceInput')}
    />
  );
}

function SlaWorkingDays({ element, id }) {
  const { strings } = useService('tongbanConfig');
  const [getValue, setValue] = useAttribute(element, 'tongban:slaWorkingDays');
  return (
    <NumberFieldEntry
      id={id}
      element={element}
      label={strings.slaWorkingDays}
      description={strings.slaWorkingDaysHelp}
      min={0}
      step={1}
      getValue={() => numberOrEmpty(getValue())}
      setValue={setValue}
      debounce={useService('debounceInput')}
    />
  );
}

function useEscalation(element, part) {
  const modeling = useService('modeling');
  const businessObject = getBusinessObject(element);
  const current = () => parseEscalation(businessObject.get('tongban:escalation'));
  return [
    () => numberOrEmpty(current()[part]),
    (value) => {
      const next = { ...current(), [part]: value === undefined || value === null ? '' : String(value) };
      modeling.updateProperties(element, { 'tongban:escalation': composeEscalation(next) });
    },
  ];
}

function EscalationBlue({ element, id }) {
  const { strings } = useService('tongbanConfig');
  const [getValue, setValue] = useEscalation(element, 'blue');
  return (
    <NumberFieldEntry
      id={id}
      element={element}
      label={strings.escalationBlue}
      description={strings.escalationBlueHelp}
      min={0}
      max={1}
      step={0.01}
      getValue={getValue}
      setValue={setValue}
      debounce={useService('debounceInput')}
      validate={(value) => (value !== undefined && value !== '' && !(value > 0 && value < 1) ? strings.escalationBlueError : null)}
    />
  );
}

function EscalationYellow({ element, id }) {
  const { strings } = useService('tongbanConfig');
  const [getValue, setValue] = useEscalation(element, 'yellow');
  return (
    <NumberFieldEntry
      id={id}
      element={element}
      label={strings.escalationYellow}
      description={strings.escalationYellowHelp}
      min={0}
      step={0.5}
      getValue={getValue}
      setValue={setValue}
      debounce={useService('debounceInput')}
    />
  );
}

function formKeyOf(businessObject) {
  return (businessObject.get('camunda:formKey') || '').replace(/^(embedded:|deployment:)/, '').replace(/^forms\//, '').replace(/(\.schema)?\.json$/, '');
}

function FormKey({ element, id }) {
  const config = useService('tongbanConfig');
  const { strings } = config;
  const modeling = useService('modeling');
  const businessObject = getBusinessObject(element);
  const getOptions = () => {
    const current = formKeyOf(businessObject);
    const options = [{ value: '', label: strings.noForm }];
    config.forms.forEach((form) => {
      const source = form.source === 'draft' ? strings.formFromDraft : strings.formDeployed;
      options.push({ value: form.key, label: `${form.title || form.key} (${form.key}, ${source})` });
    });
    if (current && !config.forms.some((form) => form.key === current)) {
      options.push({ value: current, label: format(strings.formMissing, { key: current }) });
    }
    return options;
  };
  return (
    <SelectEntry
      id={id}
      element={element}
      label={strings.form}
      getValue={() => formKeyOf(businessObject)}
      setValue={(value) => modeling.updateProperties(element, { 'camunda:formKey': value || undefined })}
      getOptions={getOptions}
    />
  );
}

/** A link to the form editor for the chosen form (or to create one named after the task). */
function FormLink({ element, id }) {
  const config = useService('tongbanConfig');
  const businessObject = getBusinessObject(element);
  const key = formKeyOf(businessObject);
  if (!config.urls.formEditor) {
    return null;
  }
  const url = config.urls.formEditor.replace('__KEY__', encodeURIComponent(key || businessObject.id));
  return (
    <div class="bio-properties-panel-entry tb-form-link" data-entry-id={id}>
      <a href={url} target="_blank" rel="noopener" data-turbo="false">
        {key ? format(config.strings.editForm, { key }) : config.strings.newForm}
      </a>
    </div>
  );
}
