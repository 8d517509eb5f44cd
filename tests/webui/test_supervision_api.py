"""The 督办 endpoints as a supervisor and a clerk use them."""

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from rest_framework.test import APIClient

from processes.models import HumanTask
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task
from tests.calendar_fake import weekday_calendar

pytestmark = pytest.mark.django_db(transaction=True)
SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=SH)


@pytest.fixture
def setup(notifier):  # type: ignore[no-untyped-def]
    city = f.department("330100", "杭州市")
    district = f.department("330106", "西湖区", parent=city)
    clerk = f.user("clerk", roles=["reviewer"], dept=district)
    boss = f.user("boss", roles=["supervisor"], dept=city)
    f.deploy(chain("sla", user_task("review", "reviewer", 'tongban:slaWorkingDays="3"')))
    with weekday_calendar(), time_machine.travel(MONDAY, tick=False):
        instance = instance_start(process_key="sla", actor=f.actor(clerk), department_id=district.pk)
    task = HumanTask.objects.get(instance=instance)
    HumanTask.objects.filter(pk=task.pk).update(escalation_level=1)
    return clerk, boss, task


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_supervisor_lists_reminds_and_decides_an_extension(setup) -> None:  # type: ignore[no-untyped-def]
    clerk, boss, task = setup
    api = client_for(boss)
    listed = api.get("/api/supervision/tasks/?kind=at_risk").json()
    assert [row["id"] for row in listed["results"]] == [task.pk]
    assert (
        api.post(f"/api/supervision/tasks/{task.pk}/remind/", {"message": "请尽快"}, format="json").status_code == 201
    )
    again = api.post(f"/api/supervision/tasks/{task.pk}/remind/", {"message": "再催"}, format="json")
    assert again.status_code == 409 and "retry_after_minutes" in again.json()["context"]
    # Outside the subtree (a clerk supervises none) the task is not found, as everywhere.
    assert client_for(clerk).post(f"/api/supervision/tasks/{task.pk}/remind/", {}, format="json").status_code == 404

    with weekday_calendar(), time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        asked = client_for(clerk).post(
            f"/api/tasks/{task.pk}/extension/", {"working_days": 2, "reason": "材料未齐"}, format="json"
        )
        assert asked.status_code == 201
        pending = api.get("/api/supervision/extensions/").json()
        assert [row["id"] for row in pending] == [asked.json()["id"]]
        decided = api.post(
            f"/api/supervision/extensions/{asked.json()['id']}/decide/", {"approve": True}, format="json"
        )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    task.refresh_from_db()
    assert task.due_at == datetime(2026, 6, 8, 18, 0, tzinfo=SH)


def test_league_table_as_json_and_xlsx(setup) -> None:  # type: ignore[no-untyped-def]
    clerk, boss, task = setup
    HumanTask.objects.filter(pk=task.pk).update(
        status="completed", completed_at=MONDAY + timedelta(days=1), handling_working_days=1.0
    )
    api = client_for(boss)
    rows = api.get("/api/supervision/league/?month=2026-06").json()
    assert rows == [
        {
            "rank": 1,
            "department_id": task.department_id,
            "department": "西湖区",
            "completed": 1,
            "on_time": 1,
            "on_time_rate": 1.0,
            "overdue": 0,
            "avg_working_days": 1.0,
            "reminders": 0,
        }
    ]
    download = api.get("/api/supervision/league/?month=2026-06&format=xlsx")
    assert download.status_code == 200 and "league-2026-06.xlsx" in download["Content-Disposition"]
    sheet = load_workbook(BytesIO(download.content)).active
    assert [c.value for c in sheet[2]][:3] == [1, "西湖区", 1]
    assert client_for(clerk).get("/api/supervision/league/?month=2026-06").status_code == 403
    assert api.get("/api/supervision/league/?month=junk").status_code == 400
