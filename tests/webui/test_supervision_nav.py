"""The 督办 tab bar is one for the whole suite and offers each person the tabs they can use."""

import re
from typing import Any

import pytest
from django.test import Client

from tests import factories as f
from tests.domain.supervision import builders as b

pytestmark = pytest.mark.django_db


def tabs_of(user: Any, url: str = "/supervision/ranking/") -> list[str]:
    client = Client()
    client.force_login(user)
    html = client.get(url).content.decode()
    return re.findall(r'class="tb-tab[^"]*" href="/supervision/([^"]*)"', html)


def test_each_person_gets_the_tabs_they_can_use() -> None:
    w = b.world()
    supervisor = f.user("supervisor", roles=["supervisor"], dept=w.office)
    admin = f.user("admin", is_superuser=True, is_staff=True)
    assert tabs_of(w.inspector) == ["items/", "problems/", "ranking/", "reports/"]
    # Not of the office: 督查晾晒 opens the published rankings, not the live one they may not see.
    assert tabs_of(w.lead_handler) == ["items/", "problems/", "ranking/snapshots/"]
    assert tabs_of(supervisor) == ["", "extensions/", "league/", "ranking/snapshots/"]
    assert tabs_of(admin) == ["", "extensions/", "items/", "problems/", "league/", "ranking/", "reports/"]


def test_the_item_pages_show_the_same_bar() -> None:
    """督查事项's pages used a bar of their own without 督查晾晒 and 进展报告."""
    w = b.world()
    item = b.item(w)
    assert tabs_of(w.inspector, f"/supervision/items/{item.pk}/") == tabs_of(w.inspector)


def test_the_reports_tab_is_for_the_office_the_reports_are_about() -> None:
    """A 督查员 of another department's office may handle items but the reports (of 330106-DCS) are not theirs."""
    w = b.world()
    other = f.department("330108-DCS", "滨江区督查室")
    elsewhere = f.user("elsewhere", roles=["supervision_office"], dept=other)
    assert "reports/" not in tabs_of(elsewhere) and "items/" in tabs_of(elsewhere)
    assert "reports/" in tabs_of(w.inspector)


def test_the_suites_home_takes_the_office_and_units_to_their_task_list() -> None:
    """督办 in the menu opens /supervision/: for a 督查员 or a 承办人, who supervise no department, that is
    their 任务清单, not a 403; someone with no part in 督办 still gets the explanation."""
    w = b.world()
    for user in (w.inspector, w.lead_handler):
        client = Client()
        client.force_login(user)
        response = client.get("/supervision/")
        assert response.status_code == 302 and response["Location"] == "/supervision/items/"
    clerk = Client()
    clerk.force_login(f.user("clerk", roles=["clerk"], dept=w.lead))
    assert clerk.get("/supervision/").status_code == 403
