"""督查督办 end to end in a real browser: the 督查室 registers (立项) an item for a lead unit and a co-unit
with a one-working-day report cycle and hands it out (交办); the lead unit's 承办人 signs for it (签收) in the
inbox, reports progress with a problem when the cycle comes round, then submits completion (办结报告); the
督查室 approves it. The item page shows the unit 已办结 with its progress and problem, the 问题清单 lists the
problem, and the 督查晾晒 ranking shows the unit on time at 100.00%.

The clock is the one thing not driven through the browser: the test runs on a fixed Monday (a weekday work
calendar), and when a working day has passed it runs the Celery beat job that fires due timers, as the
beat does every few seconds in production."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from processes.tasks import timers_fire_due
from tests import factories as f
from tests.calendar_fake import weekday_calendar
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass12345"
SHANGHAI = ZoneInfo("Asia/Shanghai")
TITLE = "推进政务数据共享目录全覆盖"
PROBLEM = "部分业务系统缺少数据字典"
LEAD, CO = "330106-SCJG", "330106-MZ"


@pytest.fixture
def clock() -> Iterator[Any]:
    """Monday 1 June 2026, 09:00 in Hangzhou, time running; weekdays are the working days."""
    with weekday_calendar(), time_machine.travel(datetime(2026, 6, 1, 9, tzinfo=SHANGHAI), tick=True) as traveller:
        yield traveller


@pytest.fixture
def world(clock: Any) -> dict[str, Any]:
    """西湖区 with its 督查室 (督查员 office1) and two units, each with a 承办人; the diagram deployed."""
    district = f.department("330106", "西湖区")
    office = f.department("330106-DCS", "西湖区督查室", parent=district)
    lead = f.department(LEAD, "西湖区市场监管局", parent=district)
    co = f.department(CO, "西湖区民政局", parent=district)
    f.user("office1", roles=["supervision_office"], dept=office, first_name="王督查")
    f.user("handler1", roles=["supervision_handler"], dept=lead, first_name="张敏")
    f.user("handler2", roles=["supervision_handler"], dept=co, first_name="李华")
    f.deploy("supervision_task")
    return {"office": office, "lead": lead, "co": co}


def as_user(page: Any, live_server: Any, username: str) -> None:
    page.context.clear_cookies()
    login(page, live_server, username, PASSWORD)


def open_from_inbox(page: Any, live_server: Any, tab: str, name: str) -> None:
    """Open the task called `name` from the inbox tab (`group` = 待签收, `mine` = 我的待办)."""
    page.goto(f"{live_server.url}/workbench/?tab={tab}")
    page.locator("table.tb-inbox").get_by_role("link", name=name, exact=True).click()
    page.get_by_role("heading", level=1, name=name).wait_for()


def complete(page: Any, name: str) -> None:
    page.get_by_role("button", name="办结", exact=True).click()
    expect(page.locator("body")).to_contain_text(f"任务“{name}”已办结。")


def register_and_dispatch(page: Any, live_server: Any, world: dict[str, Any]) -> str:
    """The 督查员 fills the 立项 form and presses 交办; returns the item page's URL."""
    as_user(page, live_server, "office1")
    page.goto(f"{live_server.url}/supervision/items/")
    page.get_by_role("link", name="立项", exact=True).click()
    page.locator('[data-field="source"] select').select_option("leader_instruction")
    page.locator('[data-field="urgency"] select').select_option("normal")
    page.locator('[data-field="title"] input').fill(TITLE)
    page.locator('[data-field="requirements"] textarea').fill("6 月底前完成本部门全部政务数据资源编目并挂接。")
    page.locator('[data-field="lead_department_id"] select').select_option(str(world["lead"].pk))
    page.locator('[data-field="co_department_ids"] select').select_option([str(world["co"].pk)])
    page.locator('[data-field="report_cycle_days"] input').fill("1")
    page.get_by_role("button", name="保存立项").click()
    expect(page.locator("[data-item-title]")).to_have_text(TITLE)
    item_url = page.url
    page.get_by_role("button", name="交办", exact=True).click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "in_progress")
    for department in (world["lead"], world["co"]):
        expect(page.locator(f'[data-units] tr[data-unit="{department.pk}"]')).to_contain_text("待签收")
    return item_url


