"""The data-element pool: creation, versions of standard elements, status transitions."""

from datetime import date

import pytest

from domain.standards.choices import ElementStatus
from domain.standards.errors import ElementInvalid, ElementStatusError
from domain.standards.selectors import element_version, element_versions
from domain.standards.services import element_create, element_transition, element_update
from processes.ports import Actor
from tests import factories

pytestmark = pytest.mark.django_db


def _steward() -> Actor:
    return factories.actor(factories.user("steward"))


def _citizen_id(actor: Actor | None):
    return element_create(
        actor=actor,
        name_zh="公民身份号码",
        name_en="citizen identity number",
        data_type="C",
        format="an18",
        object_class="公民",
        property_term="身份",
        representation_term="号码",
        synonyms=["身份证号码"],
        definition="赋予公民的唯一、终身不变的身份代码",
    )


def test_a_new_element_is_original_version_one_with_its_pinyin_and_an_identifier():
    """中文全拼 is computed with pypinyin when not given; the identifier is generated; version 1 is kept."""
    element = _citizen_id(_steward())
    assert element.status == ElementStatus.ORIGINAL and element.version == 1
    assert element.pinyin == "gong min shen fen hao ma"
    assert element.identifier.startswith("DE")
    assert element_versions(element_id=element.pk).count() == 1


def test_attributes_are_validated_with_the_field_named():
    """A wrong 表示格式 or 数据类型 is refused, saying which attribute is wrong."""
    with pytest.raises(ElementInvalid) as error:
        element_create(actor=None, name_zh="联系电话", format="an-20")
    assert error.value.field == "format"
    with pytest.raises(ElementInvalid) as error:
        element_create(actor=None, name_zh="联系电话", data_type="X")
    assert error.value.field == "data_type"


def test_changing_a_standard_element_makes_a_new_version_and_keeps_the_old_one_readable():
    """After approval every change is a new version; earlier versions read as they were."""
    actor = _steward()
    element = _citizen_id(actor)
    element = element_transition(
        element_id=element.pk, actor=actor, status=ElementStatus.STANDARD, approved_on=date(2026, 11, 1)
    )
    assert element.version == 1 and element.approved_on == date(2026, 11, 1)
    element = element_update(element_id=element.pk, actor=actor, changes={"format": "an..18"}, note="放宽长度")
    assert element.version == 2
    assert element_version(element_id=element.pk, version=1).snapshot["format"] == "an18"
    assert element_version(element_id=element.pk, version=2).snapshot["format"] == "an..18"
    assert element_version(element_id=element.pk, version=2).changed_by.username == "steward"


def test_the_submitting_department_and_value_domain_are_linked():
    """提交机构 is a directory department and 值域 a code set plus free text."""
    from domain.standards.models import CodeSet

    department = factories.department()
    gender = CodeSet.objects.create(code="GB/T2261.1", name="人的性别代码")
    element = element_create(
        actor=None, name_zh="性别", department=department, code_set=gender, value_domain="GB/T 2261.1", format="n1"
    )
    assert element.department == department and element.code_set == gender


def test_a_draft_is_edited_in_place():
    """Before it is standard, an element keeps version 1 and its snapshot follows the edit."""
    element = _citizen_id(None)
    element = element_update(element_id=element.pk, actor=None, changes={"name_zh": "居民身份号码"})
    assert element.version == 1 and element.pinyin == "ju min shen fen hao ma"
    assert element_version(element_id=element.pk, version=1).snapshot["name_zh"] == "居民身份号码"


def test_retiring_keeps_the_history_and_freezes_the_element():
    """废止 starts a new version (the standard one stays readable) and refuses further changes or transitions."""
    element = _citizen_id(None)
    element_transition(element_id=element.pk, actor=None, status=ElementStatus.STANDARD)
    element = element_transition(element_id=element.pk, actor=None, status=ElementStatus.RETIRED)
    assert element.version == 2
    assert [v.status for v in element_versions(element_id=element.pk)] == [
        ElementStatus.RETIRED,
        ElementStatus.STANDARD,
    ]
    with pytest.raises(ElementStatusError):
        element_update(element_id=element.pk, actor=None, changes={"note": "x"})
    with pytest.raises(ElementStatusError):
        element_transition(element_id=element.pk, actor=None, status=ElementStatus.STANDARD)


def test_a_standard_element_cannot_go_back_to_draft():
    element = _citizen_id(None)
    element_transition(element_id=element.pk, actor=None, status=ElementStatus.STANDARD)
    with pytest.raises(ElementStatusError):
        element_transition(element_id=element.pk, actor=None, status=ElementStatus.NONSTANDARD)
