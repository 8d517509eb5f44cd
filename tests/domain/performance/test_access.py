"""Who may do what in 绩效通, and the services enforcing it: an organiser (superuser, 督查员 or
performance_organiser) runs rounds, scores and opens rectification; an expert (performance_expert) enters
expert scores; a unit's people enter only their own data. A caller that skips the pages is refused by the
service itself, and nothing is changed."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from domain.directory.models import Department, Role
from domain.performance import services
from domain.performance.access import may_enter_values, may_organise, may_score_manually, may_see_result
from domain.performance.errors import NotPermitted
from domain.performance.models import (
    AssessmentRound,
    IndicatorNode,
    IndicatorSystem,
    ManualScore,
    Rectification,
    UnitScore,
)
from processes.ports import Actor, directory
from tests import factories

from .builders import ORGANISER, build_round, build_system, departments, scored

pytestmark = pytest.mark.django_db


def _actor(username: str, *roles: str, dept: Department | None = None) -> Actor:
    return factories.actor(factories.user(username, roles=list(roles), dept=dept))


def test_the_rules() -> None:
    """Organiser by superuser or either organiser role; an expert scores but does not organise; a unit's
    people enter and see their own unit only; someone with an unrelated role does nothing."""
    a = build_round(submit=False, manual=False)
    superuser = factories.actor(factories.user("root", is_superuser=True))
    office = _actor("office", "supervision_office")
    organiser = _actor("org", "performance_organiser")
    expert = _actor("expert1", "performance_expert")
    own = _actor("own", "reviewer", dept=a.units["A"].department)
    stranger = _actor("stranger", "auditor")
    assert all(may_organise(x) and may_score_manually(x) for x in (superuser, office, organiser))
    assert may_score_manually(expert) and not may_organise(expert)
    assert not may_score_manually(own) and not may_score_manually(stranger)
    assert may_enter_values(own, a.units["A"]) and may_see_result(own, a.units["A"])
    assert not may_enter_values(own, a.units["B"]) and not may_see_result(own, a.units["B"])
    assert may_enter_values(organiser, a.units["B"]) and not may_enter_values(expert, a.units["B"])


def test_a_unit_person_cannot_enter_expert_scores() -> None:
    """A's own reviewer scoring A on the expert point is refused with a reason; nothing is stored."""
    a = build_round(manual=False)
    own = _actor("own", "reviewer", dept=a.units["A"].department)
    with pytest.raises(NotPermitted) as refused:
        services.manual_score_enter(
            unit_id=a.units["A"].pk, node_id=a.nodes["P3"].pk, score="20", comment="自评满分", actor=own
        )
    assert "专家" in refused.value.message
    assert not ManualScore.objects.exists()


def test_an_expert_scores_and_is_recorded_as_the_expert() -> None:
    a = build_round(manual=False)
    expert = _actor("expert1", "performance_expert")
    entry = services.manual_score_enter(
        unit_id=a.units["A"].pk, node_id=a.nodes["P3"].pk, score="15", comment="材料较全", actor=expert
    )
    assert (entry.score, entry.expert_id) == (Decimal("15"), expert.user_id)


def test_an_expert_cannot_create_close_score_or_publish_a_round() -> None:
    """The expert's scoring role does not reach the organiser's steps: each is refused, the round unchanged."""
    a = build_round()
    expert = _actor("expert1", "performance_expert")
    system, _nodes = build_system("另一体系")
    with pytest.raises(NotPermitted):
        services.round_create(
            system_id=system.pk, name="越权", period="2026", unit_ids=[a.units["A"].department_id], actor=expert
        )
    assert not AssessmentRound.objects.filter(name="越权").exists()
    with pytest.raises(NotPermitted):
        services.round_field_add(round_id=a.round.pk, name="extra", label="额外", actor=expert)
    with pytest.raises(NotPermitted):
        services.round_collection_close(round_id=a.round.pk, actor=expert)
    a.round.refresh_from_db()
    assert a.round.status == "collecting"
    services.round_collection_close(round_id=a.round.pk, actor=ORGANISER)
    with pytest.raises(NotPermitted):
        services.round_score(round_id=a.round.pk, actor=expert)
    assert not UnitScore.objects.exists()
    services.round_score(round_id=a.round.pk, actor=ORGANISER)
    with pytest.raises(NotPermitted):
        services.round_publish(round_id=a.round.pk, actor=expert)
    a.round.refresh_from_db()
    assert a.round.status == "scoring"


