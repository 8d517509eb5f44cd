"""资源目录 pages: the tree with counts beside a searchable list, the entry page (metadata in GB/T 21063 order
with conditional fields only when they apply, 信息项, versions, approval cases), the entry form with the
service's errors on the field and the 信息项 row, 提交审核 starting catalog_approval, 从数据表创建, who may
edit, escaping, the Excel export, and query counts that do not grow with entries."""

import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from domain.assets.models import Column, Database, DataTable, InformationSystem
from domain.catalog import services as catalog_services
from domain.catalog.choices import ShareType
from domain.catalog.classification import classification_create
from domain.catalog.models import CatalogEntry, ClassificationNode
from domain.catalog.validation import ItemFields
from domain.directory.models import Department
from processes.models import HumanTask, ProcessInstance
from processes.selectors import inbox_for_actor
from tests import factories as f
from tests.domain.catalog import builders as b
from tests.webui.data.pages import client_for, html_of
from webui.views.data.catalog_access import may_catalogue, may_see_entry, share_departments, visible_entries

pytestmark = pytest.mark.django_db


@dataclass
class World:
    provider: Department
    other: Department
    clerk: Any  # 民政局 编目员
    lead: Any  # 民政局 data_lead (部门审核)
    stranger: Any  # 市场监管局 编目员
    reader: Any  # signed in, no department


@pytest.fixture
def world() -> World:
    provider = b.provider()
    b.authority()
    other = f.department("330106-SCJG", "西湖区市场监管局", parent=provider.parent)
    return World(
        provider=provider,
        other=other,
        clerk=b.cataloguer(),
        lead=f.user("lead", roles=["data_lead"], dept=provider),
        stranger=f.user("stranger", roles=["cataloguer"], dept=other),
        reader=f.user("reader"),
    )


def draft(**overrides: Any) -> CatalogEntry:
    return catalog_services.entry_create(fields=b.fields(**overrides), actor=b.clerk_actor())


def published(**overrides: Any) -> CatalogEntry:
    """Published as the approval's publish step does it (the process itself is tested in tests/bpmn)."""
    entry = draft(**overrides)
    CatalogEntry.objects.filter(pk=entry.pk).update(status="in_review")
    return catalog_services.entry_publish(
        entry_id=entry.pk, change_id=None, change_kind="新增", idempotency_key=f"publish:{entry.pk}"
    )


def company_subject() -> ClassificationNode:
    """102001: 基础 → 法人单位 → 法人单位基本信息."""
    b.population_subject()
    return classification_create(
        parent=ClassificationNode.objects.get(full_code="102"), code="001", name="法人基本信息"
    )


def tree_count(html: str, full_code: str) -> int:
    match = re.search(rf'data-node="{full_code}" data-count="(\d+)"', html)
    assert match, f"node {full_code} not drawn"
    return int(match.group(1))


def listed(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'<tr data-entry-id="(\d+)"', html)}


def block(html: str, marker: str) -> str:
    """The element opened at `marker`, up to the next field or row."""
    start = html.index(marker)
    return html[start : start + 1500]


# --- list, tree, search ------------------------------------------------------------------------------


def test_the_list_and_tree_count_what_a_reader_may_see(world: World) -> None:
    """Everyone signed in sees published entries, with each tree node counting its whole subtree; a draft is
    seen only by its provider's people."""
    first, second = published(name="户籍人口基本信息"), published(name="流动人口信息")
    company = published(name="法人登记信息", classification_id=company_subject().pk)
    hidden = draft(name="未提交的草稿")
    html = html_of(client_for(world.reader).get("/data/catalog/"))
    assert listed(html) == {first.pk, second.pk, company.pk}
    assert (tree_count(html, "1"), tree_count(html, "101"), tree_count(html, "101001")) == (3, 2, 2)
    assert tree_count(html, "102001") == 1 and tree_count(html, "2") == 0
    assert hidden.pk in listed(html_of(client_for(world.clerk).get("/data/catalog/")))
    assert "信息资源代码" in html and "101001/000001" in html


