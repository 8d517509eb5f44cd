"""编目: create and edit a draft entry, propose a 变更 of a published one, and 从数据表创建 (a draft with one
信息项 per column of a registered table, in one step).

Only the provider department's 编目员 (or a superuser) gets these forms; anyone else gets 403 with the reason
and nothing changes. The services decide every rule (EntryInvalid names the field or the 信息项 row); the page
puts each message where it belongs. Conditional fields (共享条件, 不予共享依据, 共享方式, 开放条件) carry
`data-shown-when`, which a few lines of script use to hide what does not apply; without script all show and
the server decides.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from domain.assets.models import DataTable
from domain.assets.selectors import tables_search
from domain.catalog import services as catalog_services
from domain.catalog.choices import OPEN_CHANGE_STATUSES, ChangeKind, ChangeStatus, DataType, EntryStatus
from domain.catalog.errors import CatalogError, EntryInvalid, NotPermitted
from domain.catalog.models import CatalogChange, CatalogEntry
from domain.catalog.validation import EntryFields
from domain.catalog.versions import entry_fields

from .catalog_access import actor_of, cataloguing_departments, forbidden, may_catalogue
from .catalog_entry import entry_or_404
from .catalog_fields import (
    ChangeForm,
    EntryForm,
    ItemRow,
    classification_choices,
    entry_fields_of,
    initial_of,
    items_of,
    name_links,
    put_errors,
    rows_from_fields,
    rows_from_post,
)

T = TypeVar("T")
BLANK_ROWS_NEW = 3
TABLES_SHOWN = 500


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    rows: list[ItemRow] = context["rows"]
    name_links(rows)
    blank = BLANK_ROWS_NEW if not rows else 1
    context = {
        "section": "catalog",
        "data_types": DataType.choices,
        "blank_rows": range(len(rows), len(rows) + blank),
        "next_index": len(rows) + blank,
        "shown_when": EntryForm.SHOWN_WHEN,
        "group_errors": [],
        **context,
    }
    return render(request, "webui/data/catalog/form.html", context, status=status)


def _attempt(form: EntryForm, rows: list[ItemRow], save: Callable[[EntryFields], T]) -> tuple[T | None, list[str]]:
    """Check the form's types, then let the service decide; errors land on the form and rows."""
    items = items_of(rows)
    if not form.is_valid() or items is None:
        return None, []
    try:
        return save(entry_fields_of(form, items)), []
    except EntryInvalid as error:
        return None, put_errors(error, form, rows)


@login_required
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest) -> HttpResponse:
    """新建编目: a draft of one of the departments the user catalogues for."""
    actor = actor_of(request)
    providers = list(cataloguing_departments(actor).values_list("pk", "name"))
    if not providers:
        return forbidden(request, None)
    if request.method != "POST":
        form = EntryForm(providers=providers, initial={"provider_id": providers[0][0]})
        return _render(request, {"form": form, "rows": [], "mode": "new"})
    form, rows = EntryForm(request.POST, providers=providers), rows_from_post(request.POST)
    try:
        entry, group_errors = _attempt(form, rows, lambda f: catalog_services.entry_create(fields=f, actor=actor))
    except NotPermitted as error:
        return forbidden(request, None, error.message)
    if entry is None:
        context = {"form": form, "rows": rows, "mode": "new", "group_errors": group_errors}
        return _render(request, context, status=400)
    messages.success(request, _("草稿已保存。"))
    return redirect("data:catalog_entry", entry_id=entry.pk)


