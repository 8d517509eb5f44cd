"""绩效通 home: the organiser starts at the indicator systems; an assessed unit's people see their own units'
rounds, with the data form while collecting and their result once scored; an expert (专家) sees the open
rounds that have points for them to score."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from domain.performance.access import may_organise, may_score_manually
from domain.performance.choices import RuleKind
from domain.performance.models import AssessmentRound, RoundUnit
from domain.performance.services.manual import OPEN_STATUSES

from .access import actor_of
from .systems import system_index

MINE_SIZE = 100


@login_required
@require_GET
def performance_home(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if may_organise(actor):
        return system_index(request)
    departments = sorted({dept for dept, _role in actor.memberships})
    units = (
        RoundUnit.objects.filter(department_id__in=departments)
        .select_related("department", "round")
        .order_by("-round__created_at", "department__code")[:MINE_SIZE]
    )
    to_score = (
        AssessmentRound.objects.filter(status__in=OPEN_STATUSES, system__nodes__rule=RuleKind.MANUAL)
        .distinct()
        .order_by("-created_at")[:MINE_SIZE]
        if may_score_manually(actor)
        else []
    )
    context = {"units": units, "to_score": to_score, "section": "mine"}
    return render(request, "webui/performance/mine.html", context)