def test_search_filters_by_text_provider_status_share_type_and_node(world: World) -> None:
    """Name, code or 摘要 contains; provider; status; share type; a tree node selects its subtree."""
    person = published(name="户籍人口基本信息", summary="按月汇总的救助标识")
    conditional = published(name="婚姻登记信息", share_type=ShareType.CONDITIONAL, share_condition="仅用于救助审核")
    company = published(name="法人登记信息", classification_id=company_subject().pk)
    client = client_for(world.reader)
    assert listed(html_of(client.get("/data/catalog/?q=婚姻"))) == {conditional.pk}
    assert listed(html_of(client.get("/data/catalog/?q=救助标识"))) == {person.pk}
    assert listed(html_of(client.get(f"/data/catalog/?q={company.code}"))) == {company.pk}
    assert listed(html_of(client.get(f"/data/catalog/?share_type={ShareType.CONDITIONAL}"))) == {conditional.pk}
    assert listed(html_of(client.get(f"/data/catalog/?provider={world.other.pk}"))) == set()
    node = ClassificationNode.objects.get(full_code="102")
    html = html_of(client.get(f"/data/catalog/?node={node.pk}"))
    assert listed(html) == {company.pk}
    assert tree_count(html, "101001") == 2, "the tree keeps counting the other branches"
    fragment = html_of(
        client.get("/data/catalog/?q=婚姻", headers={"HX-Request": "true", "HX-Target": "tb-catalog-results"})
    )
    assert listed(fragment) == {conditional.pk} and "<html" not in fragment, "htmx swaps only the tree and list"
    searched = html_of(client.get("/data/catalog/?q=婚姻"))
    assert tree_count(searched, "101001") == 1 and tree_count(searched, "102") == 0
    assert 'data-node="102001"' not in searched, "a 目 without hits is left out; the 类 and 项 always show"


# --- entry page ------------------------------------------------------------------------------------


def test_the_entry_page_shows_conditional_fields_only_when_they_apply(world: World) -> None:
    """有条件共享 shows 共享条件 and 共享方式; 不予共享 shows 不予共享依据, no 共享方式 and no apply button,
    and says why."""
    conditional = published(name="婚姻登记信息", share_type=ShareType.CONDITIONAL, share_condition="仅用于救助审核")
    closed = published(
        name="收养登记信息", share_type=ShareType.NONE, share_method="", no_share_basis="《收养登记工作规范》第二十条"
    )
    client = client_for(world.stranger)
    html = html_of(client.get(f"/data/catalog/{conditional.pk}/"))
    assert 'data-field="share_condition"' in html and "仅用于救助审核" in html
    assert 'data-field="share_method"' in html and 'data-field="no_share_basis"' not in html
    assert 'data-action="share"' in html
    html = html_of(client.get(f"/data/catalog/{closed.pk}/"))
    assert 'data-field="no_share_basis"' in html and "《收养登记工作规范》第二十条" in html
    assert 'data-field="share_method"' not in html and 'data-field="share_condition"' not in html
    assert 'data-action="share"' not in html
    assert "不予共享" in block(html, "data-share-closed")


def test_the_entry_page_lists_items_with_their_links_and_versions(world: World) -> None:
    """信息项 in order with the data element (linked to its page) and the column (linked to its table)."""
    table = probed_table(world.provider)
    column = table.columns.get(name="xm")
    from domain.standards.models import DataElement

    element = DataElement.objects.create(identifier="DE0001", name_zh="姓名", department=world.provider)
    items = (ItemFields("姓名", "C", 50, element.pk, column.pk), ItemFields("公民身份号码", "C", 18))
    entry = published(items=items)
    html = html_of(client_for(world.reader).get(f"/data/catalog/{entry.pk}/"))
    rows = html.split("data-items", 1)[1].split("</table>", 1)[0]
    assert rows.index("姓名") < rows.index("公民身份号码")
    assert f'href="/data/elements/{element.pk}/"' in rows and f'href="/data/assets/tables/{table.pk}/"' in rows
    assert "t_hyjl.xm" in rows
    versions = html.split("data-versions", 1)[1]
    assert 'data-version="1"' in versions and "新增" in versions


def test_a_draft_of_another_department_is_not_found(world: World) -> None:
    """Drafts are not published resources: other departments get 404, as if absent."""
    entry = draft()
    assert client_for(world.stranger).get(f"/data/catalog/{entry.pk}/").status_code == 404
    assert client_for(world.clerk).get(f"/data/catalog/{entry.pk}/").status_code == 200


# --- the form ----------------------------------------------------------------------------------------


def form_data(**overrides: Any) -> dict[str, Any]:
    """What the new-entry form posts for a valid 无条件 database resource with two 信息项."""
    data = {
        "classification_id": str(b.population_subject().pk),
        "name": "低保家庭信息",
        "provider_id": str(b.provider().pk),
        "summary": "低保家庭成员及救助金额。",
        "format_category": "3",
        "format_type": "mysql",
        "share_type": "1",
        "share_condition": "",
        "no_share_basis": "",
        "share_method": "platform_api",
        "open_type": "none",
        "open_condition": "",
        "update_cycle": "monthly",
        "related_codes": "",
        "secrecy": "",
        "hierarchy": "",
        "items-0-name": "户主姓名",
        "items-0-data_type": "C",
        "items-0-length": "50",
        "items-1-name": "救助金额",
        "items-1-data_type": "Y",
        "items-1-length": "",
        "items-2-name": "",
        "items-2-data_type": "C",
        "items-2-length": "",
    }
    return {**data, **overrides}


