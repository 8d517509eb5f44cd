"""Who may open a case (processes.selectors.instance_visible_to / instance_for_actor; the case page, its
attachments and the instances API all use it): staff, auditors, the starter, whoever may see one of its
tasks, and supervisors of the department subtree the case or one of its tasks is in."""

from typing import Any

import pytest

from processes.errors import NotFound
from processes.models import HumanTask
from processes.ports import Actor
from processes.selectors import actor_is_auditor, instance_for_actor, instance_visible_to, supervised_department_ids
from processes.selectors_case import ACTIVE, case_for_actor
from processes.services.instances import instance_start
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    """Province → city → district; a case in the district started by an applicant."""
    province = f.department("330000", "浙江省")
    city = f.department("330100", "杭州市", parent=province)
    district = f.department("330106", "西湖区", parent=city)
    sibling = f.department("330108", "滨江区", parent=city)
    people = {
        "applicant": f.user("applicant"),
        "reviewer": f.user("reviewer", roles=["reviewer"], dept=district),
        "province_boss": f.user("province_boss", roles=["supervisor"], dept=province),
        "sibling_boss": f.user("sibling_boss", roles=["supervisor"], dept=sibling),
        "city_reviewer": f.user("city_reviewer", roles=["reviewer"], dept=city),
        "auditor": f.user("auditor", roles=["auditor"], dept=sibling),
        "staff": f.user("staff", is_staff=True),
        "stranger": f.user("stranger", roles=["reviewer"], dept=sibling),
    }
    f.deploy("approval")
    instance = instance_start(
        process_key="approval", actor=f.actor(people["applicant"]), department_id=district.pk, business_key="K"
    )
    return {**people, "instance": instance, "district": district, "city": city, "province": province}


def sees(world: dict[str, Any], who: str) -> bool:
    return instance_visible_to(f.actor(world[who])).filter(pk=world["instance"].pk).exists()


def test_who_may_open_the_case(world) -> None:  # type: ignore[no-untyped-def]
    """Starter, candidate, a supervisor two levels up, an auditor of another district and staff may; a
    supervisor of a sibling district, a reviewer of the parent department and a stranger may not."""
    for who in ("applicant", "reviewer", "province_boss", "auditor", "staff"):
        assert sees(world, who), who
    for who in ("sibling_boss", "city_reviewer", "stranger"):
        assert not sees(world, who), who
    assert not instance_visible_to(Actor(user_id=None, username="anonymous")).exists()


def test_the_rules_it_is_made_of(world) -> None:  # type: ignore[no-untyped-def]
    """The supervised subtree and the auditor rule are the ones the 督办 and 审计 pages use."""
    ids = supervised_department_ids(f.actor(world["province_boss"]))
    assert {world["province"].pk, world["city"].pk, world["district"].pk} <= ids
    assert actor_is_auditor(f.actor(world["auditor"])) and actor_is_auditor(f.actor(world["staff"]))
    assert not actor_is_auditor(f.actor(world["province_boss"]))


def test_one_instance_or_not_found(world) -> None:  # type: ignore[no-untyped-def]
    """instance_for_actor answers the case or NotFound — the same for a missing case and a hidden one."""
    instance = world["instance"]
    assert instance_for_actor(instance_id=instance.pk, actor=f.actor(world["province_boss"])).pk == instance.pk
    for instance_id in (instance.pk, instance.pk + 1000):
        with pytest.raises(NotFound):
            instance_for_actor(instance_id=instance_id, actor=f.actor(world["stranger"]))


def test_case_for_actor_reads_the_case_with_its_states(world) -> None:  # type: ignore[no-untyped-def]
    """The case page's read: the open task marks its element active; a hidden case is NotFound."""
    from django.utils import timezone

    instance = world["instance"]
    case = case_for_actor(instance_id=instance.pk, actor=f.actor(world["auditor"]), now=timezone.now())
    task = HumanTask.objects.get(instance=instance)
    assert case.tasks == [task] and case.states[task.element_id] == ACTIVE and case.steps == []
    assert [entry.event.action for entry in case.timeline][:1] == ["instance_started"]
    with pytest.raises(NotFound):
        case_for_actor(instance_id=instance.pk, actor=f.actor(world["stranger"]), now=timezone.now())
