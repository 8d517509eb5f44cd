"""数据元 pages: search, an element's page (attributes, value domain, mapped fields, version history), the
create/edit form with the service's errors on the field, status transitions, and who may change what."""

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from domain.assets import services as assets
from domain.standards.choices import ElementStatus
from domain.standards.models import CodeSet, DataElement, FieldMapping
from domain.standards.services import code_set_seed, element_create, element_transition
from tests import factories as f
from tests.webui.data.pages import client_for, html_of
from webui.views.data.elements_access import is_data_steward

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> dict[str, Any]:
    """A steward (平台审核员 of the data authority), a reader (编目员 elsewhere) and a staff member."""
    authority = f.department("330106-DSJ", "西湖区大数据局")
    other = f.department("330106-MZ", "西湖区民政局")
    return {
        "authority": authority,
        "steward": f.user("steward", roles=["platform_reviewer"], dept=authority),
        "reader": f.user("reader", roles=["cataloguer"], dept=other),
        "admin": f.user("admin", is_staff=True),
    }


def field_block(html: str, name: str) -> str:
    start = html.index(f'data-field="{name}"')
    return html[start : html.index('<div class="tb-field', start + 1)]


def citizen_id(**extra: Any) -> DataElement:
    code_set_seed()
    values = {
        "name_zh": "公民身份号码",
        "name_en": "citizen identity number",
        "data_type": "C",
        "format": "an18",
        "object_class": "公民",
        "property_term": "身份",
        "representation_term": "号码",
        "synonyms": ["身份证号码", "sfzhm"],
        "definition": "赋予公民的唯一、终身不变的身份代码",
        "value_domain": "GB 11643",
        **extra,
    }
    return element_create(actor=None, identifier="DE000101", **values)


def test_the_steward_rule_is_staff_or_platform_reviewer(people) -> None:
    """Stewards are staff and holders of the platform_reviewer role; a cataloguer reads only."""
    assert is_data_steward(f.actor(people["steward"])) and is_data_steward(f.actor(people["admin"]))
    assert not is_data_steward(f.actor(people["reader"]))


def test_the_list_searches_names_pinyin_synonyms_status_and_type(people) -> None:
    """One search box finds an element by 中文/英文名称, 全拼 (spaces or not), 标识符 or a 同义名称."""
    element = citizen_id()
    element_create(actor=None, name_zh="联系电话", identifier="DE000102", data_type="C", format="an..20")
    client = client_for(people["reader"])
    for query in ["公民身份", "identity", "gongminshen", "shen fen", "DE000101", "sfzhm", "身份证号码"]:
        html = html_of(client.get("/data/elements/", {"q": query}))
        assert f'data-element-id="{element.pk}"' in html, query
        assert "联系电话" not in html, query
    row = html_of(client.get("/data/elements/")).split(f'data-element-id="{element.pk}"', 1)[1].split("</tr>", 1)[0]
    for cell in ["DE000101", "公民身份号码", "citizen identity number", "字符型", "an18", "原始", ">1<"]:
        assert cell in row, cell
    assert "公民身份号码" not in html_of(client.get("/data/elements/", {"status": "standard"}))
    assert "公民身份号码" not in html_of(client.get("/data/elements/", {"data_type": "N"}))
    partial = client.get(
        "/data/elements/", {"q": "sfzhm"}, headers={"HX-Request": "true", "HX-Target": "tb-elements-results"}
    )
    assert html_of(partial).startswith('<div id="tb-elements-results"')


