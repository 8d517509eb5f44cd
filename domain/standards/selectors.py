"""Reads of the standards app."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from .choices import ClusterStatus, ElementStatus
from .cleansing import ConditionalTerm, SynonymSet
from .models import (
    CleansingRun,
    Cluster,
    ClusterLink,
    ClusterMember,
    CodeValue,
    DataElement,
    DataElementVersion,
    FieldMapping,
    SynonymGroup,
)


def synonym_sets_for_engine() -> list[SynonymSet]:
    """The synonym groups as the engine wants them, plus every 标准 element with 同义名称 and no group."""
    sets = []
    grouped_elements = set()
    for group in SynonymGroup.objects.prefetch_related("related").select_related("element"):
        terms = list(group.terms)
        if group.element is not None:
            grouped_elements.add(group.element_id)
            terms += [group.element.name_zh, *group.element.synonyms]
        conditional = tuple(
            ConditionalTerm(item["term"], {key: tuple(values) for key, values in item.get("context", {}).items()})
            for item in group.conditional_terms
        )
        related = tuple(other.key for other in group.related.all())
        sets.append(SynonymSet(group.key, group.name, tuple(dict.fromkeys(terms)), conditional, related))
    elements = DataElement.objects.filter(status=ElementStatus.STANDARD).exclude(pk__in=grouped_elements)
    for element in elements.exclude(synonyms=[]).only("pk", "name_zh", "synonyms"):
        sets.append(SynonymSet(f"element-{element.pk}", element.name_zh, (element.name_zh, *element.synonyms)))
    return sets


def element_search(*, query: str = "", status: str = "") -> QuerySet[DataElement]:
    elements = DataElement.objects.select_related("code_set", "department")
    if query:
        elements = elements.filter(
            Q(name_zh__icontains=query)
            | Q(identifier__icontains=query)
            | Q(name_en__icontains=query)
            | Q(pinyin__icontains=query)
        )
    return elements.filter(status=status) if status else elements


def element_versions(*, element_id: int) -> QuerySet[DataElementVersion]:
    """Every version of an element, newest first."""
    return DataElementVersion.objects.filter(element_id=element_id).order_by("-version")


def element_version(*, element_id: int, version: int) -> DataElementVersion:
    return DataElementVersion.objects.get(element_id=element_id, version=version)


def code_values(*, code_set: str) -> QuerySet[CodeValue]:
    return CodeValue.objects.filter(code_set__code=code_set).select_related("parent")


def run_latest() -> CleansingRun | None:
    return CleansingRun.objects.order_by("-created_at", "-pk").first()


def run_clusters(*, run_id: int, status: str = ClusterStatus.PROPOSED) -> QuerySet[Cluster]:
    clusters = Cluster.objects.filter(run_id=run_id)
    return clusters.filter(status=status) if status else clusters


def cluster_members(*, cluster_id: int) -> QuerySet[ClusterMember]:
    return ClusterMember.objects.filter(cluster_id=cluster_id).order_by("name", "source", "source_id")


def run_links(*, run_id: int) -> QuerySet[ClusterLink]:
    return ClusterLink.objects.filter(run_id=run_id).select_related("a", "b")


def field_element(*, source: str, source_id: int) -> DataElement | None:
    mapping = FieldMapping.objects.filter(source=source, source_id=source_id).select_related("element").first()
    return mapping.element if mapping else None


def reason_texts(reasons: list[dict[str, Any]]) -> list[str]:
    """Reasons as a steward reads them, in the active language: "拼音首字母相同 sfzhm = 身份证号码"."""
    return [f"{gettext(reason.get('label', ''))} {reason.get('detail', '')}".strip() for reason in reasons]
