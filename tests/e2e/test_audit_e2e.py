"""The auditor in a real browser: filter the trail to the last moments, download the CSV, check its hash chain,
and run the chain verification from the page."""

import codecs
import csv
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from processes.models import AuditEvent, HumanTask
from processes.services.audit import GENESIS_HASH, AuditBuffer, event_hash
from processes.services.inbox import human_task_claim, human_task_complete
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOCAL_INPUT = "%Y-%m-%dT%H:%M:%S"  # what a datetime-local field with step="1" takes


def _int(text: str) -> int | None:
    return int(text) if text else None


def event_from_row(row: dict[str, str]) -> AuditEvent:
    """The event a CSV row describes, with the fields the chain hash covers."""
    return AuditEvent(
        at=datetime.fromisoformat(row["时间"]),
        actor=row["操作人"],
        action=row["操作"],
        instance_id=_int(row["流程实例"]),
        task_id=_int(row["任务"]),
        process_key=row["流程"],
        department_id=_int(row["部门"]),
        payload=json.loads(row["内容"]),
    )


def test_auditor_exports_the_filtered_trail_and_its_chain_holds(page: Any, live_server: Any) -> None:
    """Filtered to the last moments, the CSV holds just those events, each row's hash recomputes from its
    own fields and links to the row before; 校验哈希链 on the page reports the whole chain intact."""
    dept = f.department()
    clerk = f.user("clerk", roles=["reviewer"], dept=dept)
    f.user("auditor", roles=["auditor"])
    # An event from an hour ago: outside the filter, but the first exported row links to it.
    buffer = AuditBuffer()
    buffer.add("task_commented", actor="clerk", payload={"note": "E2E-OLD"}, at=timezone.now() - timedelta(hours=1))
    (old,) = buffer.flush()
    since = timezone.localtime().replace(microsecond=0)
    f.deploy(chain("e2e_audit", user_task("登记", "reviewer")))
    instance = instance_start(
        process_key="e2e_audit", actor=f.actor(clerk), department_id=dept.pk, business_key="E2E-AUD-1"
    )
    task = HumanTask.objects.get(instance=instance)
    human_task_claim(task_id=task.pk, actor=f.actor(clerk))
    human_task_complete(task_id=task.pk, actor=f.actor(clerk))

    login(page, live_server, "auditor", "pass12345")
    until = timezone.localtime().replace(microsecond=0) + timedelta(seconds=1)
    page.goto(f"{live_server.url}/audit/")
    page.get_by_role("heading", name="审计检索").wait_for()
    page.get_by_label("起始时间", exact=True).fill(since.strftime(LOCAL_INPUT))
    page.get_by_label("截止时间", exact=True).fill(until.strftime(LOCAL_INPUT))
    page.get_by_role("button", name="筛选", exact=True).click()
    expect(page.get_by_role("cell", name=re.compile("E2E-OLD"))).to_have_count(0)
    expect(page.get_by_role("link", name=f"#{instance.pk}", exact=True).first).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.startswith("audit-") and download.suggested_filename.endswith(".csv")
    body = Path(download.path()).read_bytes()
    assert body.startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))

    assert rows, "the export holds the filtered events"
    assert "E2E-OLD" not in body.decode("utf-8-sig")
    ours = [row["操作"] for row in rows if row["流程实例"] == str(instance.pk)]
    for action in ("instance_started", "task_claimed", "task_completed"):
        assert action in ours, (action, ours)
    assert all(since <= datetime.fromisoformat(row["时间"]) < until for row in rows)
    assert rows[0]["前一哈希"] == old.hash != GENESIS_HASH
    previous = rows[0]["前一哈希"]
    for row in rows:
        assert row["前一哈希"] == previous, f"row #{row['序号']} does not link to the row before"
        assert event_hash(row["前一哈希"], event_from_row(row)) == row["哈希"], f"row #{row['序号']} changed"
        previous = row["哈希"]

    page.get_by_role("button", name="校验哈希链", exact=True).click()
    result = page.get_by_role("status").filter(has_text="哈希链完整")
    result.wait_for()
    checked = re.search(r"已校验 (\d+) 个事件", result.inner_text())
    assert checked and int(checked.group(1)) == AuditEvent.objects.count(), result.inner_text()
