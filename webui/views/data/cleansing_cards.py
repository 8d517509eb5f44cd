"""The cluster cards of the 清洗比对 review: what a steward needs to decide one cluster, built for a whole page
of clusters in a fixed number of queries (members, their fields, links, split results, element suggestions
each read once for the page), so a page of twenty clusters costs what a page of one does.

Members are shown one row per field name: across a provincial estate one cluster holds thousands of
columns called sfzhm, and what the steward judges (and splits off) is the name. Each row shows how many
fields carry the name and the first of them (its source, comment, type, length and why it joined).

Reasons are stored as Chinese msgids (marked with gettext_noop by the engine) and translated here, at
render time, into the reader's language.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, DenseRank, RowNumber
from django.utils.translation import gettext

from domain.standards.choices import ClusterStatus, ElementStatus
from domain.standards.models import Cluster, ClusterLink, ClusterMember, DataElement, SynonymGroup
from processes.ports import Actor

from .elements_fields import FieldInfo, fields_info

NAMES_SHOWN = 50
LINKS_READ = 500
SUGGESTIONS_SHOWN = 5


@dataclass(frozen=True)
class Outcome:
    """What an action did, shown on the card it was taken on (or as a message after a redirect)."""

    ok: bool
    text: str


@dataclass(frozen=True)
class ReasonText:
    label: str
    detail: str
    confidence: float | None


@dataclass(frozen=True)
class MemberRow:
    member: ClusterMember  # the first field of this name, standing for all `count` of them
    count: int
    info: FieldInfo | None
    reasons: list[ReasonText]


@dataclass(frozen=True)
class LinkRow:
    other: Cluster
    reason: ReasonText


@dataclass
class Card:
    cluster: Cluster
    percent: int
    reasons: list[ReasonText]
    members: list[MemberRow]
    names_more: int  # field names of the cluster not listed
    links: list[LinkRow] = field(default_factory=list)
    children: list[Cluster] = field(default_factory=list)
    suggestions: list[DataElement] = field(default_factory=list)
    outcome: Outcome | None = None
    posted: dict[str, str] = field(default_factory=dict)  # the new element's inputs, kept after a refusal


def reason_text(reason: dict[str, Any]) -> ReasonText:
    label = str(reason.get("label", ""))
    confidence = reason.get("confidence")
    return ReasonText(
        gettext(label) if label else "",
        str(reason.get("detail", "")),
        float(confidence) if isinstance(confidence, int | float) else None,
    )


def clusters_with_counts(rows: QuerySet[Cluster]) -> QuerySet[Cluster]:
    """Clusters with what a card shows from their own row and joins, plus their member and name counts. The
    counts are subqueries, not a join: a run of 250,000 fields is not grouped whole to show twenty clusters."""
    members = ClusterMember.objects.filter(cluster=OuterRef("pk")).order_by().values("cluster")
    count = Subquery(members.annotate(n=Count("pk")).values("n"))
    names = Subquery(members.annotate(n=Count("name", distinct=True)).values("n"))
    return rows.select_related("element", "decided_by", "split_from").annotate(
        member_count=Coalesce(count, 0), name_count=Coalesce(names, 0)
    )


def _member_rows(ids: list[int]) -> dict[int, list[ClusterMember]]:
    """Per cluster, the first field of each name (at most NAMES_SHOWN names), with `same_name` counted."""
    by_name = [F("cluster_id"), F("name")]
    rows = (
        ClusterMember.objects.filter(cluster_id__in=ids)
        .annotate(
            position=Window(RowNumber(), partition_by=by_name, order_by=F("pk").asc()),
            same_name=Window(Count("pk"), partition_by=by_name),
            name_rank=Window(DenseRank(), partition_by=[F("cluster_id")], order_by=F("name").asc()),
        )
        .filter(position=1, name_rank__lte=NAMES_SHOWN)
        .order_by("cluster_id", "name")
    )
    found: dict[int, list[ClusterMember]] = {}
    for member in rows:
        found.setdefault(member.cluster_id, []).append(member)
    return found


def _links(ids: list[int]) -> dict[int, list[LinkRow]]:
    found: dict[int, list[LinkRow]] = {}
    rows = ClusterLink.objects.filter(Q(a_id__in=ids) | Q(b_id__in=ids)).select_related("a", "b").order_by("pk")
    for link in rows[:LINKS_READ]:
        reason = reason_text(link.reason if isinstance(link.reason, dict) else {})
        if link.a_id in ids:
            found.setdefault(link.a_id, []).append(LinkRow(link.b, reason))
        if link.b_id in ids:
            found.setdefault(link.b_id, []).append(LinkRow(link.a, reason))
    return found


def _children(clusters: list[Cluster]) -> dict[int, list[Cluster]]:
    split = [c.pk for c in clusters if c.status == ClusterStatus.SPLIT]
    found: dict[int, list[Cluster]] = {}
    if split:
        for child in Cluster.objects.filter(split_from_id__in=split).order_by("pk"):
            found.setdefault(child.split_from_id or 0, []).append(child)
    return found


def _suggestions(clusters: list[Cluster]) -> dict[int, list[DataElement]]:
    """Elements a proposed cluster likely belongs to: its synonym group's element, or one of the same name."""
    open_ = [c for c in clusters if c.status == ClusterStatus.PROPOSED]
    if not open_:
        return {}
    concepts = {c.concept for c in open_ if c.concept}
    groups = SynonymGroup.objects.filter(key__in=concepts, element__isnull=False).select_related("element")
    by_concept = {g.key: g.element for g in groups if g.element and g.element.status != ElementStatus.RETIRED}
    names = {c.suggested_name for c in open_}
    same_name: dict[str, list[DataElement]] = {}
    for element in DataElement.objects.filter(name_zh__in=names).exclude(status=ElementStatus.RETIRED):
        same_name.setdefault(element.name_zh, []).append(element)
    found = {}
    for c in open_:
        elements = [by_concept[c.concept]] if c.concept in by_concept else []
        elements += [e for e in same_name.get(c.suggested_name, []) if e not in elements]
        found[c.pk] = elements[:SUGGESTIONS_SHOWN]
    return found


def cards_for(clusters: list[Cluster], actor: Actor) -> list[Card]:
    """One card per cluster (annotated by clusters_with_counts), in the given order, as `actor` may see it."""
    ids = [c.pk for c in clusters]
    members = _member_rows(ids)
    info = fields_info(((m.source, m.source_id) for rows in members.values() for m in rows), actor)
    links, children, suggestions = _links(ids), _children(clusters), _suggestions(clusters)
    cards = []
    for c in clusters:
        rows = [
            MemberRow(
                m, getattr(m, "same_name", 1), info.get((m.source, m.source_id)), [reason_text(r) for r in m.reasons]
            )
            for m in members.get(c.pk, [])
        ]
        cards.append(
            Card(
                cluster=c,
                percent=round(c.confidence * 100),
                reasons=[reason_text(r) for r in c.reasons],
                members=rows,
                names_more=max(0, getattr(c, "name_count", len(rows)) - len(rows)),
                links=links.get(c.pk, []),
                children=children.get(c.pk, []),
                suggestions=suggestions.get(c.pk, []),
            )
        )
    return cards
