"""Steward review of proposed clusters: accept (map the fields to an element), split, reject."""

from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from processes.ports import Actor

from ..choices import ClusterStatus, ElementStatus
from ..errors import ClusterDecided, ClusterSplitInvalid, ElementStatusError, FieldAlreadyMapped
from ..models import Cluster, ClusterMember, DataElement, FieldMapping
from ..sources import fields_mapped_notify
from .elements import element_create, element_update

CHUNK = 1000


def _open_cluster(cluster_id: int) -> Cluster:
    cluster = Cluster.objects.select_for_update().get(pk=cluster_id)
    if cluster.status != ClusterStatus.PROPOSED:
        raise ClusterDecided(cluster.pk, cluster.status)
    return cluster


def _decide(cluster: Cluster, status: str, actor: Actor | None, note: str = "") -> None:
    cluster.status, cluster.note = status, note
    cluster.decided_by_id, cluster.decided_at = (actor.user_id if actor else None), timezone.now()
    cluster.save()


def _existing_mappings(members: list[ClusterMember]) -> dict[tuple[str, int], FieldMapping]:
    by_source: dict[str, list[int]] = {}
    for member in members:
        by_source.setdefault(member.source, []).append(member.source_id)
    found: dict[tuple[str, int], FieldMapping] = {}
    for source, ids in by_source.items():
        for start in range(0, len(ids), CHUNK):
            rows = FieldMapping.objects.filter(source=source, source_id__in=ids[start : start + CHUNK])
            for mapping in rows.select_related("element"):
                found[(mapping.source, mapping.source_id)] = mapping
    return found


@transaction.atomic
def cluster_accept(
    *, cluster_id: int, actor: Actor | None, element_id: int | None = None, new_element: dict[str, Any] | None = None
) -> Cluster:
    """Map every field of the cluster to a data element (the given one, or a new one built from `new_element`,
    named after the cluster by default) and add the fields' names to its 同义名称. A field already mapped
    to another element stops the acceptance (FieldAlreadyMapped lists them); split it off first."""
    cluster = _open_cluster(cluster_id)
    if element_id is not None:
        element = DataElement.objects.get(pk=element_id)
        if element.status == ElementStatus.RETIRED:
            raise ElementStatusError(element.pk, element.status)
    else:
        element = element_create(actor=actor, **{"name_zh": cluster.suggested_name, **(new_element or {})})
    members = list(cluster.members.all())
    existing = _existing_mappings(members)
    conflicts = [
        (m.source, m.source_id, m.name, str(existing[(m.source, m.source_id)].element))
        for m in members
        if (m.source, m.source_id) in existing and existing[(m.source, m.source_id)].element_id != element.pk
    ]
    if conflicts:
        raise FieldAlreadyMapped(conflicts)
    FieldMapping.objects.bulk_create(
        [
            FieldMapping(
                source=m.source,
                source_id=m.source_id,
                element=element,
                cluster=cluster,
                mapped_by_id=actor.user_id if actor else None,
            )
            for m in members
            if (m.source, m.source_id) not in existing
        ],
        batch_size=CHUNK,
    )
    names = [name for name in dict.fromkeys(m.name for m in members) if name != element.name_zh]
    new_names = [name for name in names if name not in element.synonyms]
    if new_names:
        element = element_update(
            element_id=element.pk,
            actor=actor,
            changes={"synonyms": element.synonyms + new_names},
            note=gettext_noop("清洗比对确认"),
        )
    _notify_owners(members, element.pk)
    cluster.element = element
    _decide(cluster, ClusterStatus.ACCEPTED, actor)
    return cluster


def _notify_owners(members: list[ClusterMember], element_id: int) -> None:
    """Owners that keep their own link to the element (the catalog's 信息项) follow the mapping."""
    by_source: dict[str, list[int]] = {}
    for member in members:
        by_source.setdefault(member.source, []).append(member.source_id)
    for source, ids in by_source.items():
        for start in range(0, len(ids), CHUNK):
            fields_mapped_notify(source, ids[start : start + CHUNK], element_id)


@transaction.atomic
def cluster_split(*, cluster_id: int, member_ids: list[int], actor: Actor | None) -> Cluster:
    """Split the chosen members off into a new proposed cluster; the rest become another proposed cluster.
    The original keeps its members for the record and is marked 已拆分. Returns the chosen members' cluster."""
    cluster = _open_cluster(cluster_id)
    members = list(cluster.members.all())
    chosen = {m.pk for m in members} & set(member_ids)
    if not chosen or len(chosen) != len(set(member_ids)) or len(chosen) == len(members):
        raise ClusterSplitInvalid(cluster.pk, member_ids)
    taken = _child(cluster, [m for m in members if m.pk in chosen], actor)
    _child(cluster, [m for m in members if m.pk not in chosen], actor)
    _decide(cluster, ClusterStatus.SPLIT, actor)
    return taken


def _child(parent: Cluster, members: list[ClusterMember], actor: Actor | None) -> Cluster:
    names = Counter(m.name for m in members)
    reason = {
        "code": "steward_split",
        "label": gettext_noop("人工拆分"),
        "detail": actor.username if actor else "",
        "confidence": 1.0,
    }
    child = Cluster.objects.create(
        run=parent.run,
        confidence=parent.confidence,
        reasons=[*parent.reasons, reason],
        suggested_name=names.most_common(1)[0][0],
        split_from=parent,
    )
    ClusterMember.objects.bulk_create(
        [
            ClusterMember(
                cluster=child,
                source=m.source,
                source_id=m.source_id,
                name=m.name,
                data_type=m.data_type,
                length=m.length,
                reasons=m.reasons,
            )
            for m in members
        ],
        batch_size=CHUNK,
    )
    return child


@transaction.atomic
def cluster_reject(*, cluster_id: int, actor: Actor | None, note: str = "") -> Cluster:
    """The proposal is wrong: nothing is mapped."""
    cluster = _open_cluster(cluster_id)
    _decide(cluster, ClusterStatus.REJECTED, actor, note)
    return cluster
