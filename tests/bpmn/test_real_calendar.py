"""Deadlines on the real work calendar (chinese-calendar data), end to end from a BPMN diagram."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from processes.models import HumanTask
from processes.services.instances import instance_start
from tests import factories as f
from tests.bpmn.diagrams import chain, user_task

pytestmark = pytest.mark.django_db(transaction=True)
SH = ZoneInfo("Asia/Shanghai")


def due_of(start: datetime, days: int) -> datetime:
    with time_machine.travel(start, tick=False):
        instance = instance_start(process_key="sla", actor=f.actor(f.user(f"u{start:%m%d}{days}")), data={"n": days})
    return HumanTask.objects.get(instance=instance).due_at.astimezone(SH)


def test_friday_before_qingming_and_a_make_up_saturday() -> None:
    f.deploy(chain("sla", user_task("review", "reviewer", 'tongban:slaWorkingDays="n"')))
    # Fri 3 Apr 2026; Sat 4 – Mon 6 Apr are the Qingming holiday: 1 working day later is Tue 7 Apr.
    assert due_of(datetime(2026, 4, 3, 10, 0, tzinfo=SH), 1) == datetime(2026, 4, 7, 18, 0, tzinfo=SH)
    # Fri 9 Oct 2026; Sat 10 Oct is a 调休 make-up working day.
    assert due_of(datetime(2026, 10, 9, 10, 0, tzinfo=SH), 1) == datetime(2026, 10, 10, 18, 0, tzinfo=SH)
    # Wed 30 Sep 2026 before the National Day week (1–7 Oct): 1 working day later is Thu 8 Oct.
    assert due_of(datetime(2026, 9, 30, 10, 0, tzinfo=SH), 1) == datetime(2026, 10, 8, 18, 0, tzinfo=SH)
