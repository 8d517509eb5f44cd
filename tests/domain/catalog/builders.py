"""Catalog test data: seeded classification, a provider department with its people, valid entry fields."""

from dataclasses import replace
from typing import Any

from django.contrib.auth import get_user_model

from domain.catalog.choices import FormatCategory, OpenType, ShareMethod, ShareType, UpdateCycle
from domain.catalog.classification import classification_create, classification_seed
from domain.catalog.models import ClassificationNode
from domain.catalog.validation import EntryFields, ItemFields
from domain.directory.models import Department
from processes.ports import Actor
from tests import factories as f

AUTHORITY_CODE = "330106-DSJ"


def population_subject() -> ClassificationNode:
    """101001: 基础 → 人口 → 人口基本信息 (a 目 under the seeded 项)."""
    classification_seed()
    node = ClassificationNode.objects.filter(full_code="101001").first()
    return node or classification_create(
        parent=ClassificationNode.objects.get(full_code="101"), code="001", name="人口基本信息"
    )


def provider() -> Department:
    district = f.department("330106", "西湖区")
    return f.department("330106-MZ", "西湖区民政局", parent=district)


def authority() -> Department:
    return f.department(AUTHORITY_CODE, "西湖区大数据局", parent=f.department("330106", "西湖区"))


def cataloguer(username: str = "clerk") -> Any:
    """The provider department's 编目员 (created once)."""
    existing = get_user_model().objects.filter(username=username).first()
    return existing or f.user(username, roles=["cataloguer"], dept=provider())


def clerk_actor() -> Actor:
    return f.actor(cataloguer())


def fields(**overrides: Any) -> EntryFields:
    """A complete, valid 无条件共享 database resource with two 信息项."""
    base = EntryFields(
        classification_id=population_subject().pk,
        name="户籍人口基本信息",
        provider_id=provider().pk,
        summary="西湖区户籍人口的姓名、身份号码等基本信息。",
        format_category=FormatCategory.DATABASE,
        format_type="oracle",
        share_type=ShareType.UNCONDITIONAL,
        share_method=ShareMethod.PLATFORM_API,
        open_type=OpenType.NONE,
        update_cycle=UpdateCycle.DAILY,
        items=(
            ItemFields(name="姓名", data_type="C", length=50),
            ItemFields(name="公民身份号码", data_type="C", length=18),
        ),
    )
    return replace(base, **overrides)
