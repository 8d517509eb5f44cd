"""The pages on a phone and a laptop: nothing makes the page scroll sideways, the main actions are on screen,
and the inbox can be worked with the keyboard alone, with the focus always visible."""

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from domain.directory.models import Membership
from domain.notifications.services import notify
from processes.models import HumanTask
from processes.services.inbox import human_task_claim
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 768}}
CHECK_FORM = {
    "type": "object",
    "required": ["copies", "opinion"],
    "properties": {
        "copies": {"type": "integer", "title": "材料份数", "minimum": 1, "maximum": 20},
        "opinion": {"type": "string", "title": "核查意见", "minLength": 1, "maxLength": 2000},
        "checked_on": {"type": "string", "format": "date", "title": "核查日期"},
    },
}
INBOX_TABS = ("我的待办", "待签收", "已办", "我发起的")
HAS_FOCUS_INDICATOR = """el => {
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return outline || style.boxShadow !== 'none';
}"""


@pytest.fixture
def world() -> dict[str, Any]:
    """One person who works, supervises and audits: a claimed task with a form, a case with a diagram,
    tasks on the deadline ladder, and the audit trail all of this left."""
    city = f.department("330100", "杭州市")
    district = f.department("330106", "西湖区大数据局", parent=city)
    zhou = f.user("zhou", roles=["reviewer"], dept=district, is_staff=True)  # staff: the 流程 pages too
    for code in ("supervisor", "auditor"):
        Membership.objects.create(user_id=zhou.pk, department=city, role=f.role(code))
    for code in ("dept_head", "deputy_head"):  # the case diagram's candidate groups must exist to deploy it
        f.role(code)
    f.deploy(
        chain("e2e_check", user_task("核查材料", "reviewer", 'camunda:formKey="e2e_check"')),
        extra={"forms/e2e_check.json": json.dumps(CHECK_FORM, ensure_ascii=False)},
    )
    f.deploy("camunda_modeler")
    actor = f.actor(zhou)
    checked = instance_start(
        process_key="e2e_check", actor=actor, department_id=district.pk, business_key="XH-2024-000123-SJGX"
    )
    case = instance_start(
        process_key="leave_request", actor=actor, department_id=district.pk, business_key="LEAVE-2024-0042"
    )
    task = HumanTask.objects.get(instance=checked)
    human_task_claim(task_id=task.pk, actor=actor)
    HumanTask.objects.update(escalation_level=2)  # at risk: listed under 督办
    notify(user_ids=[zhou.pk], kind="task_reminded", title="催办：核查材料", body="请尽快办理。", link="/workbench/")
    return {"task": task, "case": case}


def document_fits(page: Any) -> tuple[bool, str]:
    scroll_width, window_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return scroll_width <= window_width + 1, f"the document is {scroll_width}px wide in a {window_width}px window"


def on_screen(page: Any, locator: Any) -> bool:
    """Visible and, once scrolled to, inside the window left to right (a table may scroll in its own box)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    width = page.evaluate("window.innerWidth")
    return bool(locator.is_visible() and box and box["x"] >= 0 and box["x"] + box["width"] <= width + 1)


def primary_actions(page: Any, world: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each page's address and the controls a person comes to it for, by what they say."""
    task, case = world["task"], world["case"]
    tabs = page.get_by_role("navigation", name="待办分类")

    def button(name: str) -> Any:
        return page.get_by_role("button", name=name, exact=True)

    return {
        "inbox": (
            "/workbench/?tab=mine",
            {
                **{f"tab {name}": tabs.get_by_role("link", name=name, exact=True) for name in INBOX_TABS},
                "search field": page.get_by_role("searchbox", name="搜索", exact=True),
                "button 筛选": button("筛选"),
                "task link": page.get_by_role("link", name="核查材料", exact=True),
            },
        ),
        "task": (
            f"/workbench/tasks/{task.pk}/",
            {
                "field 材料份数": page.get_by_label("材料份数"),
                "field 核查意见": page.get_by_label("核查意见"),
                "button 保存草稿": button("保存草稿"),
                "button 办结": button("办结"),
                "button 退回": button("退回"),
            },
        ),
        "case": (
            f"/workbench/cases/{case.pk}/",
            {
                "heading": page.get_by_role("heading", name=f"案卷 #{case.pk}"),
                "diagram": page.get_by_role("img", name="流程图"),
            },
        ),
        "supervision": (
            "/supervision/",
            {"button 筛选": button("筛选"), "button 催办": button("催办").first, "button 批量改派": button("批量改派")},
        ),
        "notifications": (
            "/notifications/",
            {"heading": page.get_by_role("heading", name="通知", exact=True), "button 标为已读": button("标为已读")},
        ),
        "flows": (
            "/flows/",
            {"heading": page.get_by_role("heading", name="流程", exact=True), "button 搜索": button("搜索")},
        ),
        "audit": (
            "/audit/",
            {
                "button 筛选": button("筛选"),
                "button 校验哈希链": button("校验哈希链"),
                "link CSV": page.get_by_role("link", name="CSV", exact=True),
            },
        ),
    }


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_pages_fit_the_window_and_show_their_primary_actions(
    page: Any, live_server: Any, world: dict[str, Any], size: str
) -> None:
    """On a 390 px phone and a 1366 px laptop, the inbox, a task, a case, 督办, 通知, 流程 and 审计 never
    scroll sideways (wide tables scroll inside their own box) and their main controls can be seen and reached."""
    page.set_viewport_size(VIEWPORTS[size])
    login(page, live_server, "zhou", "pass12345")
    problems = []
    for name, (url, controls) in primary_actions(page, world).items():
        page.goto(f"{live_server.url}{url}")
        next(iter(controls.values())).wait_for()
        page.wait_for_load_state("networkidle")
        fits, why = document_fits(page)
        if not fits:
            problems.append(f"{name}: {why}")
        problems += [
            f"{name}: {what} is not on screen" for what, control in controls.items() if not on_screen(page, control)
        ]
    assert not problems, problems


def test_inbox_works_with_the_keyboard_and_shows_the_focus(page: Any, live_server: Any, world: dict[str, Any]) -> None:
    """Tab from the top of the inbox reaches the tabs, the search field and a task, each visibly focused;
    Enter on the task opens it."""
    login(page, live_server, "zhou", "pass12345")
    page.goto(f"{live_server.url}/workbench/?tab=mine")
    tabs = page.get_by_role("navigation", name="待办分类")
    wanted = {name: tabs.get_by_role("link", name=name, exact=True) for name in INBOX_TABS}
    wanted["搜索"] = page.get_by_role("searchbox", name="搜索", exact=True)
    wanted["核查材料"] = page.get_by_role("link", name="核查材料", exact=True)
    names = list(wanted)
    handles = [wanted[name].element_handle() for name in names]

    reached: dict[str, bool] = {}
    for _ in range(80):
        page.keyboard.press("Tab")
        index = page.evaluate("targets => targets.indexOf(document.activeElement)", handles)
        if index < 0:
            continue
        reached[names[index]] = page.evaluate(f"({HAS_FOCUS_INDICATOR})(document.activeElement)")
        if len(reached) == len(names) and names[index] == "核查材料":
            break
    assert set(reached) == set(names), f"Tab never reached {set(names) - set(reached)}"
    assert all(reached.values()), f"no visible focus on {[name for name, shown in reached.items() if not shown]}"

    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/workbench/tasks/{world['task'].pk}/")
    expect(page.get_by_role("heading", name="核查材料")).to_be_visible()