def test_an_item_for_two_units_is_reported_completed_approved_and_ranked(
    clock: Any, page: Any, live_server: Any, world: dict[str, Any]
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    item_url = register_and_dispatch(page, live_server, world)

    # The lead unit's 承办人 signs for the item in the inbox (only its own unit's task is there) …
    as_user(page, live_server, "handler1")
    page.goto(f"{live_server.url}/workbench/?tab=group")
    waiting = page.locator("table.tb-inbox tbody tr")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("西湖区市场监管局")
    page.get_by_label("选择 签收", exact=True).check()
    page.get_by_role("button", name="签收所选").click()
    expect(page.locator("body")).to_contain_text("已签收 1 个任务。")
    # … and names the unit's contact.
    open_from_inbox(page, live_server, "mine", "签收")
    page.locator("#tb-field-contact").fill("张敏")
    page.locator("#tb-field-phone").fill("0571-88880000")
    complete(page, "签收")

    # A working day later the report cycle comes round: the beat fires the timer and a 进展报告 task opens.
    clock.move_to(datetime(2026, 6, 2, 18, 5, tzinfo=SHANGHAI))
    assert timers_fire_due() == 1
    open_from_inbox(page, live_server, "group", "进展报告")
    page.locator("#tb-field-progress_text").fill("已完成 80 项资源编目，正在挂接。")
    page.locator("#tb-field-percent").fill("80")
    page.locator("#tb-field-problems-0-description").fill(PROBLEM)
    page.locator("#tb-field-problems-0-owner").fill("信息科")
    page.locator("#tb-field-reporter").fill("张敏")
    complete(page, "进展报告")

    # The unit submits its completion report.
    open_from_inbox(page, live_server, "group", "办理（办结报告）")
    page.locator("#tb-field-summary").fill("已完成全部 120 项资源编目并挂接。")
    page.locator("#tb-field-reporter").fill("张敏")
    complete(page, "办理（办结报告）")

    # The 督查室 finds the review in its inbox and approves.
    as_user(page, live_server, "office1")
    open_from_inbox(page, live_server, "group", "审核办结")
    page.get_by_label("办理到位").check()
    page.locator("#tb-field-opinion").fill("办理到位，同意办结。")
    complete(page, "审核办结")

    # The item page: the lead unit done (its completion counts as 100%), its 80% progress report and its
    # problem listed; the co-unit still to sign for it, so the item is still in progress.
    page.goto(item_url)
    lead_row = page.locator(f'[data-units] tr[data-unit="{world["lead"].pk}"]')
    expect(lead_row).to_contain_text("已办结")
    expect(lead_row).to_contain_text("100%")
    expect(page.locator(f'[data-units] tr[data-unit="{world["co"].pk}"]')).to_contain_text("待签收")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "in_progress")
    progress = page.locator("[data-reports] li", has_text="进展报告")
    expect(progress).to_contain_text("西湖区市场监管局 · 进展报告 · 80%")
    expect(progress).to_contain_text("已完成 80 项资源编目，正在挂接。")
    expect(progress.locator("[data-submitted-by]")).to_have_text("张敏")  # the account that sent it
    expect(page.locator("[data-reports] li", has_text="办结报告")).to_contain_text("已完成全部 120 项资源编目并挂接。")
    expect(page.locator("[data-problems]")).to_contain_text(PROBLEM)
    page.get_by_role("link", name="在问题清单中查看").click()
    problem = page.locator("table[data-problems] tbody tr", has_text=PROBLEM)
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("西湖区市场监管局")
    expect(problem).to_contain_text("待解决")

    # 督查晾晒 (this month, June, by default): the lead unit ranks first, one completion on time, none overdue,
    # 100.00%, one working day from 交办 to the accepted completion.
    page.goto(f"{live_server.url}/supervision/ranking/")
    row = page.locator(f'table.tb-ranking tr[data-department-code="{LEAD}"]')
    cells = row.locator("th, td")
    expect(cells.nth(0)).to_have_text("1")
    expect(cells.nth(1)).to_have_text("西湖区市场监管局")
    expect(cells.nth(2)).to_have_text("1")
    expect(cells.nth(3)).to_have_text("0")
    expect(cells.nth(4)).to_have_text("100.00%")
    expect(cells.nth(5)).to_have_text("1.00")
    assert not errors, errors