def test_an_element_page_shows_every_attribute_and_its_value_domain(people) -> None:
    """All GB/T 19488.1 attributes, the format explained, the code set's values, the synonyms."""
    code_set_seed()
    gender = CodeSet.objects.get(code="GB/T2261.1")
    element = element_create(
        actor=None, name_zh="性别代码", identifier="DE000103", data_type="C", format="n1", code_set=gender
    )
    html = html_of(client_for(people["reader"]).get(f"/data/elements/{element.pk}/"))
    for label in [
        "标识符",
        "中文名称",
        "英文名称",
        "中文全拼",
        "内部标识符",
        "版本",
        "同义名称",
        "定义",
        "对象类词",
        "特性词",
        "表示词",
        "数据类型",
        "表示格式",
        "值域",
        "计量单位",
        "关系",
        "状态",
        "提交机构",
        "批准日期",
        "备注",
    ]:
        assert f"<dt>{label}</dt>" in html, label
    assert "xing bie dai ma" in html and "数字，定长 1 位" in html
    values = html.split("data-code-values", 1)[1].split("</table>", 1)[0]
    assert "<code>1</code></td><td>男性</td>" in values and "<code>2</code></td><td>女性</td>" in values
    synonyms = citizen_id()
    page = html_of(client_for(people["reader"]).get(f"/data/elements/{synonyms.pk}/"))
    assert '<span class="tb-chip">sfzhm</span>' in page and "字母或数字，定长 18 位" in page


def test_mapped_fields_are_shown_by_name_where_the_source_is_known(people) -> None:
    """A registry column reads 系统 / 数据库 / 数据表.字段 with its comment and a link; another source, source#id."""
    element = citizen_id()
    system = assets.system_register(department_id=people["authority"].pk, data={"name": "人口库", "status": "in_use"})
    database = assets.database_register(system_id=system.pk, data={"name": "rk", "engine": "mysql"})
    table = assets.table_register(database_id=database.pk, data={"name": "person", "comment": "人口"})
    column = assets.column_register(
        table_id=table.pk, data={"name": "sfzhm", "data_type": "char", "comment": "身份证号"}
    )
    FieldMapping.objects.create(source="assets.column", source_id=column.pk, element=element)
    FieldMapping.objects.create(source="catalog.item", source_id=77, element=element)
    html = html_of(client_for(people["reader"]).get(f"/data/elements/{element.pk}/"))
    assert f'<a href="/data/assets/tables/{table.pk}/">人口库 / rk / person.sfzhm</a>' in html
    assert "<td>身份证号</td>" in html and "catalog.item#77" in html


def test_a_reader_sees_no_edit_buttons_and_is_refused_with_403(people) -> None:
    """A non-steward reads the pages; the form, a save, a transition or a new element answer 403, nothing changes."""
    element = citizen_id()
    reader = client_for(people["reader"])
    page = html_of(reader.get(f"/data/elements/{element.pk}/"))
    assert "/edit/" not in page and "data-transition" not in page
    assert "新建数据元" not in html_of(reader.get("/data/elements/"))
    assert reader.get(f"/data/elements/{element.pk}/edit/").status_code == 403
    refused = reader.post(f"/data/elements/{element.pk}/edit/", {"name_zh": "改掉", "data_type": "C"})
    assert refused.status_code == 403 and "平台审核员" in html_of(refused)
    assert reader.post(f"/data/elements/{element.pk}/status/", {"status": "standard"}).status_code == 403
    assert reader.post("/data/elements/new/", {"name_zh": "新的", "data_type": "C"}).status_code == 403
    element.refresh_from_db()
    assert element.name_zh == "公民身份号码" and element.status == ElementStatus.ORIGINAL
    assert DataElement.objects.count() == 1


def test_a_bad_format_notation_is_explained_on_its_field(people) -> None:
    """新建 with 表示格式 "an-20": the service's message sits under the format input, the notation explained;
    nothing is created and what was typed is kept."""
    steward = client_for(people["steward"])
    response = steward.post("/data/elements/new/", {"name_zh": "联系电话", "data_type": "C", "format": "an-20"})
    html = html_of(response)
    assert response.status_code == 200 and not DataElement.objects.exists()
    block = field_block(html, "format")
    assert 'class="tb-error"' in block and "an-20" in block and "不符合 a/n/an 记法" in block
    assert "an..50 为最长 50 位" in block and 'value="联系电话"' in field_block(html, "name_zh")


