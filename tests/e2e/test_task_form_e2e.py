"""A clerk fills a task form in a real browser: rows added and removed with repeat.js, a PDF attached, the
task completed; the task and case pages then show the rows and the file."""

from pathlib import Path
from typing import Any

import pytest

from processes.models import Attachment, HumanTask, TaskStatus
from tests.e2e.conftest import login
from tests.webui.test_task_forms import purchase_case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def test_clerk_adds_rows_attaches_a_pdf_and_completes(page: Any, live_server: Any) -> None:
    task, _clerk = purchase_case("PUR-E2E")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    login(page, live_server, "clerk", "pass12345")
    page.goto(f"{live_server.url}/workbench/tasks/{task.pk}/")
    group = page.locator('[data-tb-repeat="items"]')
    add = group.get_by_role("button", name="添加一行")
    add.wait_for()  # repeat.js revealed it
    page.fill("#tb-field-title", "采购办公设备")
    page.fill("#tb-field-items-0-name", "笔记本电脑")
    page.fill("#tb-field-items-0-qty", "2")
    add.click()
    page.fill("#tb-field-items-1-name", "显示器")
    page.fill("#tb-field-items-1-qty", "3")
    page.select_option("#tb-field-items-1-unit", "台")
    add.click()
    page.fill("#tb-field-items-2-name", "不要了")
    assert group.locator("[data-tb-repeat-row]").count() == 3
    assert group.locator("[data-tb-row-number]").all_inner_texts() == ["1", "2", "3"]
    group.locator("[data-tb-repeat-row]").nth(2).get_by_role("button", name="删除").click()
    assert group.locator("[data-tb-repeat-row]").count() == 2
    page.set_input_files(
        "#tb-field-quote", files=[{"name": "报价单.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )

    page.get_by_role("button", name="办结").click()
    page.wait_for_url(f"{live_server.url}/workbench/")
    done = HumanTask.objects.get(pk=task.pk)
    assert done.status == TaskStatus.COMPLETED
    assert done.submitted_data["items"] == [
        {"name": "笔记本电脑", "qty": 2, "urgent": False},
        {"name": "显示器", "qty": 3, "unit": "台", "urgent": False},
    ]
    attachment = Attachment.objects.get()
    assert done.submitted_data["quote"] == f"att:{attachment.pk}" and attachment.file.read() == PDF

    page.goto(f"{live_server.url}/workbench/tasks/{task.pk}/")
    submitted = page.locator(".tb-submitted")
    assert submitted.locator(".tb-group-table tbody tr").count() == 2
    assert "显示器" in submitted.inner_text() and submitted.get_by_role("link", name="报价单.pdf").count() == 1
    assert page.locator(".tb-attachments").get_by_role("link", name="报价单.pdf").count() == 1

    page.goto(f"{live_server.url}/workbench/cases/{task.instance_id}/")
    case_text = page.locator("body").inner_text()
    assert "笔记本电脑" in case_text and "显示器" in case_text
    assert not errors, errors