def test_a_cataloguer_creates_a_draft_with_its_items(world: World) -> None:
    """The new-entry form saves a 草稿 of the clerk's department; blank 信息项 rows are dropped."""
    response = client_for(world.clerk).post("/data/catalog/new/", form_data())
    entry = CatalogEntry.objects.get(name="低保家庭信息")
    assert response.status_code == 302 and response["Location"] == f"/data/catalog/{entry.pk}/"
    assert (entry.status, entry.provider_id, entry.share_method) == ("draft", world.provider.pk, "platform_api")
    assert list(entry.items.values_list("name", "data_type", "length")) == [
        ("户主姓名", "C", 50),
        ("救助金额", "Y", None),
    ]


def test_the_form_puts_the_services_errors_on_the_field_and_the_item_row(world: World) -> None:
    """有条件共享 without 共享条件: the error sits on 共享条件; an item without a name: on its row. Nothing saved."""
    data = form_data(share_type="2", **{"items-1-name": "", "items-1-length": "12"})
    response = client_for(world.clerk).post("/data/catalog/new/", data)
    html = html_of(response)
    assert response.status_code == 400 and not CatalogEntry.objects.exists()
    condition = block(html, 'data-field="share_condition"').split("</div>", 1)[0]
    assert "有条件共享的资源必须填写共享条件" in condition
    row = block(html, 'data-item-row="2"').split("</fieldset>", 1)[0]
    assert "第 2 个信息项缺少名称" in row
    assert "缺少名称" not in block(html, 'data-item-row="1"').split("</fieldset>", 1)[0]
    assert 'value="户主姓名"' in html, "what was typed is kept"
    assert 'data-shown-when="share_type=2"' in block(html, 'data-field="share_condition"')


def test_fields_that_do_not_apply_are_not_held_against_the_entry(world: World) -> None:
    """不予共享 with a 共享方式 left selected (shown without script): the method is dropped, not an error."""
    data = form_data(share_type="3", no_share_basis="《保守国家秘密法》", share_method="platform_api")
    assert client_for(world.clerk).post("/data/catalog/new/", data).status_code == 302
    entry = CatalogEntry.objects.get()
    assert (entry.share_type, entry.share_method, entry.no_share_basis) == (3, "", "《保守国家秘密法》")


def test_editing_a_draft_keeps_item_links(world: World) -> None:
    """The edit form shows the draft; saving updates the 信息项 in place (same rows, column links kept), adds
    new ones, and a row cleared of name and length goes."""
    table = probed_table(world.provider)
    column = table.columns.get(name="xm")
    entry = draft(items=(ItemFields("姓名", "C", 50, None, column.pk), ItemFields("曾用名", "C", 50)))
    kept, dropped = entry.items.order_by("order")
    client = client_for(world.clerk)
    html = html_of(client.get(f"/data/catalog/{entry.pk}/edit/"))
    assert f'name="items-0-column_id" value="{column.pk}"' in html and "t_hyjl.xm" in html
    assert f'name="items-0-item_id" value="{kept.pk}"' in html
    rows = {
        "items-0-name": "姓名（户主）",
        "items-0-item_id": str(kept.pk),
        "items-0-column_id": str(column.pk),
        "items-1-name": "",
        "items-1-length": "",
        "items-1-item_id": str(dropped.pk),
        "items-2-name": "住址",
    }
    response = client.post(f"/data/catalog/{entry.pk}/edit/", form_data(name="户籍人口信息（修订）", **rows))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.name == "户籍人口信息（修订）"
    items = list(entry.items.order_by("order").values_list("pk", "name", "column_id"))
    assert items[0] == (kept.pk, "姓名（户主）", column.pk)
    assert [name for _pk, name, _column in items] == ["姓名（户主）", "住址"]


