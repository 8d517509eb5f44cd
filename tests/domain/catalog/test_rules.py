"""The conditional rules of catalog metadata (GB/T 21063), enforced by one function for forms and services."""

import pytest

from domain.catalog import services as catalog_services
from domain.catalog.choices import FormatCategory, OpenType, ShareMethod, ShareType
from domain.catalog.errors import EntryInvalid, NotPermitted, WrongStatus
from domain.catalog.models import CatalogEntry
from domain.catalog.validation import ItemFields, entry_fields_check
from tests import factories as f

from . import builders as b

pytestmark = pytest.mark.django_db


def refused_fields(**overrides: object) -> dict[str, list[str]]:
    with pytest.raises(EntryInvalid) as err:
        entry_fields_check(b.fields(**overrides))
    return err.value.errors


def test_a_complete_unconditional_entry_passes() -> None:
    """The reference entry of the builders breaks no rule."""
    entry_fields_check(b.fields())


def test_conditional_sharing_requires_its_condition() -> None:
    """有条件共享 without 共享条件 is refused, naming the field; with it, accepted."""
    assert list(refused_fields(share_type=ShareType.CONDITIONAL)) == ["share_condition"]
    entry_fields_check(b.fields(share_type=ShareType.CONDITIONAL, share_condition="仅用于社会救助审核"))


def test_no_sharing_requires_a_legal_basis_and_no_share_method() -> None:
    """不予共享 needs 不予共享依据 and must not name a 共享方式."""
    errors = refused_fields(share_type=ShareType.NONE)
    assert set(errors) == {"no_share_basis", "share_method"}
    entry_fields_check(
        b.fields(share_type=ShareType.NONE, no_share_basis="《个人信息保护法》第十三条", share_method="")
    )


def test_share_method_is_required_unless_not_shared() -> None:
    """无条件 and 有条件 resources say how they are shared; an unknown method is refused too."""
    assert list(refused_fields(share_method="")) == ["share_method"]
    assert list(refused_fields(share_method="fax")) == ["share_method"]
    entry_fields_check(b.fields(share_method=ShareMethod.MEDIA))


@pytest.mark.parametrize("category", [FormatCategory.DATABASE, FormatCategory.SPREADSHEET])
def test_tabular_formats_require_info_items(category: int) -> None:
    """数据库 and 电子表格 resources must list their 信息项; a PDF document need not."""
    assert list(refused_fields(format_category=category, items=())) == ["items"]
    entry_fields_check(b.fields(format_category=FormatCategory.FILE, format_type="pdf", items=()))


def test_bad_info_items_are_named_by_row() -> None:
    """A nameless item, an unknown data type and a zero length are reported with their row number."""
    items = (ItemFields(name="姓名", data_type="C"), ItemFields(name="", data_type="X", length=0))
    errors = refused_fields(items=items)
    assert list(errors) == ["items[2]"] and len(errors["items[2]"]) == 3


def test_conditional_opening_requires_its_condition() -> None:
    assert list(refused_fields(open_type=OpenType.CONDITIONAL)) == ["open_condition"]


def test_every_broken_rule_is_reported_at_once() -> None:
    """A person fixes the whole form in one go: name, summary and the sharing fields together."""
    errors = refused_fields(name=" ", summary="", share_type=ShareType.CONDITIONAL, format_category=9)
    assert set(errors) == {"name", "summary", "share_condition", "format_category"}


def test_services_apply_the_same_rules_and_store_nothing_on_refusal() -> None:
    clerk = f.user("clerk", roles=["cataloguer"], dept=b.provider())
    with pytest.raises(EntryInvalid) as err:
        catalog_services.entry_create(fields=b.fields(share_type=ShareType.CONDITIONAL), actor=f.actor(clerk))
    assert err.value.fields == ["share_condition"]
    assert CatalogEntry.objects.count() == 0


def test_a_draft_keeps_its_items_in_order_and_the_provider_code() -> None:
    clerk = f.user("clerk", roles=["cataloguer"], dept=b.provider())
    entry = catalog_services.entry_create(fields=b.fields(), actor=f.actor(clerk))
    assert entry.status == "draft" and entry.code is None and entry.provider_code == "330106-MZ"
    assert [(i.order, i.name, i.length) for i in entry.items.all()] == [(1, "姓名", 50), (2, "公民身份号码", 18)]


def test_only_the_provider_departments_cataloguer_may_draft() -> None:
    """A cataloguer of another department, or a data lead, cannot draft for this provider."""
    other = f.user("other", roles=["cataloguer"], dept=b.authority())
    lead = f.user("lead", roles=["data_lead"], dept=b.provider())
    for person in (other, lead):
        with pytest.raises(NotPermitted):
            catalog_services.entry_create(fields=b.fields(), actor=f.actor(person))


def test_a_submitted_entry_cannot_be_edited_in_place() -> None:
    """Once 审核中, edits wait for a return; the error says so."""
    clerk = f.user("clerk", roles=["cataloguer"], dept=b.provider())
    entry = catalog_services.entry_create(fields=b.fields(), actor=f.actor(clerk))
    CatalogEntry.objects.filter(pk=entry.pk).update(status="in_review")
    with pytest.raises(WrongStatus):
        catalog_services.entry_update(entry_id=entry.pk, fields=b.fields(name="改名"), actor=f.actor(clerk))
