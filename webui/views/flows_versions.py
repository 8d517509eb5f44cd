"""流程 — the versions of one process (who deployed each, when and why, its instances), the visual diff
between two versions, and moving running instances to a newer version (dry run, run, history, rollback).

Who may do what:
- the versions list and the diff: staff or process designers (`designer_may_edit`): a designer needs to
  see what was deployed and what changed. Anyone else signed in gets a 403 page saying why.
- the migration page and its actions (迁移, 回滚): staff only, the rule of the other operator pages
  (`staff_only`): a migration changes running cases of every department, and the dry run lists them.
  The versions page offers 迁移到此版本 and 下载 XML to staff only.

The diff is drawn in the browser by bpmn-js's NavigatedViewer (static vendor file) from the two versions'
XML and the ids to colour, embedded with `json_script`. The dry run can take seconds over many instances:
the migration page loads its table with htmx (the page shows a progress note meanwhile); without
JavaScript the note links to the same table as a whole page. 迁移 and 回滚 post, then redirect (the
result shows as a message and in the batch's section).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from processes.errors import NotFound, ProcessError
from processes.models import InstanceStatus, ProcessDefinition
from processes.ports import Actor, directory
from processes.selectors_definitions import (
    VersionRow,
    definition_version_numbers,
    definition_versions,
    definition_xml,
    definitions_by_version,
)
from processes.selectors_designer import designer_may_edit
from processes.selectors_migration import BatchSummary, migration_batch_instances, migration_batches
from processes.services.migration import MIGRATABLE_STATUSES, migration_dry_run, migration_rollback, migration_run
from processes.services.versions import definition_diff
from webui.diff_labels import diagram_markers, shown_diff
from webui.i18n import one_language
from webui.views.case import has_layout
from webui.views.flows import is_staff, staff_only

View = Callable[..., HttpResponse]
HISTORY_SHOWN = 50
STATUS_LABELS = dict(InstanceStatus.choices)


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


def _version(raw: str | None) -> int | None:
    """A version number from the query string; Http404 when it is given but not a number."""
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise Http404(_("版本号无效：%(value)s") % {"value": raw[:20]})
    return int(raw)


def _versions_of(key: str) -> list[VersionRow]:
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
    found = _versions_of(key)
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
    first, second = _version(data.get("from")), _version(data.get("to"))
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


# --- migration ------------------------------------------------------------------------------------------


def _target(key: str, raw: str | None) -> tuple[list[VersionRow], ProcessDefinition]:
    """The key's versions and the one to migrate to (`to`, default the latest); Http404 if none such."""
    found = _versions_of(key)
    wanted = _version(raw)
    for row in found:
        if wanted is None or row.definition.version == wanted:
            return found, row.definition
    raise Http404(_("版本 v%(version)s 不存在") % {"version": wanted})


def _migrate_url(key: str, version: int, batch_id: int | None = None) -> str:
    query = QueryDict(mutable=True)
    query["to"] = str(version)
    if batch_id is not None:
        query["batch"] = str(batch_id)
    return f"{reverse('flows:migrate', kwargs={'key': key})}?{query.urlencode()}"


def _migration_page(request: HttpRequest, key: str) -> dict[str, Any]:
    found, target = _target(key, request.GET.get("to"))
    waiting = sum(
        row.instances.get(status, 0)
        for row in found
        if row.definition.version < target.version
        for status in MIGRATABLE_STATUSES
    )
    history = migration_batches(process_key=key)
    wanted = _version(request.GET.get("batch"))
    batch = next((b for b in history if b.batch_id == wanted), None)
    return {
        "key": key,
        "latest": found[0].definition,
        "target": target,
        "numbers": [row.definition.version for row in found],
        "waiting": waiting,
        "history": history[:HISTORY_SHOWN],
        "history_more": len(history) > HISTORY_SHOWN,
        "batch": batch,
        "batch_instances": [
            {"m": m, "status": STATUS_LABELS.get(m.status, m.status)}
            for m in (migration_batch_instances(batch_id=batch.batch_id) if batch else [])
        ],
        "dry_run_url": _dry_run_url(key, target.version),
    }


