"""Who may change an asset or a probe: the people of the department that owns it, and staff.

Everyone signed in may read the registry (it is the platform's shared inventory); writing is this one rule,
used by every asset and probe view, so the pages, the Excel import and the probes never disagree.
"""

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from domain.assets.models import Column, Database, DataTable, InformationSystem, Probe
from domain.directory.models import Department
from processes.ports import Actor, directory


def may_edit(actor: Actor, department_id: int | None) -> bool:
    """Staff edit everything; anyone else only what their own department (any role in it) owns."""
    if actor.is_staff or actor.is_superuser:
        return True
    return department_id is not None and any(dept == department_id for dept, _role in actor.memberships)


def actor_department_ids(actor: Actor) -> list[int]:
    """The departments the actor works in, in a stable order."""
    return sorted({dept for dept, _role in actor.memberships})


def owner_department_id(obj: Model) -> int | None:
    """The department owning an asset: its own, else its parent's (the first one set decides, as the
    registry's selectors read it). Callers select the parents along, so this costs no query."""
    if isinstance(obj, InformationSystem | Probe):
        return obj.department_id
    own = getattr(obj, "department_id", None)
    if own is not None:
        return int(own)
    if isinstance(obj, Database):
        return obj.system.department_id
    if isinstance(obj, DataTable):
        return owner_department_id(obj.database)
    if isinstance(obj, Column):
        return owner_department_id(obj.table)
    raise TypeError(f"not an asset: {type(obj).__name__}")


def actor_of(request: HttpRequest) -> Actor:
    return directory().actor_for(request.user)


def forbidden(request: HttpRequest, department_id: int | None = None) -> HttpResponse:
    """403 with the reason: who may change it (and the owning department, when known)."""
    department = Department.objects.filter(pk=department_id).first() if department_id else None
    return render(request, "webui/data/assets/forbidden.html", {"department": department}, status=403)


def departments_for_editing(actor: Actor) -> "QuerySet[Department]":
    """Where the actor may register assets or probes: their own departments; staff, every department."""
    rows = Department.objects.order_by("path")
    return rows if actor.is_staff or actor.is_superuser else rows.filter(pk__in=actor_department_ids(actor))
