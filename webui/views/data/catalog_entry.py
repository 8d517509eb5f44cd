"""A catalog entry's page: its GB/T 21063 metadata (conditional fields only when they apply), its 信息项 with
their data elements and columns, its versions with what each changed, its approval cases (status, current
step, link to the case page with the diagram), and the actions its state allows: 提交审核 for a draft,
申请变更 / 申请下线 for a published entry, 申请共享 for other departments.

The human steps of the approval are worked in the inbox; this page starts the process through the domain
services and shows where it stands. The page's queries do not depend on how many items, versions or cases
the entry has.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from domain.catalog import services as catalog_services
from domain.catalog.choices import (
    DESCRIPTION_FIELDS,
    OPEN_CHANGE_STATUSES,
    ChangeKind,
    ChangeStatus,
    EntryStatus,
    OpenType,
    ShareType,
)
from domain.catalog.errors import CatalogError, EntryInvalid, NotPermitted
from domain.catalog.models import CatalogChange, CatalogEntry, CatalogEntryVersion, InfoItem
from domain.catalog.selectors import entry_history, entry_returns
from domain.catalog.services.entries import APPROVAL_PROCESS
from processes.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus

from .catalog_access import (
    actor_of,
    forbidden,
    may_catalogue,
    may_see_entry,
    may_see_proposal,
    share_closed_reason,
    share_departments,
)
from .catalog_proposal import proposal_of

CASES_SHOWN = 20
RETURNS_SHOWN = 20
# The snapshot keys a version compares, in the GB/T 21063 order; `items` stands for the 信息项 as a whole.
COMPARED = (
    "classification_code",
    "name",
    "code",
    "provider_name",
    "provider_code",
    *DESCRIPTION_FIELDS,
    "published_on",
    "related_codes",
    "secrecy",
    "hierarchy",
    "items",
)
_SNAPSHOT_FIELDS = {"classification_code": "classification", "provider_name": "provider"}


@dataclass(frozen=True)
class Version:
    row: CatalogEntryVersion
    changed: list[str]  # labels of the fields that differ from the version before


@dataclass(frozen=True)
class ApprovalCase:
    instance: ProcessInstance
    kind: str
    reason: str
    status: str
    steps: list[HumanTask]  # the open steps: where the case stands


def entry_or_404(request: HttpRequest, entry_id: int) -> CatalogEntry:
    """The entry if the user may see it (a draft of another department is not found, as if absent)."""
    entry = CatalogEntry.objects.select_related("classification", "provider").filter(pk=entry_id).first()
    if entry is None or not may_see_entry(actor_of(request), entry):
        raise Http404(_("目录条目 %(id)s 不存在") % {"id": entry_id})
    return entry


def field_label(name: str) -> str:
    if name == "items":
        return str(InfoItem._meta.verbose_name)
    model_field = CatalogEntry._meta.get_field(_SNAPSHOT_FIELDS.get(name, name))
    return str(getattr(model_field, "verbose_name", name))


def versions_of(entry_id: int) -> list[Version]:
    """Each version with the labels of what it changed (the first: everything it set)."""
    versions: list[Version] = []
    before: dict[str, Any] = {}
    for row in entry_history(entry_id=entry_id):
        snapshot = row.snapshot or {}
        changed = [field_label(key) for key in COMPARED if before and snapshot.get(key) != before.get(key)]
        versions.append(Version(row=row, changed=changed))
        before = snapshot
    return versions


def approval_cases(entry: CatalogEntry) -> list[ApprovalCase]:
    """The catalog_approval cases of the entry (新增, then each 变更 / 下线), newest first."""
    open_steps = HumanTask.objects.filter(status=TaskStatus.OPEN).order_by("created_at")
    instances = (
        ProcessInstance.objects.filter(
            definition__key=APPROVAL_PROCESS, business_key__startswith=f"catalog-{entry.pk}-"
        )
        .select_related("started_by")
        .prefetch_related(Prefetch("human_tasks", queryset=open_steps, to_attr="open_steps"))
        .order_by("-started_at", "-pk")[:CASES_SHOWN]
    )
    changes = {c.pk: c for c in CatalogChange.objects.filter(entry=entry)}
    cases = []
    for instance in instances:
        change_id = instance.business_key.rsplit("-", 1)[-1]
        change = changes.get(int(change_id)) if change_id.isdigit() else None
        cases.append(
            ApprovalCase(
                instance=instance,
                kind=change.get_kind_display() if change else str(ChangeKind.NEW.label),
                reason=change.reason if change else "",
                status=str(InstanceStatus(instance.status).label),
                steps=list(getattr(instance, "open_steps", [])),
            )
        )
    return cases


def _reverse_or_blank(name: str, pk: int | None) -> str:
    """A page of another 数据通 area when it exists (the elements and assets pages are separate modules)."""
    if pk is None:
        return ""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def item_rows(entry: CatalogEntry) -> list[dict[str, Any]]:
    items = InfoItem.objects.filter(entry=entry).select_related("data_element", "column__table").order_by("order")
    return [
        {
            "item": item,
            "element_url": _reverse_or_blank("data:element", item.data_element_id),
            "column_url": _reverse_or_blank("data:asset_table", item.column.table_id if item.column else None),
        }
        for item in items
    ]


def _actions(request: HttpRequest, entry: CatalogEntry, cases: list[ApprovalCase]) -> dict[str, Any]:
    actor = actor_of(request)
    cataloguer = may_catalogue(actor, entry.provider_id)
    open_change = next((c for c in entry.changes.all() if c.status in OPEN_CHANGE_STATUSES), None)
    revise = next((s for case in cases for s in case.steps if s.element_id == "revise"), None)
    closed = share_closed_reason(entry)
    return {
        "may_edit": cataloguer and entry.status == EntryStatus.DRAFT,
        "may_submit": cataloguer and entry.status == EntryStatus.DRAFT and revise is None,
        "may_change": cataloguer and entry.status == EntryStatus.PUBLISHED and open_change is None,
        "open_change": open_change,
        "may_revise_change": cataloguer
        and open_change is not None
        and open_change.status == ChangeStatus.RETURNED
        and open_change.kind == ChangeKind.CHANGE,
        "revise_task": revise,
        "share_closed": closed,
        "may_share": not closed and share_departments(actor, entry).exists(),
    }


@login_required
@require_GET
def entry_page(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = entry_or_404(request, entry_id)
    cases = approval_cases(entry)
    context = {
        "section": "catalog",
        "entry": entry,
        "conditional": entry.share_type == ShareType.CONDITIONAL,
        "not_shared": entry.share_type == ShareType.NONE,
        "open_conditional": entry.open_type == OpenType.CONDITIONAL,
        "items": item_rows(entry),
        "versions": versions_of(entry.pk),
        "cases": cases,
        "returns": list(entry_returns(entry_id=entry.pk).select_related("change")[:RETURNS_SHOWN]),
        **_actions(request, entry, cases),
    }
    if may_see_proposal(actor_of(request), entry):
        context["proposal"] = proposal_of(entry, context["open_change"])
    return render(request, "webui/data/catalog/entry.html", context)


@login_required
@require_POST
def entry_submit(request: HttpRequest, entry_id: int) -> HttpResponse:
    """提交审核: the draft goes to 审核中 and a catalog_approval case starts (部门审核 by the data lead)."""
    entry = entry_or_404(request, entry_id)
    actor = actor_of(request)
    if not may_catalogue(actor, entry.provider_id):
        return forbidden(request, entry)
    try:
        catalog_services.entry_submit(entry_id=entry.pk, actor=actor)
    except NotPermitted as error:
        return forbidden(request, entry, error.message)
    except EntryInvalid as error:
        messages.error(request, _("提交前请先修改：%(what)s") % {"what": _invalid_summary(error)})
        return redirect("data:catalog_entry_edit", entry_id=entry.pk)
    except CatalogError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已提交审核，等待部门审核。"))
    return redirect("data:catalog_entry", entry_id=entry.pk)


def _invalid_summary(error: EntryInvalid) -> str:
    parts = []
    for name, problems in error.errors.items():
        label = field_label(name) if not name.startswith("items[") else str(InfoItem._meta.verbose_name)
        parts.append(f"{label}：{' '.join(problems)}")
    return "；".join(parts)


@login_required
@require_http_methods(["GET", "POST"])
def entry_take_down(request: HttpRequest, entry_id: int) -> HttpResponse:
    """申请下线: the reason, then the same two review gates; the entry stays published until approved."""
    entry = entry_or_404(request, entry_id)
    actor = actor_of(request)
    if not may_catalogue(actor, entry.provider_id):
        return forbidden(request, entry)
    if entry.status != EntryStatus.PUBLISHED:
        messages.error(request, _("只有已发布的目录可以申请下线。"))
        return redirect("data:catalog_entry", entry_id=entry.pk)
    reason, error = "", ""
    if request.method == "POST":
        reason = request.POST.get("reason", "").strip()[:2000]
        try:
            catalog_services.take_down_submit(entry_id=entry.pk, reason=reason, actor=actor)
        except EntryInvalid as invalid:
            error = " ".join(invalid.errors.get("reason", [invalid.message]))
        except CatalogError as refused:
            error = refused.message
        else:
            messages.success(request, _("已提交下线申请，审核通过后下线。"))
            return redirect("data:catalog_entry", entry_id=entry.pk)
    context = {"section": "catalog", "entry": entry, "reason": reason, "error": error}
    return render(request, "webui/data/catalog/take_down.html", context, status=400 if error else 200)


urlpatterns: list[URLPattern] = [
    path("catalog/<int:entry_id>/", entry_page, name="catalog_entry"),
    path("catalog/<int:entry_id>/submit/", entry_submit, name="catalog_entry_submit"),
    path("catalog/<int:entry_id>/take-down/", entry_take_down, name="catalog_entry_take_down"),
]