def _fixed_provider(form: EntryForm) -> EntryForm:
    form.fields["provider_id"].disabled = True
    return form


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    """编辑草稿 (also after a review returned it); a published entry changes through 申请变更."""
    entry = entry_or_404(request, entry_id)
    actor = actor_of(request)
    if not may_catalogue(actor, entry.provider_id):
        return forbidden(request, entry)
    if entry.status != EntryStatus.DRAFT:
        messages.error(request, _("只有草稿可以直接修改；已发布的目录请申请变更。"))
        return redirect("data:catalog_entry", entry_id=entry.pk)
    providers = [(entry.provider_id, entry.provider.name)]
    current = entry_fields(entry)
    if request.method != "POST":
        form = _fixed_provider(EntryForm(providers=providers, initial=initial_of(current)))
        return _render(request, {"form": form, "rows": rows_from_fields(current), "entry": entry, "mode": "edit"})
    form = _fixed_provider(EntryForm(request.POST, providers=providers, initial=initial_of(current)))
    rows = rows_from_post(request.POST)
    try:
        saved, group_errors = _attempt(
            form, rows, lambda f: catalog_services.entry_update(entry_id=entry.pk, fields=f, actor=actor)
        )
    except NotPermitted as error:
        return forbidden(request, entry, error.message)
    except CatalogError as error:
        messages.error(request, error.message)
        return redirect("data:catalog_entry", entry_id=entry.pk)
    if saved is None:
        context = {"form": form, "rows": rows, "entry": entry, "mode": "edit", "group_errors": group_errors}
        return _render(request, context, status=400)
    messages.success(request, _("草稿已保存。"))
    return redirect("data:catalog_entry", entry_id=entry.pk)


def _changeable(entry: CatalogEntry) -> tuple[bool, CatalogChange | None]:
    """(may a 变更 be proposed or revised now, the returned 变更 to revise if there is one)."""
    pending = entry.changes.filter(status__in=OPEN_CHANGE_STATUSES).first()
    if pending is None:
        return entry.status == EntryStatus.PUBLISHED, None
    returned = pending.status == ChangeStatus.RETURNED and pending.kind == ChangeKind.CHANGE
    return returned and entry.status == EntryStatus.PUBLISHED, pending if returned else None


def _change_form(data: Any, entry: CatalogEntry, initial: dict[str, Any], returned: CatalogChange | None) -> ChangeForm:
    form = ChangeForm(data, providers=[(entry.provider_id, entry.provider.name)], initial=initial)
    # The classification fixes the resource code: it cannot change (take the entry down and catalogue anew).
    form.fields["classification_id"].disabled = True
    form.fields["provider_id"].disabled = True
    # A returned change keeps the reason it was proposed with; only its content is revised.
    form.fields["reason"].disabled = returned is not None
    return form


@login_required
@require_http_methods(["GET", "POST"])
def entry_change(request: HttpRequest, entry_id: int) -> HttpResponse:
    """申请变更 of a published entry, or revising a 变更 a review returned; the entry stays as it is until the
    change passes both gates."""
    entry = entry_or_404(request, entry_id)
    actor = actor_of(request)
    if not may_catalogue(actor, entry.provider_id):
        return forbidden(request, entry)
    changeable, returned = _changeable(entry)
    if not changeable:
        messages.error(request, _("只有已发布、且没有变更或下线在审核中的目录可以申请变更。"))
        return redirect("data:catalog_entry", entry_id=entry.pk)
    current = EntryFields.from_json(returned.proposed) if returned else entry_fields(entry)
    initial = {**initial_of(current), "reason": returned.reason if returned else ""}
    context: dict[str, Any] = {"entry": entry, "mode": "change", "returned": returned}
    if request.method != "POST":
        form = _change_form(None, entry, initial, returned)
        return _render(request, {**context, "form": form, "rows": rows_from_fields(current)})
    form, rows = _change_form(request.POST, entry, initial, returned), rows_from_post(request.POST)

    def save(fields: EntryFields) -> object:
        if returned:
            return catalog_services.change_update(change_id=returned.pk, fields=fields, actor=actor)
        reason = str(form.cleaned_data["reason"])
        return catalog_services.change_submit(entry_id=entry.pk, fields=fields, reason=reason, actor=actor)

    try:
        saved, group_errors = _attempt(form, rows, save)
    except CatalogError as error:
        messages.error(request, error.message)
        return redirect("data:catalog_entry", entry_id=entry.pk)
    if saved is None:
        return _render(request, {**context, "form": form, "rows": rows, "group_errors": group_errors}, status=400)
    done = (
        _("变更内容已修改，请在待办任务「修改后重新提交」中重新提交。")
        if returned
        else _("已提交变更申请，审核通过后生效。")
    )
    messages.success(request, done)
    return redirect("data:catalog_entry", entry_id=entry.pk)