def test_creating_an_element_generates_its_identifier_and_pinyin(people) -> None:
    """A valid form creates an 原始 element, version 1, and shows it."""
    steward = client_for(people["steward"])
    data = {"name_zh": "联系电话", "data_type": "C", "format": "an..20", "synonyms": "lxdh\n电话号码"}
    response = steward.post("/data/elements/new/", data)
    element = DataElement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/data/elements/{element.pk}/"
    assert element.identifier.startswith("DE") and element.pinyin == "lian xi dian hua"
    assert element.synonyms == ["lxdh", "电话号码"] and element.status == ElementStatus.ORIGINAL


def test_editing_a_standard_element_adds_a_version_shown_in_the_history(people) -> None:
    """发布为标准 (confirmed on the page), then 编辑: v2 lists what changed; v1 stays in the history."""
    element = citizen_id()
    steward = client_for(people["steward"])
    page = html_of(steward.get(f"/data/elements/{element.pk}/"))
    assert 'data-transition="standard"' in page and 'data-transition="retired"' in page
    response = steward.post(f"/data/elements/{element.pk}/status/", {"status": "standard", "approved_on": "2026-11-01"})
    assert response.status_code == 302
    form = html_of(steward.get(f"/data/elements/{element.pk}/edit/"))
    assert "赋予公民的唯一、终身不变的身份代码" in form and "sfzhm" in form
    data = {name: value for name, value in _form_values(form).items() if name != "csrfmiddlewaretoken"}
    data.update(definition="由公安机关编制的唯一身份代码", change_note="按 GB 11643 修订定义")
    assert steward.post(f"/data/elements/{element.pk}/edit/", data).status_code == 302
    element.refresh_from_db()
    assert element.version == 2 and element.status == ElementStatus.STANDARD
    html = html_of(steward.get(f"/data/elements/{element.pk}/"))
    history = html.split("data-versions", 1)[1].split("</table>", 1)[0]
    v2 = history.split('data-version="2"', 1)[1].split("</tr>", 1)[0]
    assert "按 GB 11643 修订定义" in v2 and 'data-attribute="definition"' in v2
    assert "赋予公民的唯一、终身不变的身份代码" in v2 and "由公安机关编制的唯一身份代码" in v2
    assert 'data-attribute="name_zh"' not in v2  # only what changed
    assert 'data-version="1"' in history


