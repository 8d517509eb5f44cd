"""数据通 end to end in a real browser: a 编目员 makes a catalog entry from a table the probe found, submits
it; the department's data lead returns it with an opinion; the 编目员 fixes it and resubmits; both reviews
approve; the published entry shows its generated code; a second department applies to use it and, the
entry being 无条件共享, gets it at once — listed on both sides."""

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from domain.assets.models import DataTable, InformationSystem
from domain.assets.probing.services import probe_register, probe_run_start
from domain.catalog.classification import classification_seed
from domain.catalog.models import CatalogEntry, ShareRequest
from processes.models import HumanTask
from tests import factories as f
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass12345"


@pytest.fixture
def world(tmp_path: Path, settings: Any) -> dict[str, Any]:
    """西湖区 with its 民政局 (provider: 编目员 clerk, 数据负责人 lead), 大数据局 (平台审核员 platform) and
    市场监管局 (applicant); the two diagrams; and the 婚姻登记 table, probed from a SQLite file."""
    settings.TONGBAN = {**settings.TONGBAN, "PROBE_SQLITE_DIRS": [str(tmp_path)]}
    district = f.department("330106", "西湖区")
    provider = f.department("330106-MZ", "西湖区民政局", parent=district)
    authority = f.department("330106-DSJ", "西湖区大数据局", parent=district)
    other = f.department("330106-SCJG", "西湖区市场监管局", parent=district)
    f.user("clerk", roles=["cataloguer"], dept=provider, first_name="李强")
    f.user("lead", roles=["data_lead"], dept=provider, first_name="周敏")
    f.user("platform", roles=["platform_reviewer"], dept=authority, first_name="陈静")
    f.user("applicant", roles=["cataloguer"], dept=other, first_name="刘洋")
    f.deploy("catalog_approval")
    f.deploy("share_request")
    classification_seed()

    source = tmp_path / "hydj.sqlite3"
    with sqlite3.connect(source) as connection:
        connection.execute("CREATE TABLE t_hyjl (xm VARCHAR(50), sfzh VARCHAR(18), djrq DATE)")
    system = InformationSystem.objects.create(department=provider, name="婚姻登记系统")
    probe = probe_register(
        department_id=provider.pk,
        system_id=system.pk,
        data={"name": "婚姻登记库", "schedule": "manual", "engine": "sqlite", "database_name": str(source)},
    )
    run = probe_run_start(probe_id=probe.pk, actor=None)  # the (eager) worker runs it on commit
    run.refresh_from_db()
    assert run.status == "succeeded", run.error_message
    return {"provider": provider, "table": DataTable.objects.get(name="t_hyjl")}


def open_task(page: Any, live_server: Any, name: str) -> None:
    """The task is in the person's inbox (an unclaimed group task under 待签收, claimed on 办结): open its page."""
    task = HumanTask.objects.get(name=name, status="open")
    page.goto(f"{live_server.url}/workbench/?tab={'mine' if task.assignee_id else 'group'}")
    expect(page.locator(f'a[href="/workbench/tasks/{task.pk}/"]').first).to_be_visible()
    page.goto(f"{live_server.url}/workbench/tasks/{task.pk}/")
    page.get_by_role("heading", name=name).first.wait_for()


def complete(page: Any) -> None:
    page.get_by_role("button", name="办结", exact=True).click()
    page.wait_for_load_state("networkidle")


def review(page: Any, live_server: Any, user: str, step: str, *, approve: bool, opinion: str) -> None:
    login(page, live_server, user, PASSWORD)
    open_task(page, live_server, step)
    approved = page.get_by_label("是否通过")
    approved.check() if approve else approved.uncheck()
    page.get_by_label("审核意见").fill(opinion)
    complete(page)
    page.context.clear_cookies()


def test_an_entry_from_a_probed_table_is_reviewed_published_and_shared(
    page: Any, live_server: Any, world: dict[str, Any]
) -> None:
    # The 编目员 drafts the entry from the probed table and submits it.
    login(page, live_server, "clerk", PASSWORD)
    page.goto(f"{live_server.url}/data/catalog/")
    page.get_by_role("link", name="从数据表创建").click()
    page.locator("select#tb-table").select_option(value=str(world["table"].pk))
    page.get_by_label("信息资源分类").select_option(index=1)
    page.get_by_role("button", name="创建草稿").click()
    page.wait_for_load_state("networkidle")
    entry = CatalogEntry.objects.get()
    assert [item.name for item in entry.items.order_by("order")] == ["xm", "sfzh", "djrq"]
    page.goto(f"{live_server.url}/data/catalog/{entry.pk}/")
    page.locator('button[data-action="submit"]').click()
    expect(page.locator("[data-entry-status]")).to_have_attribute("data-entry-status", "in_review")
    page.context.clear_cookies()

    # 部门审核 returns it with an opinion.
    review(page, live_server, "lead", "部门审核", approve=False, opinion="摘要过于简单，请补充登记范围")

    # The 编目员 sees the opinion, fixes the summary and resubmits.
    login(page, live_server, "clerk", PASSWORD)
    page.goto(f"{live_server.url}/data/catalog/{entry.pk}/")
    expect(page.locator("[data-returns]")).to_contain_text("摘要过于简单")
    expect(page.locator("[data-entry-status]")).to_have_attribute("data-entry-status", "draft")
    page.goto(f"{live_server.url}/data/catalog/{entry.pk}/edit/")
    page.locator('[data-field="name"] input').fill("婚姻登记记录")
    page.locator('[data-field="summary"] textarea').fill("西湖区婚姻登记记录，含登记双方姓名、身份号码和登记日期。")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state("networkidle")
    open_task(page, live_server, "修改后重新提交")
    page.get_by_label("修改说明").fill("已补充摘要")
    complete(page)
    page.context.clear_cookies()

    # Both reviews approve; the publish service assigns the code.
    review(page, live_server, "lead", "部门审核", approve=True, opinion="同意")
    review(page, live_server, "platform", "平台审核", approve=True, opinion="分类、代码和共享属性符合要求")
    entry.refresh_from_db()
    assert entry.status == "published"
    assert entry.code == f"{entry.classification.full_code}/000001"

    # The published entry shows its code; 市场监管局 applies for it and gets it at once (无条件共享).
    login(page, live_server, "applicant", PASSWORD)
    page.goto(f"{live_server.url}/data/catalog/{entry.pk}/")
    expect(page.locator("[data-metadata]")).to_contain_text(entry.code)
    expect(page.locator("[data-entry-status]")).to_have_attribute("data-entry-status", "published")
    page.locator('a[data-action="share"]').click()
    page.get_by_label("申请用途").fill("市场主体登记时核验婚姻状况")
    page.get_by_label("应用场景").fill("个体工商户登记")
    page.get_by_label("sfzh").check()
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_load_state("networkidle")
    request = ShareRequest.objects.get()
    assert request.status == "granted"
    page.goto(f"{live_server.url}/data/shares/")
    expect(page.locator('[data-granted="received"]')).to_contain_text("婚姻登记记录")
    page.context.clear_cookies()

    # The provider sees the grant it gave.
    login(page, live_server, "clerk", PASSWORD)
    page.goto(f"{live_server.url}/data/shares/")
    expect(page.locator('[data-granted="given"]')).to_contain_text("西湖区市场监管局")