def _tables(actor: Any, query: str) -> tuple[list[DataTable], bool]:
    """Live tables of the departments the user catalogues for (every table for a superuser) whose name or
    中文名 contains `query`, at most TABLES_SHOWN; and whether more matched (the page asks to narrow down)."""
    if actor.is_superuser:
        found = list(tables_search(query=query)[: TABLES_SHOWN + 1])
    else:
        found = []
        for department_id in cataloguing_departments(actor).values_list("pk", flat=True):
            found.extend(tables_search(query=query, department_id=department_id)[: TABLES_SHOWN + 1])
    return found[:TABLES_SHOWN], len(found) > TABLES_SHOWN


def _owned_table(actor: Any, table_id: str) -> DataTable | None:
    """The posted table if it is a live table of a department the user catalogues for (asked of the database,
    so a table beyond the shown list counts the same)."""
    if not table_id.isdigit() or len(table_id) > 12:
        return None
    if actor.is_superuser:
        return tables_search().filter(pk=int(table_id)).first()
    for department_id in cataloguing_departments(actor).values_list("pk", flat=True):
        table = tables_search(department_id=department_id).filter(pk=int(table_id)).first()
        if table is not None:
            return table
    return None


def _create_from_table(actor: Any, chosen: dict[str, str], errors: dict[str, str]) -> CatalogEntry | None:
    """Check the choices and let the service decide; each refusal lands on its field (or above the form)."""
    table = _owned_table(actor, chosen["table"])
    if table is None:
        errors["table"] = _("请选择本部门登记的数据表。")
    if not chosen["classification"].isdigit() or len(chosen["classification"]) > 12:
        errors["classification"] = _("请选择信息资源分类。")
    if errors or table is None:
        return None
    try:
        return catalog_services.entry_create_from_table(
            table_id=table.pk, classification_id=int(chosen["classification"]), actor=actor
        )
    except EntryInvalid as invalid:
        for name, problems in invalid.errors.items():
            key = "classification" if name == "classification_id" else "form"
            errors[key] = " ".join([errors.get(key, ""), *problems]).strip()
    except CatalogError as refused:
        errors["form"] = refused.message
    return None


@login_required
@require_http_methods(["GET", "POST"])
def entry_from_table(request: HttpRequest) -> HttpResponse:
    """从数据表创建: find a registered table (by name or 中文名) and pick a classification; the draft opens in
    the edit form."""
    actor = actor_of(request)
    if not cataloguing_departments(actor).exists():
        return forbidden(request, None)
    query = (request.GET.get("q") or request.POST.get("q") or "").strip()[:100]
    chosen = {"table": request.POST.get("table", ""), "classification": request.POST.get("classification", "")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        entry = _create_from_table(actor, chosen, errors)
        if entry is not None:
            messages.success(request, _("已从数据表创建草稿，请核对后提交审核。"))
            return redirect("data:catalog_entry_edit", entry_id=entry.pk)
    tables, more = _tables(actor, query)
    context = {
        "section": "catalog",
        "tables": tables,
        "more": more,
        "shown": TABLES_SHOWN,
        "q": query,
        "classifications": classification_choices(),
        "chosen": chosen,
        "errors": errors,
    }
    return render(request, "webui/data/catalog/from_table.html", context, status=400 if errors else 200)


urlpatterns: list[URLPattern] = [
    path("catalog/new/", entry_new, name="catalog_entry_new"),
    path("catalog/new/from-table/", entry_from_table, name="catalog_from_table"),
    path("catalog/<int:entry_id>/edit/", entry_edit, name="catalog_entry_edit"),
    path("catalog/<int:entry_id>/change/", entry_change, name="catalog_entry_change"),
]
