"""Reads for the operator pages (流程): definitions by key with their instance counts, and incidents.

Every count is a grouped query over the rows shown, so a page costs the same number of queries whatever
it holds; the large columns (BPMN XML, workflow state) are never loaded for a list.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from .errors import NotFound
from .models import AuditEvent, Incident, InstanceStatus, ProcessDefinition, ProcessInstance

_DEFINITION_FIELDS = ("id", "key", "version", "name", "content_hash", "deployed_at", "deployed_by__username")
_INCIDENT_FIELDS = (
    "id",
    "element_id",
    "message",
    "status",
    "created_at",
    "resolved_at",
    "resolved_by__username",
    "instance__business_key",
    "instance__definition__key",
    "instance__definition__version",
    "job__operator",
    "job__attempts",
)
RESOLVED_STATUSES = (Incident.Status.RETRIED, Incident.Status.SKIPPED)


@dataclass(frozen=True)
class DefinitionSummary:
    """One process key: its latest version and counts over all its versions."""

    latest: ProcessDefinition
    version_count: int
    running: int
    open_incidents: int


@dataclass(frozen=True)
class VersionRow:
    definition: ProcessDefinition
    instances: dict[str, int] = field(default_factory=dict)  # by InstanceStatus value
    open_incidents: int = 0


def definition_summaries(*, search: str = "", offset: int = 0, limit: int = 50) -> list[DefinitionSummary]:
    """The latest version of each key (ordered by key), filtered by key or any version's name. 3 queries."""
    newer = ProcessDefinition.objects.filter(key=OuterRef("key"), version__gt=OuterRef("version"))
    per_key = (
        ProcessDefinition.objects.filter(key=OuterRef("key")).order_by().values("key").annotate(n=Count("pk"))
    ).values("n")
    latest = (
        ProcessDefinition.objects.filter(~Exists(newer))
        .annotate(version_count=Subquery(per_key))
        .select_related("deployed_by")
        .only(*_DEFINITION_FIELDS)
        .order_by("key")
    )
    if search:
        matching = ProcessDefinition.objects.filter(Q(key__icontains=search) | Q(name__icontains=search))
        latest = latest.filter(key__in=matching.values("key"))
    page = list(latest[offset : offset + limit])
    keys = [definition.key for definition in page]
    running = _count_by(
        ProcessInstance.objects.filter(status=InstanceStatus.RUNNING, definition__key__in=keys), "definition__key"
    )
    incidents = _count_by(
        Incident.objects.filter(status=Incident.Status.OPEN, instance__definition__key__in=keys),
        "instance__definition__key",
    )
    return [
        DefinitionSummary(
            latest=definition,
            version_count=definition.version_count,  # type: ignore[attr-defined]
            running=running.get(definition.key, 0),
            open_incidents=incidents.get(definition.key, 0),
        )
        for definition in page
    ]


def definition_versions(*, key: str) -> list[VersionRow]:
    """Every version of one key, newest first, with instance counts by status. 3 queries; NotFound if none."""
    versions = list(
        ProcessDefinition.objects.filter(key=key)
        .select_related("deployed_by")
        .only(*_DEFINITION_FIELDS, "note", "deployed_by__first_name", "deployed_by__last_name")
        .order_by("-version")
    )
    if not versions:
        raise NotFound(f"流程 {key} 不存在 / process {key} not found")
    instances: dict[int, dict[str, int]] = defaultdict(dict)
    by_status = (
        ProcessInstance.objects.filter(definition__key=key)
        .order_by()
        .values_list("definition_id", "status")
        .annotate(n=Count("pk"))
    )
    for definition_id, status, n in by_status:
        instances[definition_id][status] = n
    incidents = _count_by(
        Incident.objects.filter(status=Incident.Status.OPEN, instance__definition__key=key), "instance__definition_id"
    )
    return [
        VersionRow(definition=d, instances=instances.get(d.pk, {}), open_incidents=incidents.get(d.pk, 0))
        for d in versions
    ]


def definition_xml(*, key: str, version: int) -> str:
    """The BPMN XML of one version, as deployed."""
    xml = ProcessDefinition.objects.filter(key=key, version=version).values_list("bpmn_xml", flat=True).first()
    if xml is None:
        raise NotFound(f"流程 {key} v{version} 不存在 / process {key} v{version} not found")
    return xml


def definition_version_numbers(*, key: str) -> list[int]:
    """The versions of one key, newest first ([] if none). One query."""
    return list(ProcessDefinition.objects.filter(key=key).order_by("-version").values_list("version", flat=True))


def definitions_by_version(*, key: str, versions: list[int]) -> dict[int, ProcessDefinition]:
    """Whole versions of one key (diagram and files too), by version number; missing ones are absent. One query."""
    rows = ProcessDefinition.objects.filter(key=key, version__in=versions).select_related("deployed_by")
    return {definition.version: definition for definition in rows}


def incidents_filtered(*, status: str = "open") -> QuerySet[Incident]:
    """Incidents by state: "open", "resolved" (retried or skipped) or "all"; unordered, light columns only."""
    rows = Incident.objects.select_related("job", "instance__definition", "resolved_by").only(*_INCIDENT_FIELDS)
    if status == "open":
        return rows.filter(status=Incident.Status.OPEN)
    if status == "resolved":
        return rows.filter(status__in=RESOLVED_STATUSES)
    return rows


def incident_row(*, incident_id: int) -> Incident:
    incident = incidents_filtered(status="all").filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(f"异常 {incident_id} 不存在 / incident {incident_id} not found")
    return incident


def incident_error_codes(incidents: list[Incident]) -> dict[int, str]:
    """The handler's error code of each incident opened by a failed job ({incident id: code}). One query.

    The code is only in the audit trail: the unrouted `job_failed` event is appended just before its
    `incident_opened` event, in the same command, so the two follow each other for that instance.
    """
    wanted = {incident.pk for incident in incidents}
    events = (
        AuditEvent.objects.filter(
            action__in=("job_failed", "incident_opened"), instance_id__in={i.instance_id for i in incidents}
        )
        .order_by("id")
        .values_list("instance_id", "action", "payload")
    )
    last_failure: dict[int | None, str | None] = {}
    codes: dict[int, str] = {}
    for instance_id, action, payload in events:
        if action == "job_failed":
            last_failure[instance_id] = None if payload.get("routed_to_boundary") else str(payload.get("code") or "")
            continue
        code = last_failure.pop(instance_id, None)
        if code and payload.get("incident_id") in wanted:
            codes[payload["incident_id"]] = code
    return codes


def _count_by(rows: QuerySet[Any], column: str) -> dict[Any, int]:
    return dict(rows.order_by().values_list(column).annotate(n=Count("pk")).values_list(column, "n"))