def test_only_the_organiser_opens_rectification() -> None:
    """D scored 0 on 共享率; D's own director and an expert are both refused, and nothing is recorded."""
    a = scored(build_round())
    for actor in (_actor("director", "supervisor", dept=a.units["D"].department), _actor("e", "performance_expert")):
        with pytest.raises(NotPermitted):
            services.rectification_open(
                round_id=a.round.pk, unit_id=a.units["D"].pk, node_id=a.nodes["I1"].pk, actor=actor
            )
    assert not Rectification.objects.exists()


def test_a_unit_person_enters_only_their_own_units_data() -> None:
    """B's clerk submitting A's data is refused; A's values stay empty. Their own unit's data is stored."""
    a = build_round(submit=False, manual=False)
    clerk_b = _actor("clerk_b", "cataloguer", dept=departments()["B"])
    with pytest.raises(NotPermitted):
        services.values_submit(unit_id=a.units["A"].pk, values={"total_count": 1}, actor=clerk_b)
    a.units["A"].refresh_from_db()
    assert a.units["A"].values == {} and a.units["A"].submitted_at is None
    values = {"total_count": 80, "shared_count": 100, "timely_rate": 85, "open_sets": 31}
    services.values_submit(unit_id=a.units["B"].pk, values=values, actor=clerk_b)
    a.units["B"].refresh_from_db()
    assert a.units["B"].values["total_count"] == "80"


def test_the_demo_seed_gives_perf1_the_organiser_and_expert1_the_expert() -> None:
    """After `manage.py seed_demo` (run twice: it stays idempotent) perf1 of 西湖区政府督查室 organises and
    expert1 scores as an expert without organising."""
    call_command("seed_demo", stdout=StringIO())
    output = StringIO()
    call_command("seed_demo", stdout=output)
    assert "users +0, memberships +0" in output.getvalue()
    perf1 = directory().actor_for(get_user_model().objects.get(username="perf1"))
    expert1 = directory().actor_for(get_user_model().objects.get(username="expert1"))
    office = Department.objects.get(code="330106-DCS")
    assert (office.pk, "performance_organiser") in perf1.memberships and may_organise(perf1)
    assert may_score_manually(expert1) and not may_organise(expert1)
    assert Role.objects.get(code="performance_expert").name == "评审专家"


def test_only_the_organiser_builds_systems_renews_links_and_imports_values() -> None:
    """An expert and a unit's own people are refused by every system, link and import service called
    directly, and nothing changes: no new system or node, the tree, status, link and data stay as they were."""
    a = build_round(submit=False, manual=False)
    draft, nodes = build_system("草稿体系", publish=False)
    unit = a.units["A"]
    token, count = unit.token, IndicatorSystem.objects.count()
    calls = {
        "system_create": lambda x: services.system_create(name="新体系", actor=x),
        "node_add": lambda x: services.node_add(
            system_id=draft.pk, parent_id=None, name="新维度", weight="10", actor=x
        ),
        "node_update": lambda x: services.node_update(node_id=nodes["P1"].pk, data={"weight": "1"}, actor=x),
        "node_delete": lambda x: services.node_delete(node_id=nodes["P5"].pk, actor=x),
        "system_publish": lambda x: services.system_publish(system_id=draft.pk, actor=x),
        "system_copy": lambda x: services.system_copy(system_id=a.system.pk, actor=x),
        "unit_token_renew": lambda x: services.unit_token_renew(unit_id=unit.pk, actor=x),
        "values_import": lambda x: services.values_import(
            round_id=a.round.pk, rows={unit.pk: {"total_count": 1}}, actor=x
        ),
    }
    expert = _actor("expert1", "performance_expert")
    own = _actor("own", "reviewer", dept=unit.department)
    for call in calls.values():
        for actor in (expert, own):
            with pytest.raises(NotPermitted, match="组织方"):
                call(actor)
    draft.refresh_from_db()
    unit.refresh_from_db()
    assert IndicatorSystem.objects.count() == count and draft.status == "draft"
    assert IndicatorNode.objects.get(pk=nodes["P1"].pk).weight == 30 and draft.nodes.count() == len(nodes)
    assert unit.token == token and unit.submitted_at is None
    assert services.unit_token_renew(unit_id=unit.pk, actor=ORGANISER).token != token
