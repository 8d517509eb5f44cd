"""The demo catalog for `make run`: published entries with codes, one live review case, one grant."""

import pytest

from domain.catalog.demo import catalog_demo_seed
from domain.catalog.models import CatalogEntry, ShareRequest
from domain.directory.management.commands.seed_demo import demo_directory_seed
from domain.directory.models import Department
from processes.models import HumanTask
from tests import factories as f


@pytest.mark.django_db(transaction=True)
def test_demo_seed_is_idempotent_and_gives_the_demo_lead_a_task() -> None:
    demo_directory_seed(password="demo-pass-1")
    f.deploy("catalog_approval")
    f.deploy("share_request")
    assert catalog_demo_seed() == 4
    assert catalog_demo_seed() == 0
    published = CatalogEntry.objects.filter(status="published")
    assert sorted(code or "" for code in published.values_list("code", flat=True)) == [
        "101001/000001",
        "102001/000001",
        "102001/000002",
    ]
    assert ShareRequest.objects.get().status == "granted"
    task = HumanTask.objects.get(status="open")
    assert task.element_id == "dept_review" and task.department_id == Department.objects.get(code="330106-SCJG").pk