def test_another_departments_cataloguer_cannot_edit_or_submit(world: World) -> None:
    """403 with the reason, and nothing changed: another department's 编目员 on a published entry, and the
    provider's own data lead (not a 编目员) on a draft. Another department's draft is not even found."""
    entry, public = draft(), published(name="已发布的资源")
    stranger = client_for(world.stranger)
    assert stranger.get(f"/data/catalog/{entry.pk}/edit/").status_code == 404
    for url, data in [
        (f"/data/catalog/{public.pk}/edit/", form_data(name="改名")),
        (f"/data/catalog/{public.pk}/change/", {**form_data(name="改名"), "reason": "改名"}),
        (f"/data/catalog/{public.pk}/take-down/", {"reason": "不要了"}),
        (f"/data/catalog/{public.pk}/submit/", {}),
    ]:
        response = stranger.post(url, data)
        assert response.status_code == 403 and "西湖区民政局" in html_of(response), url
    assert 'data-action="change"' not in html_of(stranger.get(f"/data/catalog/{public.pk}/"))
    lead = client_for(world.lead)
    assert lead.post(f"/data/catalog/{entry.pk}/edit/", form_data(name="改名")).status_code == 403
    assert lead.post(f"/data/catalog/{entry.pk}/submit/").status_code == 403
    entry.refresh_from_db()
    public.refresh_from_db()
    assert (entry.name, entry.status, public.name, public.status) == (
        "户籍人口基本信息",
        "draft",
        "已发布的资源",
        "published",
    )
    assert not public.changes.exists() and not ProcessInstance.objects.exists()
    assert stranger.get("/data/catalog/new/").status_code == 200, "in their own department they may catalogue"
    assert client_for(world.reader).get("/data/catalog/new/").status_code == 403


# --- 提交审核 ---------------------------------------------------------------------------------------


