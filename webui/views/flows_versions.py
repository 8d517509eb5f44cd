"""流程 — the versions of one process (who deployed each, when and why, its instances) and the visual diff
between two versions. Moving running instances to a newer version is in flows_migration.

Who may do what:
- the versions list and the diff: staff or process designers (`designer_may_edit`): a designer needs to
  see what was deployed and what changed. Anyone else signed in gets a 403 page saying why.
- the migration page and its actions (迁移, 回滚): staff only, the rule of the other operator pages
  (`staff_only`): a migration changes running cases of every department, and the dry run lists them.
  The versions page offers 迁移到此版本 and 下载 XML to staff only.

The diff is drawn in the browser by bpmn-js's NavigatedViewer (static vendor file) from the two versions'
XML and the ids to colour, embedded with `json_script`.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from processes.errors import NotFound
from processes.models import InstanceStatus
from processes.ports import Actor, directory
from processes.selectors_definitions import (
    VersionRow,
    definition_version_numbers,
    definition_versions,
    definition_xml,
    definitions_by_version,
)
from processes.selectors_designer import designer_may_edit
from processes.services.versions import definition_diff
from webui.diff_labels import diagram_markers, shown_diff
from webui.views.case import has_layout
from webui.views.flows import is_staff

View = Callable[..., HttpResponse]


def staff_or_designer(view: View) -> View:
    """Anonymous: to the login page. Signed in, neither staff nor a designer: 403 with the reason.
    The view gets the actor as its second argument."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = directory().actor_for(request.user)
        if not (is_staff(request) or designer_may_edit(actor)):
            return render(request, "webui/flows/versions_forbidden.html", status=403)
        return view(request, actor, *args, **kwargs)

    return login_required(guarded)


def version_number(raw: str | None) -> int | None:
    """A version number from the query string; Http404 when it is given but not a number."""
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise Http404(_("版本号无效：%(value)s") % {"value": raw[:20]})
    return int(raw)


def versions_or_404(key: str) -> list[VersionRow]:
    try:
        return definition_versions(key=key)
    except NotFound as error:
        raise Http404(error.message) from error


# --- versions -------------------------------------------------------------------------------------------


@staff_or_designer
@require_GET
def versions(request: HttpRequest, actor: Actor, key: str) -> HttpResponse:
    """One key's versions, newest first: author, time, note, instance counts by status, BPMN download,
    在设计器中打开; a 对比 form (default: the previous version against the latest) and 迁移到此版本."""
    found = versions_or_404(key)
    statuses = InstanceStatus.choices
    numbers = [row.definition.version for row in found]
    rows = [
        {
            "row": row,
            "counts": [(value, row.instances.get(value, 0)) for value, _label in statuses],
            "previous": numbers[index + 1] if index + 1 < len(numbers) else None,
        }
        for index, row in enumerate(found)
    ]
    context = {
        "key": key,
        "latest": found[0].definition,
        "statuses": statuses,
        "rows": rows,
        "numbers": numbers,
        "compare_from": numbers[1] if len(numbers) > 1 else None,
        "compare_to": numbers[0],
        "is_staff": is_staff(request),
    }
    return render(request, "webui/flows/versions.html", context)


# --- diff -----------------------------------------------------------------------------------------------


def _chosen(data: QueryDict, numbers: list[int]) -> tuple[int, int] | None:
    """(from, to) asked for, or by default the previous version and the latest; None when there is one
    version only. Http404 for a version that is not a number or does not exist."""
    first, second = version_number(data.get("from")), version_number(data.get("to"))
    for number in (first, second):
        if number is not None and number not in numbers:
            raise Http404(_("版本 v%(version)s 不存在") % {"version": number})
    to = second if second is not None else numbers[0]
    if first is not None:
        return first, to
    older = [n for n in numbers if n < to]
    return (older[0], to) if older else None


@staff_or_designer
@require_GET
def diff(request: HttpRequest, actor: Actor, key: str) -> HttpResponse:
    """对比 two versions: both diagrams with what changed coloured, and the changes element by element."""
    numbers = definition_version_numbers(key=key)
    if not numbers:
        raise Http404(_("流程 %(key)s 不存在") % {"key": key})
    chosen = _chosen(request.GET, numbers)
    context: dict[str, Any] = {"key": key, "numbers": numbers, "chosen": chosen}
    if chosen is None:
        context["notice"] = _("此流程只有一个版本，没有可对比的版本。")
    elif chosen[0] == chosen[1]:
        context["notice"] = _("请选择两个不同的版本进行对比。")
    else:
        context.update(_diff_context(key, *chosen))
    context["compare_from"], context["compare_to"] = chosen or (numbers[0], numbers[0])
    return render(request, "webui/flows/diff.html", context)


def _diff_context(key: str, first: int, second: int) -> dict[str, Any]:
    found = definitions_by_version(key=key, versions=[first, second])
    old, new = found[first], found[second]
    changes = definition_diff(from_definition=old, to_definition=new)
    old_markers, new_markers = diagram_markers(changes)
    return {
        "old": old,
        "new": new,
        "old_layout": has_layout(old.bpmn_xml),
        "new_layout": has_layout(new.bpmn_xml),
        "old_markers": old_markers,
        "new_markers": new_markers,
        "elements": shown_diff(changes),
        "counts": {"added": len(changes.added), "changed": len(changes.changed), "removed": len(changes.removed)},
    }


@staff_or_designer
@require_GET
def definition_download(request: HttpRequest, actor: Actor, key: str, version: int) -> HttpResponse:
    """The BPMN XML of one version as a file (for designers too): never rendered by the browser, never sniffed."""
    try:
        xml = definition_xml(key=key, version=version)
    except NotFound as error:
        raise Http404(error.message) from error
    response = HttpResponse(xml.encode("utf-8"), content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{key}-v{version}.bpmn") or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response