def _form_values(html: str) -> dict[str, str]:
    """What the browser would post back unchanged: inputs' values, selected options, textareas."""
    values = dict(re.findall(r'<input type="(?:text|date)" name="(\w+)" value="([^"]*)"', html))
    values.update(re.findall(r'<textarea name="(\w+)"[^>]*>\n?([^<]*)</textarea>', html))
    for name, options in re.findall(r'<select name="(\w+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        values[name] = chosen.group(1) if chosen else ""
    return values


def test_retiring_is_final_and_the_page_says_so(people) -> None:
    """废止 (from 标准) leaves no edit button and no further transition; an edit post is refused by the service."""
    element = citizen_id()
    element_transition(element_id=element.pk, actor=None, status=ElementStatus.STANDARD)
    steward = client_for(people["steward"])
    steward.post(f"/data/elements/{element.pk}/status/", {"status": "retired", "note": "并入新标准"})
    element.refresh_from_db()
    assert element.status == ElementStatus.RETIRED
    page = html_of(steward.get(f"/data/elements/{element.pk}/"))
    assert "data-transition" not in page and f"/data/elements/{element.pk}/edit/" not in page
    refused = steward.post(f"/data/elements/{element.pk}/edit/", {"name_zh": "改掉", "data_type": "C"})
    assert "已废止" in html_of(refused)
    element.refresh_from_db()
    assert element.name_zh == "公民身份号码"
    wrong = steward.post(f"/data/elements/{element.pk}/status/", {"status": "standard"}, follow=True)
    assert "不能从" in html_of(wrong)


def test_markup_in_an_element_is_shown_as_text(people) -> None:
    """A name, synonym or definition holding markup is escaped on the list and the element's page."""
    element = element_create(actor=None, name_zh="<script>alert(1)</script>", synonyms=["<b>x</b>"], definition="<i>")
    reader = client_for(people["reader"])
    for url in ["/data/elements/", f"/data/elements/{element.pk}/"]:
        html = html_of(reader.get(url))
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html, url
    assert "<b>x</b>" not in html_of(reader.get(f"/data/elements/{element.pk}/"))


def test_list_and_element_page_queries_do_not_grow_with_rows(people) -> None:
    """One element or a full page; one version and mapping or many: the same queries."""
    client = client_for(people["reader"])
    first = citizen_id()
    FieldMapping.objects.create(source="catalog.item", source_id=1000, element=first)  # "one mapping"
    client.get("/data/elements/")  # warm up: session, content types

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    few, page_few = count("/data/elements/"), count(f"/data/elements/{first.pk}/")
    for n in range(30):
        element_create(actor=None, name_zh=f"数据元{n}")
        FieldMapping.objects.create(source="catalog.item", source_id=n, element=first)
    element_transition(element_id=first.pk, actor=None, status=ElementStatus.STANDARD)
    element_transition(element_id=first.pk, actor=None, status=ElementStatus.RETIRED)
    html = html_of(client.get("/data/elements/"))
    assert html.count("<tr data-element-id=") == 25
    assert few == count("/data/elements/") and page_few == count(f"/data/elements/{first.pk}/")


def test_the_element_picker_offers_matching_elements_but_not_retired_ones(people) -> None:
    """The 接受 form's search answers `<option>`s by name, 全拼 or identifier; a 废止 element is not offered."""
    element = citizen_id()
    gone = element_create(actor=None, name_zh="公民身份证号", identifier="DE000199")
    element_transition(element_id=gone.pk, actor=None, status=ElementStatus.RETIRED)
    client = client_for(people["reader"])
    for query in ["公民", "gongmin", "DE0001"]:
        html = html_of(client.get("/data/elements/choices/", {"element": query}))
        assert f'<option value="{element.pk}">' in html, query
        assert f'value="{gone.pk}"' not in html, query
    assert "没有匹配的数据元" in html_of(client.get("/data/elements/choices/", {"element": "不存在"}))


def test_a_mapped_catalog_item_links_its_entry_only_for_those_who_may_see_it(people) -> None:
    """A 信息项 of a published entry reads 目录 / 信息项 with a link to the entry for everyone; one of a draft
    shows its name and link only to the provider's people, to others as an unpublished item."""
    from domain.catalog import services as catalog_services
    from domain.catalog.models import CatalogEntry
    from tests.domain.catalog import builders as b

    element = citizen_id()
    public = catalog_services.entry_create(fields=b.fields(name="户籍人口基本信息"), actor=b.clerk_actor())
    CatalogEntry.objects.filter(pk=public.pk).update(status="published")
    hidden = catalog_services.entry_create(fields=b.fields(name="未提交的草稿"), actor=b.clerk_actor())
    for entry in (public, hidden):
        FieldMapping.objects.create(source="catalog.item", source_id=entry.items.get(order=2).pk, element=element)
    outsider = html_of(client_for(people["steward"]).get(f"/data/elements/{element.pk}/"))  # another department
    assert f'<a href="/data/catalog/{public.pk}/">户籍人口基本信息 / 公民身份号码</a>' in outsider
    assert "未提交的草稿" not in outsider and f"/data/catalog/{hidden.pk}/" not in outsider
    assert "未公开的目录信息项" in outsider
    clerk = html_of(client_for(b.cataloguer()).get(f"/data/elements/{element.pk}/"))
    assert f'<a href="/data/catalog/{hidden.pk}/">未提交的草稿 / 公民身份号码</a>' in clerk