def _dry_run_url(key: str, version: int) -> str:
    return f"{reverse('flows:migrate_dry_run', kwargs={'key': key})}?to={version}"


def _dry_run(target: ProcessDefinition) -> dict[str, Any]:
    verdicts = migration_dry_run(target_definition_id=target.pk)
    migratable = sum(1 for verdict in verdicts if verdict.migratable)
    return {
        "verdicts": [{"verdict": v, "status": STATUS_LABELS.get(v.status, v.status)} for v in verdicts],
        "checked": True,
        "migratable": migratable,
        "blocked": len(verdicts) - migratable,
    }


@staff_only
@require_GET
def migrate(request: HttpRequest, key: str) -> HttpResponse:
    """迁移到新版本: the dry-run table (loaded by htmx), 迁移全部可迁移的实例, and the batches so far with 回滚."""
    return render(request, "webui/flows/migrate.html", _migration_page(request, key))


@staff_only
@require_GET
def migrate_dry_run(request: HttpRequest, key: str) -> HttpResponse:
    """The dry run over every running or suspended instance of an older version: the table alone for
    htmx, else the whole migration page with the table in it."""
    if request.headers.get("HX-Request"):
        _found, target = _target(key, request.GET.get("to"))
        return render(request, "webui/flows/migrate_table.html", {"key": key, "target": target, **_dry_run(target)})
    context = _migration_page(request, key)
    context.update(_dry_run(context["target"]))
    return render(request, "webui/flows/migrate.html", context)


@staff_only
@require_POST
def migrate_run(request: HttpRequest, key: str) -> HttpResponse:
    """Move every migratable instance to the posted version as one batch; then show that batch."""
    _found, target = _target(key, request.POST.get("to"))
    try:
        batch = migration_run(target_definition_id=target.pk, actor=directory().actor_for(request.user))
    except ProcessError as error:
        messages.error(request, one_language(error.message))
        return redirect(_migrate_url(key, target.version))
    messages.success(request, _("迁移完成（批次 #%(batch)s），结果见下方。") % {"batch": batch.pk})
    return redirect(_migrate_url(key, target.version, batch.pk))


def _batch_of(key: str, batch_id: int) -> BatchSummary:
    found = next((b for b in migration_batches(process_key=key) if b.batch_id == batch_id), None)
    if found is None:
        raise Http404(_("迁移批次 #%(batch)s 不存在") % {"batch": batch_id})
    return found


@staff_only
@require_POST
def migration_rollback_view(request: HttpRequest, key: str, batch_id: int) -> HttpResponse:
    """回滚 a batch: its instances go back to the version and state they had, except those that moved on."""
    summary = _batch_of(key, batch_id)
    try:
        result = migration_rollback(batch_id=batch_id, actor=directory().actor_for(request.user))
    except ProcessError as error:
        messages.error(request, _rollback_refused(error))
        return redirect(_migrate_url(key, summary.target_version, batch_id))
    messages.success(
        request,
        _("批次 #%(batch)s 已回滚：%(count)s 个实例回到原版本。")
        % {"batch": batch_id, "count": len(result.rolled_back)},
    )
    for instance_id, reason in result.kept:
        messages.warning(
            request,
            _("实例 #%(id)s 保留在新版本：%(reason)s") % {"id": instance_id, "reason": one_language(reason)},
        )
    return redirect(_migrate_url(key, summary.target_version, batch_id))


def _rollback_refused(error: ProcessError) -> str:
    """The service's reason; when no instance could go back, each instance with its own reason."""
    kept = error.detail if isinstance(error.detail, list) else []
    if not kept:
        return one_language(error.message)
    reasons = "；".join(f"#{instance_id}：{one_language(reason)}" for instance_id, reason in kept)
    return _("没有实例可以回滚：%(reasons)s") % {"reasons": reasons}


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
