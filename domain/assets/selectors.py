"""Registry reads: search lists and the relation map (system ↔ databases ↔ tables) for the graph page.

Tables and columns a probe marked removed are left out unless `include_removed` is asked for.
"""

from typing import Any

from django.db.models import Count, Q, QuerySet

from .models import Column, Database, DataTable, InformationSystem, Probe, ProbeRun, SchemaChange


def _text(query: str, *fields: str) -> Q:
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": query})
    return condition


def systems_search(*, query: str = "", department_id: int | None = None) -> QuerySet[InformationSystem]:
    rows = InformationSystem.objects.select_related("department")
    if query.strip():
        rows = rows.filter(_text(query.strip(), "name", "description", "vendor"))
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    return rows.annotate(database_count=Count("databases"))


def databases_search(
    *, query: str = "", department_id: int | None = None, engine: str = "", system_id: int | None = None
) -> QuerySet[Database]:
    rows = Database.objects.select_related("system", "system__department", "department")
    if query.strip():
        rows = rows.filter(_text(query.strip(), "name", "description"))
    if department_id is not None:
        rows = rows.filter(
            Q(department_id=department_id) | Q(department__isnull=True, system__department_id=department_id)
        )
    if engine:
        rows = rows.filter(engine=engine)
    if system_id is not None:
        rows = rows.filter(system_id=system_id)
    return rows


def tables_search(
    *,
    query: str = "",
    department_id: int | None = None,
    engine: str = "",
    database_id: int | None = None,
    include_removed: bool = False,
) -> QuerySet[DataTable]:
    """Tables whose name or 中文名 contains `query`; a table without its own department belongs to its system's."""
    rows = DataTable.objects.select_related("database", "database__system")
    if query.strip():
        rows = rows.filter(_text(query.strip(), "name", "comment"))
    if department_id is not None:
        rows = rows.filter(_owned_by(department_id, "database__"))
    if engine:
        rows = rows.filter(database__engine=engine)
    if database_id is not None:
        rows = rows.filter(database_id=database_id)
    if not include_removed:
        rows = rows.filter(removed_at__isnull=True)
    return rows


def columns_search(
    *,
    query: str = "",
    department_id: int | None = None,
    engine: str = "",
    table_id: int | None = None,
    include_removed: bool = False,
) -> QuerySet[Column]:
    rows = Column.objects.select_related("table", "table__database")
    if query.strip():
        rows = rows.filter(_text(query.strip(), "name", "comment"))
    if department_id is not None:
        rows = rows.filter(
            Q(department_id=department_id) | Q(department__isnull=True) & _owned_by(department_id, "table__database__")
        )
    if engine:
        rows = rows.filter(table__database__engine=engine)
    if table_id is not None:
        rows = rows.filter(table_id=table_id)
    if not include_removed:
        rows = rows.filter(removed_at__isnull=True, table__removed_at__isnull=True)
    return rows


def _owned_by(department_id: int, database_path: str) -> Q:
    """Own department, else the database's, else the system's: the first one set decides."""
    own = Q(department_id=department_id)
    via_database = Q(department__isnull=True) & Q(**{f"{database_path}department_id": department_id})
    via_system = (
        Q(department__isnull=True)
        & Q(**{f"{database_path}department__isnull": True})
        & Q(**{f"{database_path}system__department_id": department_id})
    )
    return own | via_database | via_system


def relation_map(*, department_id: int | None = None, system_id: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """{"nodes": [{id, type, label, …}], "edges": [{source, target}]} for one department or one system."""
    if (department_id is None) == (system_id is None):
        raise ValueError("give exactly one of department_id, system_id")
    systems = InformationSystem.objects.all()
    if system_id is not None:
        systems = systems.filter(pk=system_id)
    else:
        systems = systems.filter(department_id=department_id or 0)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for system in systems.order_by("name"):
        nodes.append({"id": f"system:{system.pk}", "type": "system", "label": system.name, "status": system.status})
    databases = Database.objects.filter(system__in=systems).order_by("name")
    for database in databases:
        node_id = f"database:{database.pk}"
        nodes.append({"id": node_id, "type": "database", "label": database.name, "engine": database.engine})
        edges.append({"source": f"system:{database.system_id}", "target": node_id})
    tables = (
        DataTable.objects.filter(database__in=databases, removed_at__isnull=True)
        .annotate(column_count=Count("columns", filter=Q(columns__removed_at__isnull=True)))
        .order_by("database_id", "name")
    )
    for table in tables:
        node_id = f"table:{table.pk}"
        label = f"{table.name}（{table.comment}）" if table.comment else table.name
        nodes.append({"id": node_id, "type": "table", "label": label, "columns": table.column_count})
        edges.append({"source": f"database:{table.database_id}", "target": node_id})
    return {"nodes": nodes, "edges": edges}


def probes_for_department(*, department_id: int) -> QuerySet[Probe]:
    return Probe.objects.filter(department_id=department_id).select_related("system", "database")


def probe_runs(*, probe_id: int) -> QuerySet[ProbeRun]:
    return ProbeRun.objects.filter(probe_id=probe_id).order_by("-id")


def run_changes(*, run_id: int) -> QuerySet[SchemaChange]:
    return SchemaChange.objects.filter(run_id=run_id).order_by("id")