def test_submitting_starts_the_approval_and_the_entry_shows_its_case(
    world: World,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """提交审核: 审核中, a 部门审核 task for the provider's data lead, and the case linked from the entry."""
    f.deploy("catalog_approval")
    entry = draft()
    client = client_for(world.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/data/catalog/{entry.pk}/submit/")
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "in_review"
    [task] = inbox_for_actor(f.actor(world.lead), scope="group")
    assert (task.element_id, task.name) == ("dept_review", "部门审核")
    instance = ProcessInstance.objects.get()
    html = html_of(client.get(f"/data/catalog/{entry.pk}/"))
    assert 'data-entry-status="in_review"' in html and "审核中" in html
    case = block(html, f'data-case-id="{instance.pk}"')
    assert f'href="/workbench/cases/{instance.pk}/"' in case and "部门审核" in case
    assert 'data-action="submit"' not in html


def test_a_published_entry_offers_change_and_take_down(
    world: World,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """申请下线 with a reason starts the same approval (kind 下线); the entry stays published meanwhile."""
    f.deploy("catalog_approval")
    entry = published()
    client = client_for(world.clerk)
    html = html_of(client.get(f"/data/catalog/{entry.pk}/"))
    assert 'data-action="change"' in html and 'data-action="take-down"' in html and 'data-action="submit"' not in html
    assert client.post(f"/data/catalog/{entry.pk}/take-down/", {"reason": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/data/catalog/{entry.pk}/take-down/", {"reason": "业务系统停用"}).status_code == 302
    html = html_of(client.get(f"/data/catalog/{entry.pk}/"))
    assert 'data-entry-status="published"' in html and "业务系统停用" in html
    assert 'data-action="take-down"' not in html
    assert HumanTask.objects.get().element_id == "dept_review"


def test_a_change_request_goes_to_review_with_the_proposed_fields(
    world: World,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """申请变更: the form starts from the entry; without a reason it is refused; with one a case starts."""
    f.deploy("catalog_approval")
    entry = published()
    client = client_for(world.clerk)
    assert 'value="户籍人口基本信息"' in html_of(client.get(f"/data/catalog/{entry.pk}/change/"))
    data = form_data(name="户籍人口基本信息", update_cycle="weekly", classification_id=str(entry.classification_id))
    assert client.post(f"/data/catalog/{entry.pk}/change/", data).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/data/catalog/{entry.pk}/change/", {**data, "reason": "更新频率调整"})
    assert response.status_code == 302
    entry.refresh_from_db()
    change = entry.changes.get()
    assert entry.update_cycle == "daily" and change.proposed["update_cycle"] == "weekly"
    assert ProcessInstance.objects.get().business_key == f"catalog-{entry.pk}-{change.pk}"


def test_a_returned_change_is_revised_in_the_same_form(world: World, django_capture_on_commit_callbacks: Any) -> None:
    """The department returns a 变更: the entry offers 修改变更内容; the form starts from the proposal and
    saving revises that change (no second change, no second case) for the drafter to resubmit."""
    from processes.services.inbox import human_task_complete

    f.deploy("catalog_approval")
    entry = published()
    with django_capture_on_commit_callbacks(execute=True):
        change = catalog_services.change_submit(
            entry_id=entry.pk, fields=b.fields(update_cycle="weekly"), reason="更新频率调整", actor=b.clerk_actor()
        )
    [review] = inbox_for_actor(f.actor(world.lead), scope="group")
    with django_capture_on_commit_callbacks(execute=True):
        human_task_complete(task_id=review.pk, actor=f.actor(world.lead), data={"approved": False, "opinion": "依据?"})
    client = client_for(world.clerk)
    page = html_of(client.get(f"/data/catalog/{entry.pk}/"))
    assert f'href="/data/catalog/{entry.pk}/change/"' in page and "依据?" in page
    assert 'href="/workbench/tasks/' in page, "the resubmit task is one click away"
    form = html_of(client.get(f"/data/catalog/{entry.pk}/change/"))
    assert '<option value="weekly" selected>' in form
    data = form_data(name="户籍人口基本信息", update_cycle="monthly", classification_id=str(entry.classification_id))
    assert client.post(f"/data/catalog/{entry.pk}/change/", data).status_code == 302
    change.refresh_from_db()
    assert (change.status, change.proposed["update_cycle"], change.reason) == ("returned", "monthly", "更新频率调整")
    assert entry.changes.count() == 1 and ProcessInstance.objects.count() == 1


# --- 从数据表创建 -----------------------------------------------------------------------------------


def probed_table(department: Department) -> DataTable:
    system = InformationSystem.objects.create(department=department, name="婚姻登记系统")
    database = Database.objects.create(system=system, name="hydj", engine="oracle")
    table = DataTable.objects.create(database=database, name="t_hyjl", comment="婚姻登记记录", update_cycle="daily")
    for position, (name, data_type, length, comment) in enumerate(
        [
            ("xm", "varchar(50)", 50, "姓名"),
            ("sfzh", "char(18)", 18, "公民身份号码"),
            ("djrq", "date", None, "登记日期"),
        ]
    ):
        Column.objects.create(
            table=table, name=name, data_type=data_type, length=length, comment=comment, position=position
        )
    return table


def test_a_draft_is_created_from_a_registered_table(world: World) -> None:
    """One step: a draft with one 信息项 per column, opened in the edit form."""
    table = probed_table(world.provider)
    client = client_for(world.clerk)
    html = html_of(client.get("/data/catalog/new/from-table/"))
    assert f'<option value="{table.pk}"' in html and "婚姻登记记录" in html
    node = b.population_subject()
    response = client.post("/data/catalog/new/from-table/", {"table": table.pk, "classification": node.pk})
    entry = CatalogEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/data/catalog/{entry.pk}/edit/"
    assert (entry.name, entry.status, entry.provider_id) == ("婚姻登记记录", "draft", world.provider.pk)
    assert list(entry.items.values_list("name", "column__name")) == [
        ("姓名", "xm"),
        ("公民身份号码", "sfzh"),
        ("登记日期", "djrq"),
    ]


def test_another_departments_table_cannot_be_catalogued(world: World) -> None:
    """The table select offers only one's own department's tables; a forged id is refused."""
    table = probed_table(world.provider)
    client = client_for(world.stranger)
    assert f'<option value="{table.pk}"' not in html_of(client.get("/data/catalog/new/from-table/"))
    node = b.population_subject()
    response = client.post("/data/catalog/new/from-table/", {"table": table.pk, "classification": node.pk})
    assert response.status_code == 400 and not CatalogEntry.objects.exists()


# --- escaping, export, queries ---------------------------------------------------------------------


def test_markup_in_an_entry_is_escaped(world: World) -> None:
    """An entry named `<script>` shows as text on the list, the entry page and the edit form."""
    evil = "<script>alert(1)</script>"
    entry = draft(name=evil, summary=evil, items=(ItemFields(evil, "C", 10),))
    client = client_for(world.clerk)
    for url in ("/data/catalog/", f"/data/catalog/{entry.pk}/", f"/data/catalog/{entry.pk}/edit/"):
        html = html_of(client.get(url))
        assert "<script>alert(1)" not in html, url
        assert "&lt;script&gt;alert(1)" in html, url


def test_the_export_downloads_a_workbook_of_the_filtered_entries(world: World) -> None:
    """导出 Excel: a workbook openpyxl reads back, with the filtered entries and their 信息项."""
    wanted, other = published(name="户籍人口基本信息"), published(name="流动人口信息", summary="暂住登记。")
    response = client_for(world.reader).get("/data/catalog/export/?q=户籍")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.getvalue()), read_only=True)
    entries, items = (list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets)
    names = [row[1] for row in entries[1:]]
    assert names == [wanted.name] and other.name not in names
    assert entries[1][2] == wanted.code
    assert [row[3] for row in items[1:]] == ["姓名", "公民身份号码"]
    everything = client_for(world.reader).get("/data/catalog/export/")
    book = load_workbook(io.BytesIO(everything.getvalue()), read_only=True)
    assert len(list(book.worksheets[0].iter_rows())) == 3


def count_queries(client: Client, url: str) -> tuple[int, str]:
    client.get(url)  # warm up: session, content types
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), html_of(response)


def test_list_queries_do_not_grow_with_entries(world: World) -> None:
    """One entry or a full page (of 31): the same queries."""
    published(name="资源 0")
    client = client_for(world.clerk)
    few, html = count_queries(client, "/data/catalog/")
    assert len(listed(html)) == 1
    for n in range(1, 31):
        published(name=f"资源 {n}", classification_id=company_subject().pk if n == 1 else b.population_subject().pk)
    many, html = count_queries(client, "/data/catalog/")
    assert len(listed(html)) == 25
    assert few == many, (few, many)


def test_entry_page_queries_do_not_grow_with_items_versions_and_cases(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """One item, one version and one case, or twelve items, two versions and two cases: the same queries."""
    f.deploy("catalog_approval")
    small = published(name="小", items=(ItemFields("姓名", "C", 50),))
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.take_down_submit(entry_id=small.pk, reason="停用", actor=b.clerk_actor())
    client = client_for(world.clerk)
    few, _html = count_queries(client, f"/data/catalog/{small.pk}/")
    big = published(name="大", items=tuple(ItemFields(f"项 {i}", "C", 10) for i in range(12)))
    fields = b.fields(name="大", update_cycle="weekly", items=tuple(ItemFields(f"项 {i}", "C", 10) for i in range(12)))
    with django_capture_on_commit_callbacks(execute=True):
        change = catalog_services.change_submit(entry_id=big.pk, fields=fields, reason="周更", actor=b.clerk_actor())
    catalog_services.entry_publish(entry_id=big.pk, change_id=change.pk, change_kind="变更", idempotency_key="v2")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.take_down_submit(entry_id=big.pk, reason="停用", actor=b.clerk_actor())
    many, html = count_queries(client, f"/data/catalog/{big.pk}/")
    assert html.count("<tr data-item=") == 12 and html.count("<tr data-case-id=") == 2
    assert html.count("<tr data-version=") == 2 and "更新周期" in html.split("data-versions", 1)[1]
    assert few == many, (few, many)


# --- the permission rules, one function each -------------------------------------------------------


def test_permission_rules(world: World) -> None:
    """Cataloguers edit their own department's entries (superusers any); drafts are seen by the provider's
    people and admins only; one applies for shares on behalf of one's other departments."""
    entry, public = draft(), published(name="已发布")
    clerk, lead, stranger, reader = (f.actor(u) for u in (world.clerk, world.lead, world.stranger, world.reader))
    admin = f.actor(f.user("admin", is_staff=True, is_superuser=True))
    assert may_catalogue(clerk, world.provider.pk) and may_catalogue(admin, world.provider.pk)
    assert not may_catalogue(lead, world.provider.pk) and not may_catalogue(stranger, world.provider.pk)
    assert may_see_entry(lead, entry) and may_see_entry(admin, entry) and not may_see_entry(stranger, entry)
    assert set(visible_entries(reader)) == {public} and set(visible_entries(clerk)) == {entry, public}
    assert list(share_departments(stranger, public)) == [world.other]
    assert list(share_departments(clerk, public)) == [], "the provider does not apply for its own resource"


def test_every_catalog_and_share_page_renders_for_an_administrator(world: World) -> None:
    """Each route of these pages, with a draft and with a published entry, renders (or redirects, or is
    POST-only), loads nothing from another host and carries the CSRF token in every POST form."""
    from tests.webui.test_page_quality import EXTERNAL, _forms_without_token, site_routes

    f.deploy("catalog_approval")
    admin = client_for(f.user("admin", is_staff=True, is_superuser=True))
    routes = [r for r in site_routes() if r.name.startswith(("data:catalog", "data:share"))]
    assert len(routes) >= 9
    rendered = set()
    for entry in (draft(name="草稿"), published(name="已发布")):
        for route in routes:
            response = admin.get(route.url({"entry_id": str(entry.pk)}))
            assert response.status_code in (200, 302, 405), (route.path, response.status_code)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            html = html_of(response)
            assert not [u for u in EXTERNAL.findall(html) if "testserver" not in u], route.path
            assert not _forms_without_token(html), route.path
            rendered.add(route.name)
    assert {"data:catalog", "data:catalog_entry", "data:catalog_entry_edit", "data:shares"} <= rendered
    assert {"data:catalog_entry_change", "data:catalog_entry_take_down", "data:share_apply"} <= rendered


# --- links checked by the services, reviewers' view ----------------------------------------------------


def test_a_forged_column_or_element_link_is_refused_on_its_row(world: World) -> None:
    """The hidden link ids are not trusted: another department's column, a made-up column and a 废止 element
    are each refused on their 信息项 row (400, nothing saved); the re-shown row no longer carries the retired
    element, so saving again does not fail the same way."""
    from domain.standards.models import DataElement

    foreign = Column.objects.filter(table=probed_table(world.other)).first()
    assert foreign is not None
    retired = DataElement.objects.create(identifier="DE0009", name_zh="旧姓名", status="retired")
    client = client_for(world.clerk)
    for links, message in (
        ({"items-1-column_id": str(foreign.pk)}, "只能关联提供方部门自己的字段"),
        ({"items-1-column_id": "987654"}, "关联的字段不存在"),
        ({"items-1-data_element_id": str(retired.pk)}, "关联的数据元已废止"),
    ):
        response = client.post("/data/catalog/new/", form_data(**links))
        html = html_of(response)
        assert response.status_code == 400 and not CatalogEntry.objects.exists()
        assert message in block(html, 'data-item-row="2"').split("</fieldset>", 1)[0]
        assert message not in block(html, 'data-item-row="1"').split("</fieldset>", 1)[0]
    assert 'name="items-1-data_element_id"' not in html, "the retired link is dropped, so saving again succeeds"


def reviewed_by_platform(world: World, capture: Any, entry: CatalogEntry, change: Any = None) -> Any:
    """The provider's data lead approves 部门审核; returns the platform reviewer, who then holds 平台审核
    as a candidate."""
    from processes.services.inbox import human_task_complete

    platform = f.user("platform", roles=["platform_reviewer"], dept=b.authority())
    [task] = inbox_for_actor(f.actor(world.lead), scope="group")
    with capture(execute=True):
        human_task_complete(task_id=task.pk, actor=f.actor(world.lead), data={"approved": True})
    assert inbox_for_actor(f.actor(platform), scope="group").exists()
    return platform


def test_the_platform_reviewer_reads_the_entry_under_review(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """Whoever may claim the 平台审核 step opens the entry in review; an unrelated user still gets 404; the
    case page links back to the entry."""
    f.deploy("catalog_approval")
    entry = draft()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.clerk).post(f"/data/catalog/{entry.pk}/submit/")
    platform = reviewed_by_platform(world, django_capture_on_commit_callbacks, entry)
    response = client_for(platform).get(f"/data/catalog/{entry.pk}/")
    assert response.status_code == 200 and 'data-entry-status="in_review"' in html_of(response)
    assert entry.pk in listed(html_of(client_for(platform).get("/data/catalog/?status=in_review")))
    assert client_for(world.stranger).get(f"/data/catalog/{entry.pk}/").status_code == 404
    assert client_for(world.reader).get(f"/data/catalog/{entry.pk}/").status_code == 404
    instance = ProcessInstance.objects.get()
    case = html_of(client_for(platform).get(f"/workbench/cases/{instance.pk}/"))
    assert f'href="/data/catalog/{entry.pk}/"' in case


def test_the_reviewer_sees_what_a_change_proposes_against_the_published_version(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """An open 变更 shows field by field (更新周期 每日 → 每周) and its 信息项 added, removed and changed;
    the provider's people and the reviewer see it, a reader of the published entry does not."""
    f.deploy("catalog_approval")
    entry = published()
    name, number = entry_items = tuple(entry.items.order_by("order"))
    assert len(entry_items) == 2
    proposed = b.fields(
        update_cycle="weekly",
        items=(
            ItemFields("姓名", "C", 100, item_id=name.pk),
            ItemFields("户籍地址", "C", 200),
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.change_submit(entry_id=entry.pk, fields=proposed, reason="补充地址", actor=b.clerk_actor())
    platform = reviewed_by_platform(world, django_capture_on_commit_callbacks, entry)
    html = html_of(client_for(platform).get(f"/data/catalog/{entry.pk}/"))
    fields = block(html, "data-proposal-fields").split("</table>", 1)[0]
    assert "更新周期" in fields and "每日" in fields and "每周" in fields and "信息资源名称" not in fields
    items = block(html, "data-proposal-items").split("</ul>", 1)[0]
    assert re.search(r'data-proposal-item="changed">\s*<strong>修改</strong> 姓名.*?50</del> → <ins>100', items, re.S)
    assert re.search(r'data-proposal-item="added">\s*<strong>新增</strong> 户籍地址', items)
    assert re.search(rf'data-proposal-item="removed">\s*<strong>删除</strong> {number.name}', items)
    assert "data-proposal" in html_of(client_for(world.clerk).get(f"/data/catalog/{entry.pk}/"))
    assert "data-proposal" not in html_of(client_for(world.reader).get(f"/data/catalog/{entry.pk}/"))


def test_from_table_refuses_a_category_or_an_unknown_classification_on_the_field(world: World) -> None:
    """A 门类 (level 1) or a made-up node id is refused next to 信息资源分类; no draft is made."""
    table = probed_table(world.provider)
    b.population_subject()
    top = ClassificationNode.objects.filter(level=1).first()
    assert top is not None
    client = client_for(world.clerk)
    for node_id in (str(top.pk), "98765"):
        response = client.post("/data/catalog/new/from-table/", {"table": table.pk, "classification": node_id})
        field = block(html_of(response), 'data-field="classification"').split("</div>", 1)[0]
        assert response.status_code == 400 and not CatalogEntry.objects.exists()
        assert "tb-error" in field and ("门类" in field or "不存在" in field)


def test_from_table_finds_and_accepts_a_table_beyond_the_listed_ones(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With more tables than the list shows, the page says so and offers a search; a table past the cut is
    found by name, and posting its id creates the draft (ownership is asked of the database, not the list)."""
    from webui.views.data import catalog_forms

    monkeypatch.setattr(catalog_forms, "TABLES_SHOWN", 3)
    first = probed_table(world.provider)
    tables = [DataTable.objects.create(database=first.database, name=f"t_{n:02d}") for n in range(4)]
    last = tables[-1]
    Column.objects.create(table=last, name="xm", data_type="varchar(50)", length=50, comment="姓名")
    client = client_for(world.clerk)

    def table_select(html: str) -> str:
        return block(html, 'data-field="table"').split("</select>", 1)[0]

    html = html_of(client.get("/data/catalog/new/from-table/"))
    assert "data-more-tables" in html and f'<option value="{last.pk}"' not in table_select(html)
    found = html_of(client.get("/data/catalog/new/from-table/?q=t_03"))
    assert f'<option value="{last.pk}"' in table_select(found) and "data-more-tables" not in found
    node = b.population_subject()
    response = client.post("/data/catalog/new/from-table/", {"table": last.pk, "classification": node.pk})
    entry = CatalogEntry.objects.get()
    assert response.status_code == 302 and entry.name == "t_03"


# --- what the overview counts -----------------------------------------------------------------------


def test_the_overview_selectors_count_what_the_lists_show(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """审核中目录 counts the entries in review the catalog list shows each person (the provider's people,
    the reviewer holding the case, an administrator); 办理中的共享申请 the undecided requests the share lists
    show (applied for by, or asked of, one's departments; all for an administrator of no department)."""
    from domain.catalog.models import ShareRequest
    from webui.views.data.catalog_access import entries_in_review_for
    from webui.views.data.shares import shares_in_progress_for

    f.deploy("catalog_approval")
    entry = draft()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.clerk).post(f"/data/catalog/{entry.pk}/submit/")
    admin = f.user("admin", is_staff=True)
    reviewer = f.user("dept_reviewer", roles=["data_lead"], dept=world.provider)
    for user, expected in ((world.clerk, 1), (reviewer, 1), (world.stranger, 0), (admin, 1)):
        shown = listed(html_of(client_for(user).get("/data/catalog/?status=in_review")))
        assert entries_in_review_for(f.actor(user)).count() == len(shown) == expected, user.username

    offered = published(name="婚姻登记信息")
    third = f.department("330106-GA", "西湖区公安分局", parent=world.provider.parent)
    for applicant, status in ((world.other, "pending"), (third, "disputed"), (world.other, "granted")):
        ShareRequest.objects.create(
            entry=offered, applicant_department=applicant, purpose="核验", scenario="救助", status=status
        )
    counts = {u.username: shares_in_progress_for(f.actor(u)).count() for u in (world.clerk, world.stranger, admin)}
    assert counts == {"clerk": 2, "stranger": 1, "admin": 2}
