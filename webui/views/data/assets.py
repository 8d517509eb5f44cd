"""数据资产: search the registry (信息系统 → 数据库 → 数据表 → 字段) and read a system, database or table.

Everyone signed in reads; the owning department's people and staff also see the buttons that lead to the
forms (assets_forms.py), the 普查 Excel (assets_excel.py) and the relation map (assets_map.py). Lists are
paginated and join or prefetch what a row shows, so a page costs the same queries for one row or many.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from domain.assets.models import Column, Database, DataTable, Engine, InformationSystem, SystemStatus
from domain.directory.models import Department
from webui.views.paging import int_or_none, paginate

from . import assets_excel, assets_forms, assets_map
from .assets_access import actor_of, departments_for_editing, may_edit, owner_department_id

PAGE_SIZE = 25
TABLES_PAGE_SIZE = 50
COLUMNS_SHOWN = 1000
RESULTS_TARGET = "tb-assets-results"


def _active_tables() -> Q:
    return Q(tables__removed_at__isnull=True)


def _matching(query: str) -> Q:
    """A system matches by its own name or description, or by a database, table or 中文名 it holds."""
    tables = DataTable.objects.filter(Q(name__icontains=query) | Q(comment__icontains=query), removed_at__isnull=True)
    databases = Database.objects.filter(name__icontains=query)
    return (
        Q(name__icontains=query)
        | Q(description__icontains=query)
        | Q(pk__in=databases.values("system_id"))
        | Q(pk__in=tables.values("database__system_id"))
    )


def systems_found(data: QueryDict) -> QuerySet[InformationSystem]:
    """The search form's systems, each with its databases (and their live table counts) prefetched."""
    rows = InformationSystem.objects.select_related("department")
    query = (data.get("q") or "").strip()[:100]
    if query:
        rows = rows.filter(_matching(query))
    department_id = int_or_none(data.get("department"))
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    if data.get("engine") in Engine.values:
        rows = rows.filter(pk__in=Database.objects.filter(engine=data["engine"]).values("system_id"))
    if data.get("status") in SystemStatus.values:
        rows = rows.filter(status=data["status"])
    databases = Database.objects.annotate(table_count=Count("tables", filter=_active_tables())).order_by("name")
    live = Q(databases__tables__removed_at__isnull=True, databases__tables__isnull=False)
    rows = rows.annotate(table_total=Count("databases__tables", filter=live))
    return rows.prefetch_related(Prefetch("databases", queryset=databases)).order_by("department__path", "name")


def _filters(data: QueryDict) -> dict[str, Any]:
    return {
        "q": (data.get("q") or "").strip()[:100],
        "department": int_or_none(data.get("department")),
        "engine": data.get("engine") if data.get("engine") in Engine.values else "",
        "status": data.get("status") if data.get("status") in SystemStatus.values else "",
    }


def _excel_offers(request: HttpRequest) -> list[Department]:
    """The user's departments that hold assets: each gets a 导出本部门资产 link."""
    actor = actor_of(request)
    if actor.is_staff or actor.is_superuser:
        return []  # staff export from a department's filter instead of a list of every department
    with_assets = InformationSystem.objects.values("department_id")
    return list(departments_for_editing(actor).filter(pk__in=with_assets))


@login_required
@require_GET
def assets_index(request: HttpRequest) -> HttpResponse:
    """数据资产: the search form over systems with their databases and table counts."""
    actor = actor_of(request)
    filters = _filters(request.GET)
    context = {
        "section": "assets",
        "filters": filters,
        "departments": Department.objects.filter(pk__in=InformationSystem.objects.values("department_id")),
        "engines": Engine.choices,
        "statuses": SystemStatus.choices,
        "target": RESULTS_TARGET,
        "may_register": departments_for_editing(actor).exists(),
        "exports": _excel_offers(request),
        "export_department": filters["department"]
        if filters["department"] and may_edit(actor, filters["department"])
        else None,
        **paginate(systems_found(request.GET), request.GET, PAGE_SIZE),
    }
    template = "results" if request.headers.get("HX-Target") == RESULTS_TARGET else "index"
    response = render(request, f"webui/data/assets/{template}.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _or_404(rows: QuerySet[Any], pk: int, what: str) -> Any:
    found = rows.filter(pk=pk).first()
    if found is None:
        raise Http404(_("%(what)s %(id)s 不存在") % {"what": what, "id": pk})
    return found


@login_required
@require_GET
def system_page(request: HttpRequest, system_id: int) -> HttpResponse:
    """A system: its facts, its databases (with live table counts) and the probes reading them."""
    system = _or_404(InformationSystem.objects.select_related("department"), system_id, _("信息系统"))
    databases = (
        Database.objects.filter(system=system)
        .select_related("department")
        .annotate(table_count=Count("tables", filter=_active_tables()))
        .order_by("name")
    )
    context = {
        "section": "assets",
        "system": system,
        "databases": databases,
        "probes": system.probes.order_by("name"),
        "may_edit": may_edit(actor_of(request), system.department_id),
    }
    return render(request, "webui/data/assets/system.html", context)


@login_required
@require_GET
def database_page(request: HttpRequest, database_id: int) -> HttpResponse:
    """A database: its facts and its tables, a page at a time; tables a probe no longer finds are marked."""
    rows = Database.objects.select_related("system__department", "department")
    database = _or_404(rows, database_id, _("数据库"))
    tables = (
        DataTable.objects.filter(database=database)
        .annotate(column_count=Count("columns", filter=Q(columns__removed_at__isnull=True)))
        .order_by("removed_at", "name")
    )
    context = {
        "section": "assets",
        "database": database,
        "system": database.system,
        "may_edit": may_edit(actor_of(request), owner_department_id(database)),
        **paginate(tables, request.GET, TABLES_PAGE_SIZE),
    }
    return render(request, "webui/data/assets/database.html", context)


@login_required
@require_GET
def table_page(request: HttpRequest, table_id: int) -> HttpResponse:
    """A table: its facts and its columns in order; columns a probe no longer finds are marked 已移除."""
    rows = DataTable.objects.select_related("database__system__department", "database__department")
    table = _or_404(rows, table_id, _("数据表"))
    columns = list(Column.objects.filter(table=table).order_by("position", "name")[: COLUMNS_SHOWN + 1])
    context = {
        "section": "assets",
        "table": table,
        "database": table.database,
        "system": table.database.system,
        "columns": columns[:COLUMNS_SHOWN],
        "columns_more": len(columns) > COLUMNS_SHOWN,
        "may_edit": may_edit(actor_of(request), owner_department_id(table)),
    }
    return render(request, "webui/data/assets/table.html", context)


urlpatterns: list[URLPattern] = [
    path("assets/", assets_index, name="assets"),
    path("assets/systems/<int:system_id>/", system_page, name="asset_system"),
    path("assets/databases/<int:database_id>/", database_page, name="asset_database"),
    path("assets/tables/<int:table_id>/", table_page, name="asset_table"),
    *assets_forms.urlpatterns,
    *assets_excel.urlpatterns,
    *assets_map.urlpatterns,
]
