"""`manage.py check` runs the deploy validation over every diagram in bpmn/."""

from typing import Any

from django.core.checks import Error, Tags, Warning, register


@register(Tags.compatibility, "bpmn")
def check_bpmn_directory(app_configs: Any = None, **kwargs: Any) -> list[Error | Warning]:
    from .services.definitions import bpmn_directory_files, definition_validate

    findings: list[Error | Warning] = []
    for path, bpmn_xml, extra in bpmn_directory_files():
        result = definition_validate(bpmn_xml=bpmn_xml, extra_files=extra, file_name=path.name, check_roles=False)
        for problem in result.problems:
            text = f"{path.name} {problem.element_id}: {problem.message}"
            if problem.severity == "error":
                findings.append(Error(text, id="tongban.E001"))
            else:
                findings.append(Warning(text, id="tongban.W001"))
    return findings
