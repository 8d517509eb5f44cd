"""督办 → 督查事项: the task list (任务清单) with filters and the blue/yellow/red colour, 立项 by the office,
the item page (units and their colours, milestones, progress timeline, problems, attachments, sub-items, the
case), and the office's 交办 and 拆分. The units' own steps (签收, 进展, 办结, 审核) are inbox tasks.

Every write is one domain service; the service's typed errors come back on the field they name."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from domain.directory.models import Department
from domain.supervision import services as supervision_services
from domain.supervision.access import is_unit_handler
from domain.supervision.choices import CLOSED_ITEM_STATUSES, Colour, ItemStatus, Source
from domain.supervision.errors import ItemInvalid, SupervisionError
from domain.supervision.models import ItemAttachment, SupervisionItem
from domain.supervision.selectors import item_reports, item_rows, problem_pool, unit_colour
from processes.models import ProcessInstance
from webui.views.paging import int_or_none, paginate

from .supervision_items_access import (
    actor_of,
    list_scope,
    may_manage_item,
    may_register,
    may_see_item,
    registering_offices,
)
from .supervision_items_forms import ItemForm, split_rows

PAGE_SIZE = 25
OVERDUE_CHOICES = {"1": True, "0": False}


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "webui/supervision/items/forbidden.html", status=403)


def _filters(data: QueryDict) -> dict[str, Any]:
    return {
        "status": data.get("status") if data.get("status") in ItemStatus.values else "",
        "source": data.get("source") if data.get("source") in Source.values else "",
        "unit": int_or_none(data.get("unit")),
        "overdue": OVERDUE_CHOICES.get(str(data.get("overdue") or "")),
        "colour": data.get("colour") if data.get("colour") in Colour.values else "",
        "q": (data.get("q") or "").strip()[:100],
    }


@login_required
@require_GET
def item_index(request: HttpRequest) -> HttpResponse:
    """任务清单: the items the user may see, filtered; a page of 25 loaded by itself (see item_rows)."""
    actor = actor_of(request)
    scope = list_scope(actor)
    if scope.nothing:
        return forbidden(request)
    chosen = _filters(request.GET)
    department = scope.department_id if scope.department_id is not None else chosen["unit"]
    rows = item_rows(
        status=chosen["status"],
        source=chosen["source"],
        department_id=department,
        office_id=scope.office_id,
        overdue=chosen["overdue"],
        colour=chosen["colour"],
        q=chosen["q"],
    )
    context = {
        **paginate(rows, request.GET, PAGE_SIZE),
        "filters": chosen,
        "statuses": ItemStatus.choices,
        "sources": Source.choices,
        "colours": Colour.choices,
        "units": Department.objects.order_by("path") if scope.department_id is None else [],
        "may_register": may_register(actor),
        "section": "items",
    }
    return render(request, "webui/supervision/items/index.html", context)


def _create(form: ItemForm, request: HttpRequest) -> SupervisionItem:
    """立项 with its milestones and attachments, all or nothing."""
    actor = actor_of(request)
    with transaction.atomic():
        item = supervision_services.item_create(
            fields=form.item_fields(), office_id=form.cleaned_data["office"], actor=actor
        )
        for due_on, name in form.cleaned_data["milestones"]:
            supervision_services.milestone_add(item_id=item.pk, name=name, due_on=due_on, actor=actor)
        supervision_services.item_attachments_add(
            item_id=item.pk, uploads=list(form.cleaned_data["attachments"]), actor=actor
        )
    return item


@login_required
@require_http_methods(["GET", "POST"])
def item_new(request: HttpRequest) -> HttpResponse:
    """立项 form for the office: the default time limit of each source and urgency shown by the field."""
    actor = actor_of(request)
    if not may_register(actor):
        return forbidden(request)
    offices, units = registering_offices(actor), list(Department.objects.order_by("path"))
    form = ItemForm(request.POST or None, request.FILES or None, offices=offices, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            item = _create(form, request)
        except ItemInvalid as exc:
            form.put_errors({"attachments" if name == "file" else name: m for name, m in exc.errors.items()})
        except SupervisionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已立项：%(title)s") % {"title": item.title})
            return redirect("supervision:item", item_id=item.pk)
    return render(request, "webui/supervision/items/form.html", {"form": form, "section": "items"})


def _case_id(item: SupervisionItem) -> int | None:
    subject_type = ContentType.objects.get_for_model(SupervisionItem)
    found = ProcessInstance.objects.filter(subject_type=subject_type, subject_id=str(item.pk)).order_by("-pk")
    return found.values_list("pk", flat=True).first()


def _unit_rows(item: SupervisionItem, reports: list[Any]) -> list[dict[str, Any]]:
    latest: dict[int, int] = {}
    for report in reports:  # newest first: the first seen is the latest
        latest.setdefault(report.unit_id, report.percent)
    now = timezone.now()
    return [
        {"unit": unit, "colour": unit_colour(unit, now, latest.get(unit.pk)), "percent": latest.get(unit.pk)}
        for unit in item.units.select_related("department")
    ]


@login_required
@require_GET
def item_page(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(SupervisionItem.objects.select_related("office", "parent"), pk=item_id)
    actor = actor_of(request)
    if not may_see_item(actor, item):
        return forbidden(request)
    reports = list(item_reports(item_id=item.pk)[:100])
    manage = may_manage_item(actor, item)
    editable = manage and item.status == ItemStatus.REGISTERED and item.dispatched_at is None
    units = list(Department.objects.order_by("path")) if editable and item.parent_id is None else []
    context = {
        "item": item,
        "units": _unit_rows(item, reports),
        "reports": reports,
        "milestones": item.milestones.all(),
        "attachments": item.attachments.all(),
        "children": item.children.all(),
        "problems": problem_pool(item_id=item.pk)[:100],
        "case_id": _case_id(item),
        "may_dispatch": editable,
        "may_write_off": manage and item.status == ItemStatus.COMPLETED,
        # Checkpoints and files while the item is open; units' handlers may tick checkpoints off.
        "may_plan": manage and item.status not in CLOSED_ITEM_STATUSES,
        "may_tick_milestones": item.status not in CLOSED_ITEM_STATUSES and (manage or is_unit_handler(actor, item)),
        "split_rows": split_rows(None, units) if units else [],
        "colours": Colour.choices,
        "section": "items",
    }
    return render(request, "webui/supervision/items/item.html", context)


@login_required
@require_POST
def item_dispatch(request: HttpRequest, item_id: int) -> HttpResponse:
    """交办: the office starts the process (one per sub-item of a split item)."""
    item = get_object_or_404(SupervisionItem, pk=item_id)
    actor = actor_of(request)
    if not may_manage_item(actor, item):
        return forbidden(request)
    try:
        supervision_services.item_dispatch(item_id=item.pk, actor=actor)
    except SupervisionError as exc:
        messages.error(request, exc.message)
    return redirect("supervision:item", item_id=item.pk)


@login_required
@require_POST
def item_write_off(request: HttpRequest, item_id: int) -> HttpResponse:
    """销号: the office strikes a completed item off the ledger (the service refuses any other status)."""
    item = get_object_or_404(SupervisionItem, pk=item_id)
    actor = actor_of(request)
    if not may_manage_item(actor, item):
        return forbidden(request)
    try:
        supervision_services.item_write_off(item_id=item.pk, actor=actor)
    except SupervisionError as exc:
        messages.error(request, exc.message)
    return redirect("supervision:item", item_id=item.pk)


@login_required
@require_POST
def item_split(request: HttpRequest, item_id: int) -> HttpResponse:
    """拆分: up to three sub-items at once; blank rows are ignored, errors shown on their row and field."""
    item = get_object_or_404(SupervisionItem, pk=item_id)
    actor = actor_of(request)
    if not may_manage_item(actor, item):
        return forbidden(request)
    rows = split_rows(request.POST, list(Department.objects.order_by("path")))
    valid = all(row.is_valid() for row in rows)
    filled = [row for row in rows if valid and not row.is_blank()]
    if valid:
        try:
            supervision_services.item_split(item_id=item.pk, parts=[row.part() for row in filled], actor=actor)
        except ItemInvalid as exc:
            _split_errors(filled, rows, exc.errors)
        except SupervisionError as exc:
            messages.error(request, exc.message)
            return redirect("supervision:item", item_id=item.pk)
        else:
            return redirect("supervision:item", item_id=item.pk)
    context = {"item": item, "split_rows": rows, "section": "items"}
    return render(request, "webui/supervision/items/split.html", context, status=400)


def _split_errors(filled: list[Any], rows: list[Any], errors: dict[str, list[str]]) -> None:
    """ "parts[2].title" → the second filled row's title field."""
    for key, messages_ in errors.items():
        head, _dot, name = key.partition(".")
        index = int_or_none(head.removeprefix("parts[").removesuffix("]"))
        row = filled[index - 1] if index and index <= len(filled) else rows[0]
        for message in messages_:
            row.add_error(name if name in row.fields else None, message)


@login_required
@require_GET
def item_attachment(request: HttpRequest, attachment_id: int) -> HttpResponse | FileResponse:
    attachment = get_object_or_404(ItemAttachment.objects.select_related("item"), pk=attachment_id)
    if not may_see_item(actor_of(request), attachment.item):
        return forbidden(request)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
